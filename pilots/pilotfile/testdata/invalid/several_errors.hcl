variable "image" {
  default = "pilotbed-demo:latest"
}

pilot "several" {
  title    = "Several mistakes"
  start    = "2027-05-01"
  end      = "2027-04-01"
  language = "de"
  colour   = "blue"

  classification {
    confidentiality = 3
    integrity       = -1
    availability    = 1
  }

  candidate "a" {
    entry  = "api"
    egress = true

    service "web" {
      image  = var.imgae
      port   = 8080
      memory = "lots"
    }
  }

  candidate "a" {
    service "web" {
      image = var.image
    }
  }

  cohort "c" {
    candidate = "b"
  }

  survey "s" {
    opens  = "start"
    closes = "start+3x"

    question "q" {
      type  = "likert"
      scale = 4
      text  = "Q?"
    }
  }

  criterion "k" {
    measure  = survey.s.nope.mean + usage.passive_share
    at_least = 1
  }
}
