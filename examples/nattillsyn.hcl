# Digital nattillsyn: two vendors' camera supervision compared with physical
# night visits in home care. Validate with `pilotbed validate examples/`.

variable "demo_image" {
  type        = string
  default     = "pilotbed-demo:latest"
  description = "Image of the candidate services; each vendor delivers its own in a real pilot"
}

pilot "digital-nattillsyn" {
  title       = "Digital nattillsyn i hemtjänsten"
  description = "Kameratillsyn nattetid som alternativ till fysiska besök."
  owner       = "Vård- och omsorgsförvaltningen"
  contact     = "testledare@mittkoping.se"
  start       = "2027-01-11"
  end         = "2027-03-31"
  priority    = 2
  budget_sek  = 250000
  language    = "sv"

  classification {
    confidentiality = 2
    integrity       = 2
    availability    = 1
  }

  retention {
    keep     = "365d"
    decision = "KS 2026/123"
    export   = ["responses", "report"]
  }

  privacy {
    controller  = "Vård- och omsorgsnämnden i Mittköping"
    legal_basis = "Allmänt intresse (GDPR art. 6.1 e)"
    contact     = "dataskyddsombud@mittkoping.se"
  }

  candidate "leverantor-a" {
    vendor = "Leverantör A AB"
    entry  = "web"

    service "web" {
      image  = var.demo_image
      port   = 8080
      env    = { APP_TITLE = "Nattkamera A", MODE = "pilot" }
      memory = "256MiB"
      cpus   = 0.5
      health {
        http     = "/healthz"
        interval = "10s"
      }
      volume "data" {
        path = "/var/lib/app"
      }
    }
  }

  candidate "leverantor-b" {
    vendor = "Leverantör B AB"

    service "app" {
      image     = var.demo_image
      port      = 8080
      env       = { APP_TITLE = "Tillsyn B" }
      memory    = "384MiB"
      read_only = true
      health {
        http    = "/healthz"
        timeout = "3s"
        retries = 5
      }
    }
  }

  cohort "vaster" {
    candidate    = "leverantor-a"
    participants = 12
  }

  cohort "oster" {
    candidate    = "leverantor-b"
    participants = 10
  }

  survey "baseline" {
    title  = { sv = "Innan piloten", en = "Before the pilot" }
    opens  = "start"
    closes = "start+7d"

    question "minutes" {
      type = "number"
      unit = "min"
      min  = 0
      max  = 240
      text = { sv = "Hur många minuter tar ett tillsynsbesök i dag?", en = "How many minutes does a visit take today?" }
    }
  }

  survey "final" {
    title  = { sv = "Slutenkät", en = "Final survey" }
    opens  = "end-14d"
    closes = "end"

    sus {}

    question "recommend" {
      type = "nps"
      text = { sv = "Hur troligt är det att du skulle rekommendera lösningen till en kollega?", en = "How likely is it that you would recommend the solution to a colleague?" }
    }

    question "minutes" {
      type = "number"
      unit = "min"
      min  = 0
      max  = 240
      text = { sv = "Hur många minuter tar ett tillsynsbesök nu?", en = "How many minutes does a visit take now?" }
    }

    question "comment" {
      type     = "text"
      optional = true
      text     = { sv = "Något mer du vill berätta?", en = "Anything else you want to tell us?" }
    }
  }

  benefit "tid-per-besok" {
    description = "Minskad tid per tillsynsbesök"
    measure     = survey.final.minutes.mean
    baseline    = survey.baseline.minutes.mean
    target      = 10
    unit        = "min"
    owner       = "Enhetschef hemtjänst"
  }

  criterion "anvandbarhet" {
    measure  = sus
    at_least = 68
    must     = true
  }

  criterion "rekommendation" {
    measure  = nps
    at_least = 0
  }

  criterion "tillganglighet" {
    measure  = uptime
    at_least = 0.99
  }

  criterion "svarsfrekvens" {
    measure  = response_rate
    at_least = 0.6
  }
}
