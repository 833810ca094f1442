package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

// ptPilot has a survey of every question type, the built-in instruments,
// an anonymous survey and surveys not yet open and already closed.
const ptPilot = `
pilot "tillsyn" {
  title       = "Digital tillsyn <i>nattetid</i>"
  description = "Kameratillsyn nattetid som alternativ till fysiska besök."
  owner       = "Vård- och omsorgsförvaltningen"
  contact     = "testledare@mittkoping.se"
  start       = "2027-01-11"
  end         = "2027-03-31"
  language    = "sv"

  retention {
    keep     = "365d"
    decision = "KS 2026/123"
  }
  privacy {
    legal_basis = "Allmänt intresse"
  }

  candidate "a" {
    vendor = "Leverantör A AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  cohort "vaster" {
    candidate    = "a"
    participants = 5
  }

  survey "alla" {
    title = { sv = "Alla frågetyper", en = "Every question type" }
    question "trivsel" {
      type = "likert"
      text = { sv = "Jag trivs med tjänsten.", en = "I like the service." }
    }
    question "betyg" {
      type  = "rating"
      scale = 5
      text  = { sv = "Vilket betyg ger du tjänsten?", en = "How do you rate the service?" }
    }
    question "rekommendera" {
      type = "nps"
      text = { sv = "Skulle du rekommendera tjänsten?", en = "Would you recommend the service?" }
    }
    question "minuter" {
      type = "number"
      unit = "min"
      min  = 0
      max  = 600
      text = { sv = "Hur många minuter tar ett besök?", en = "How many minutes does a visit take?" }
      help = { sv = "Räkna med restiden.", en = "Count the travel time." }
    }
    question "verktyg" {
      type    = "choice"
      options = ["app", "webb", "papper"]
      text    = { sv = "Vilket verktyg använder du mest?", en = "Which tool do you use most?" }
    }
    question "kanaler" {
      type    = "choices"
      options = ["telefon", "sms", "e-post"]
      text    = { sv = "Hur når du kollegor?", en = "How do you reach colleagues?" }
    }
    question "kommentar" {
      type     = "text"
      optional = true
      text     = { sv = "Något mer?", en = "Anything else?" }
    }
  }

  survey "final" {
    title = { sv = "Slutenkät", en = "Final survey" }
    sus {}
    umux_lite {}
  }

  survey "anon" {
    anonymous = true
    question "rekommendera" {
      type = "nps"
      text = "Skulle du rekommendera tjänsten?"
    }
  }

  survey "senare" {
    opens  = "end-14d"
    closes = "end"
    question "minuter" {
      type = "number"
      text = "Minuter?"
    }
  }

  survey "tidig" {
    opens  = "start"
    closes = "start+1d"
    question "minuter" {
      type = "number"
      text = "Minuter?"
    }
  }
}
`

// ptStart is the start of the test pilots.
var ptStart = time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)

type ptClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ptClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ptClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// ptFixture is the real orchestrator on a SQLite store and the fake
// runtime, with a running pilot, two invited participants and a second
// running pilot with one of its own.
type ptFixture struct {
	o           *orchestrator.Orchestrator
	store       *sqlstore.Store
	rt          *fake.Runtime
	clock       *ptClock
	h           http.Handler
	pilot       pilots.Pilot
	secret      string
	secret2     string
	other       pilots.Pilot
	otherSecret string
}

func newPTFixture(t testing.TB) *ptFixture {
	t.Helper()
	ctx := t.Context()
	c := &ptClock{t: ptStart.Add(-24 * time.Hour)}
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = c.Now
	t.Cleanup(func() { st.Close() })
	rt := fake.New(fake.Options{Instance: "test", Now: c.Now})
	o, err := orchestrator.New(orchestrator.Config{Store: st, Feedback: st, Runtime: rt, Instance: "test", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Wait)
	f := &ptFixture{o: o, store: st, rt: rt, clock: c}

	f.pilot, f.secret, f.secret2 = f.addPilot(t, ptPilot, 2)
	other := strings.Replace(ptPilot, `pilot "tillsyn"`, `pilot "annan"`, 1)
	f.other, f.otherSecret, _ = f.addPilot(t, other, 1)

	c.Set(ptStart.Add(2 * 24 * time.Hour))
	for _, p := range []pilots.Pilot{f.pilot, f.other} {
		if _, err := o.Start(ctx, "alice", p.ID, "test"); err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	o.Wait()
	f.h = NewServer(Config{Participants: o, Logger: ptLogger(t)})
	return f
}

// addPilot submits a pilot and invites n participants to its cohort.
func (f *ptFixture) addPilot(t testing.TB, src string, n int) (pilots.Pilot, string, string) {
	t.Helper()
	p, err := f.o.Submit(t.Context(), "alice", "pilot.hcl", []byte(src))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	inv, err := f.o.Invite(t.Context(), "alice", p.ID, "vaster", n)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	second := ""
	if n > 1 {
		second = inv[1].Secret
	}
	return p, inv[0].Secret, second
}

// do serves one request; header pairs are added to it.
func (f *ptFixture) do(t testing.TB, method, path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// validAlla is a complete, valid answer to survey "alla".
func validAlla() url.Values {
	return url.Values{
		"trivsel":      {"4"},
		"betyg":        {"5"},
		"rekommendera": {"9"},
		"minuter":      {"12,5"},
		"verktyg":      {"webb"},
		"kanaler":      {"sms", "telefon"},
		"kommentar":    {"Bra <b>tjänst</b> & \"fint\"\nrad två"},
	}
}

// validFinal is a complete answer to survey "final" (SUS and UMUX-Lite).
func validFinal() url.Values {
	v := url.Values{}
	for i := 1; i <= 10; i++ {
		v.Set("sus_"+strconv.Itoa(i), "3")
	}
	v.Set("umux_lite_1", "6")
	v.Set("umux_lite_2", "7")
	return v
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// ptLogger logs to the test when -v is given.
func ptLogger(t testing.TB) *zap.Logger {
	// A fuzz target must not log through its *testing.F.
	if _, fuzz := t.(*testing.F); fuzz || !testing.Verbose() {
		return zap.NewNop()
	}
	return zaptest.NewLogger(t)
}
