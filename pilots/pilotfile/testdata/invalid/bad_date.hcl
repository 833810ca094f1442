pilot "p" {
  title = "T"
  start = "11/01/2027"
  end   = "2027-03-31"

  classification {
    confidentiality = 2
    integrity       = 1
    availability    = 1
  }

  candidate "a" {
    service "web" {
      image = "img"
      port  = 8080
    }
  }

  survey "final" {
    opens  = "end-14d"
    closes = "end"
    question "minutes" {
      type = "number"
      text = "Minuter?"
    }
  }
}
