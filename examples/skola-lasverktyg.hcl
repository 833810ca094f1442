# Ett digitalt läsverktyg i årskurs 4–6: två leverantörer jämförs i två
# skolor under vårterminen.

variable "demo_image" {
  type        = string
  default     = "pilotbed-demo:latest"
  description = "Image of the candidate services"
}

pilot "skola-lasverktyg" {
  title       = "Digitalt läsverktyg i årskurs 4–6"
  description = "Ett verktyg för läsförståelse med uppläsning och anpassade texter prövas i två skolor."
  owner       = "Utbildningsförvaltningen"
  contact     = "digitalisering.skola@mittkoping.se"
  start       = "2027-01-18"
  end         = "2027-05-28"
  priority    = 4
  budget_sek  = 120000
  language    = "sv"

  classification {
    confidentiality = 1
    integrity       = 1
    availability    = 1
  }

  retention {
    keep     = "180d"
    decision = "BUN 2026/58"
    export   = ["report"]
  }

  candidate "lasa-smart" {
    vendor = "Läsa Smart AB"
    egress = true # hämtar uppläsningsröster från leverantörens tjänst

    service "web" {
      image = var.demo_image
      port  = 8080
      env   = { APP_TITLE = "Läsa Smart" }
      health {
        http = "/healthz"
      }
    }
  }

  candidate "boklyftet" {
    vendor = "Boklyftet Ekonomisk förening"

    service "web" {
      image  = var.demo_image
      port   = 8080
      env    = { APP_TITLE = "Boklyftet" }
      memory = "192MiB"
      health {
        http = "/healthz"
      }
    }
  }

  cohort "ekbacken" {
    candidate    = "lasa-smart"
    participants = 14
  }

  cohort "solskolan" {
    candidate    = "boklyftet"
    participants = 14
  }

  survey "mitt" {
    title     = "Halvvägs"
    opens     = "2027-03-08"
    closes    = "2027-03-19"
    anonymous = true

    question "lektioner" {
      type    = "choice"
      text    = "Hur ofta har verktyget använts i dina lektioner?"
      options = ["Varje lektion", "Några gånger i veckan", "Någon gång i veckan", "Sällan eller aldrig"]
    }

    question "engagemang" {
      type   = "likert"
      scale  = 5
      text   = "Eleverna läser mer engagerat med verktyget."
      labels = ["Instämmer inte alls", "Instämmer inte", "Varken eller", "Instämmer", "Instämmer helt"]
    }
  }

  survey "slut" {
    title  = "Slutenkät"
    opens  = "end-14d"
    closes = "end"

    umux_lite {}

    question "stod" {
      type = "choices"
      text = "Vilka funktioner har eleverna använt?"
      help = "Välj alla som stämmer."

      option "upplasning" {
        text = "Uppläsning"
      }
      option "ordforklaring" {
        text = "Ordförklaringar"
      }
      option "anpassad-text" {
        text = "Anpassade texter"
      }
    }

    question "betyg" {
      type  = "rating"
      scale = 5
      text  = "Vilket betyg ger du verktyget som helhet?"
    }

    question "forbattra" {
      type     = "text"
      optional = true
      text     = "Vad skulle göra verktyget bättre?"
    }
  }

  benefit "laslust" {
    description = "Fler elever upplever läsningen som engagerande"
    measure     = survey.mitt.engagemang.mean
    target      = 4
    unit        = "medelvärde 1–5"
    owner       = "Rektor Ekbackens skola"
  }

  criterion "anvandbarhet" {
    measure  = umux_lite
    at_least = 65
    must     = true
  }

  criterion "helhetsbetyg" {
    measure  = survey.slut.betyg.mean
    at_least = 3.5
  }

  criterion "aktiv-anvandning" {
    measure  = usage.active_share
    at_least = 0.5
  }
}
