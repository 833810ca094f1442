# A citizen e-service for booking a time at the municipal recycling centre:
# one candidate of two services, a web front end and an API behind it.

variable "demo_image" {
  type        = string
  default     = "pilotbed-demo:latest"
  description = "Image of the candidate services"
}

variable "api_replica_memory" {
  type        = string
  default     = "128MiB"
  description = "Memory limit of the booking API"
}

pilot "e-tjanst-bokning" {
  title       = "Booking a time at the recycling centre"
  description = "Residents book a time slot for the recycling centre online instead of queuing."
  owner       = "Samhällsbyggnadsförvaltningen"
  contact     = "e-tjanster@mittkoping.se"
  start       = "2027-04-05"
  end         = "2027-06-18"
  priority    = 1
  budget_sek  = 90000
  language    = "en"

  classification {
    confidentiality = 1
    integrity       = 2
    availability    = 2
  }

  retention {
    keep     = "90d"
    decision = "SBN 2026/201"
    export   = ["responses", "report"]
  }

  privacy {
    legal_basis = "Public interest (GDPR art. 6.1 e)"
  }

  candidate "bokabesok" {
    vendor = "Boka Besök Nordic AB"
    entry  = "web"

    service "web" {
      image     = var.demo_image
      port      = 8080
      env       = { APP_TITLE = "Book a recycling visit", API_URL = "http://api:8080" }
      read_only = true
      health {
        http     = "/healthz"
        interval = "15s"
      }
    }

    service "api" {
      image   = var.demo_image
      port    = 8080
      env     = { APP_TITLE = "Booking API" }
      command = ["/demoapp", "-listen", ":8080"]
      memory  = var.api_replica_memory
      cpus    = 0.25
      pids    = 128
      health {
        http = "/healthz"
      }
      volume "bookings" {
        path = "/data"
        keep = true
      }
    }
  }

  cohort "residents" {
    candidate    = "bokabesok"
    participants = 40
  }

  survey "after-booking" {
    title  = { en = "After your booking", sv = "Efter din bokning" }
    opens  = "start"
    closes = "end"

    question "easy" {
      type  = "likert"
      scale = 7
      text  = { en = "Booking a time was easy.", sv = "Det var lätt att boka en tid." }
      labels = {
        en = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neutral", "Somewhat agree", "Agree", "Strongly agree"]
        sv = ["Instämmer inte alls", "Instämmer inte", "Instämmer delvis inte", "Neutral", "Instämmer delvis", "Instämmer", "Instämmer helt"]
      }
    }

    question "minutes" {
      type = "number"
      unit = "min"
      min  = 0
      max  = 120
      text = { en = "How many minutes did booking take?", sv = "Hur många minuter tog bokningen?" }
    }

    question "recommend" {
      type = "nps"
      text = { en = "How likely are you to recommend the booking service to a neighbour?", sv = "Hur troligt är det att du rekommenderar bokningstjänsten till en granne?" }
    }
  }

  survey "final" {
    title     = { en = "Final survey", sv = "Slutenkät" }
    opens     = "end-21d"
    closes    = "end"
    anonymous = true

    sus {}
  }

  benefit "shorter-queues" {
    description = "Less time spent booking than the 15 minutes of queuing today"
    measure     = survey.after-booking.minutes.median
    baseline    = 15
    target      = 5
    unit        = "min"
    owner       = "Head of waste management"
  }

  criterion "usability" {
    measure  = sus
    at_least = 70
    must     = true
  }

  criterion "availability" {
    measure  = uptime
    at_least = 0.995
    must     = true
  }

  criterion "recommendation" {
    measure  = nps
    at_least = 10
  }

  criterion "answers" {
    measure  = response_rate
    at_least = 0.3
  }
}
