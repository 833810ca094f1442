package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
)

// decHCL is a pilot of two candidates judged by one must criterion on the
// SUS, so a good score gives scale_up and a poor one stop.
const decHCL = `
pilot "trygghetslarm" {
  title   = "Digitala trygghetslarm"
  owner   = "Vård- och omsorgsförvaltningen"
  contact = "testledare@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  candidate "larm-a" {
    vendor = "Larm A AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  candidate "larm-b" {
    vendor = "Larm B AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  cohort "norr" {
    candidate    = "larm-a"
    participants = 6
  }

  cohort "soder" {
    candidate    = "larm-b"
    participants = 6
  }

  survey "final" {
    opens  = "end-14d"
    closes = "end"
    sus {}
  }

  criterion "anvandbarhet" {
    measure  = sus
    at_least = 68
    must     = true
  }
}
`

// decEnv is the server as serve wires it, on the real orchestrator, the
// SQLite store and the fake runtime, with one closed pilot.
type decEnv struct {
	o     *orchestrator.Orchestrator
	srv   *httptest.Server
	admin string // an admin token's secret
	p     pilots.Pilot
}

func newDecEnv(t *testing.T) *decEnv {
	t.Helper()
	ctx := t.Context()
	start := time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)
	c := &testClock{t: start.Add(-7 * 24 * time.Hour)}
	o, st, _ := newOrchestrator(t, c)
	e := &decEnv{o: o, admin: pilots.NewSecret(pilots.TokenPrefix)}
	if err := st.CreateToken(ctx, pilots.Token{ID: "t-alice", Name: "alice", Role: pilots.RoleAdmin,
		Hash: pilots.HashSecret(e.admin), CreatedAt: c.Now()}); err != nil {
		t.Fatal(err)
	}

	p, err := o.Submit(ctx, "alice", "trygghetslarm.hcl", []byte(decHCL))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	e.p = p
	c.Set(start)
	if _, err := o.Start(ctx, "alice", e.p.ID, "vendors ready"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	waitStatus(t, o, e.p.ID, pilots.StatusRunning)

	// In the final survey's window six participants per cohort answer:
	// those of larm-a as well as the SUS can be answered, those of larm-b
	// as badly.
	c.Set(e.p.Spec.End.Add(-7 * 24 * time.Hour))
	for _, co := range []struct {
		cohort string
		good   bool
	}{{"norr", true}, {"soder", false}} {
		inv, err := o.Invite(ctx, "alice", e.p.ID, co.cohort, 6)
		if err != nil {
			t.Fatalf("Invite %s: %v", co.cohort, err)
		}
		for _, in := range inv {
			if _, _, err := o.SubmitResponse(ctx, in.Secret, "final", decSUS(co.good)); err != nil {
				t.Fatalf("SubmitResponse %s: %v", co.cohort, err)
			}
		}
	}

	c.Set(e.p.Spec.End.Add(-time.Hour))
	if _, err := o.Close(ctx, "alice", e.p.ID, "pilot period over"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	waitStatus(t, o, e.p.ID, pilots.StatusClosed)

	e.srv = httptest.NewServer(api.NewServer(api.Config{Service: o, Feedback: o, Participants: o, Tokens: st}))
	t.Cleanup(e.srv.Close)
	return e
}

// decSUS answers the ten SUS items for a score of 100 (good) or 0.
func decSUS(good bool) pilots.Answers {
	a := pilots.Answers{}
	for i := 1; i <= 10; i++ {
		v := 1
		if (i%2 == 1) == good {
			v = 5
		}
		a[fmt.Sprintf("sus_%d", i)] = pilots.Answer{Int: &v}
	}
	return a
}

// TestAdminDecisionBrowser signs in to the admin UI in headless Chromium,
// reads the scale-up report of a closed pilot, is refused when promoting
// the candidate the report says to stop, and promotes the winner with a
// justification. Screenshots go to testdata/screenshots/.
func TestAdminDecisionBrowser(t *testing.T) {
	e := newDecEnv(t)
	pilotURL := "/admin/pilots/" + e.p.ID

	run, eval, shot := startAdminBrowser(t)

	run("sign in",
		chromedp.Navigate(e.srv.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), e.admin),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("status-closed")),
	)
	if got := eval(`document.querySelector("h1").textContent`); got != "Pilots" {
		t.Errorf("h1=%q, want Pilots", got)
	}
	shot("admin-dashboard-closed")

	run("open pilot",
		chromedp.Click(chromedp.CSS(`a[href="`+pilotURL+`"]`)),
		chromedp.WaitVisible(chromedp.ID("decision-h")),
	)
	if got := eval(`document.querySelector(".status-line .tag").textContent`); got != "Closed" {
		t.Errorf("status tag=%q, want Closed", got)
	}

	// The report is a document of its own, in the pilot's language
	// (Swedish by default); it names both candidates and their verdicts.
	run("open report",
		chromedp.Click(chromedp.CSS(`a[href="`+pilotURL+`/report"]`)),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
	if got := eval(`location.pathname`); got != pilotURL+"/report" {
		t.Fatalf("path=%q, want the report", got)
	}
	body := eval(`document.body.innerText`)
	for _, want := range []string{"larm-a", "larm-b", "Skala upp", "Avbryt"} {
		if !strings.Contains(body, want) {
			t.Errorf("report does not show %q", want)
		}
	}
	shot("report")

	run("back to pilot", chromedp.Navigate(e.srv.URL+pilotURL), chromedp.WaitVisible(chromedp.ID("decision-h")))
	run("open decide",
		chromedp.Click(chromedp.CSS(`a[href="`+pilotURL+`/decide"]`)),
		chromedp.WaitVisible(chromedp.ID("promote-h")),
	)
	shot("admin-decide")

	// larm-b's verdict is stop: without an override the promotion is
	// refused on the form and nothing changes.
	run("promote larm-b",
		chromedp.Click(chromedp.ID("candidate-1")),
		chromedp.SendKeys(chromedp.ID("justification"), "Cheaper licence"),
		chromedp.Click(chromedp.CSS(`form[action$="/promote"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("candidate-error")),
	)
	if got := eval(`document.getElementById("candidate-error").textContent`); !strings.Contains(got, "override") || !strings.Contains(got, "larm-b") {
		t.Errorf("refusal=%q, want it to name larm-b and the override", got)
	}
	if got := eval(`document.title`); !strings.HasPrefix(got, "Error: ") {
		t.Errorf("title=%q, want it to start with Error: ", got)
	}
	if got := eval(`document.getElementById("justification").value`); got != "Cheaper licence" {
		t.Errorf("justification kept=%q, want the text typed", got)
	}
	admCheckAccessible(t, eval(`document.documentElement.outerHTML`))
	shot("admin-decide-refused")
	if p, _ := e.o.Pilot(t.Context(), e.p.ID); p.Status != pilots.StatusClosed {
		t.Fatalf("after the refusal Status=%v, want closed", p.Status)
	}

	const why = "Best SUS in the pilot; staff ask to keep it"
	eval(`document.getElementById("justification").value = ""`)
	run("promote larm-a",
		chromedp.Click(chromedp.ID("candidate-0")),
		chromedp.SendKeys(chromedp.ID("justification"), why),
		chromedp.Click(chromedp.CSS(`form[action$="/promote"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".banner")),
	)
	if got := eval(`location.pathname`); got != pilotURL {
		t.Errorf("path=%q, want the pilot page", got)
	}
	if got := eval(`document.querySelector(".banner").textContent`); !strings.Contains(got, "promoted") || !strings.Contains(got, "larm-a") {
		t.Errorf("banner=%q, want it to say larm-a was promoted", got)
	}
	if got := eval(`document.querySelector(".status-line .tag").textContent`); got != "Promoted" {
		t.Errorf("status tag=%q, want Promoted", got)
	}
	// The decision is the newest event: who, what, which candidate, why.
	row := eval(`[...document.querySelectorAll("#events-cap ~ tbody tr")].map(r => r.innerText).find(t => t.includes("decision")) || ""`)
	for _, want := range []string{"alice", "decision", "promoted", "larm-a", why} {
		if !strings.Contains(row, want) {
			t.Errorf("decision event row=%q, want it to contain %q", row, want)
		}
	}
	shot("admin-pilot-promoted")

	// The pilot page links the procurement dossier.
	run("open the dossier",
		chromedp.Click(chromedp.CSS(`a[href$="/dossier"]`)),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	if got := eval(`document.body.innerText`); !strings.Contains(got, "larm-a") || !strings.Contains(got, why) {
		t.Errorf("dossier page does not name larm-a and the justification:\n%.500s", got)
	}
	shot("admin-dossier")

	// The dossier is written and served over the API.
	p, err := e.o.Pilot(t.Context(), e.p.ID)
	if err != nil || p.Status != pilots.StatusPromoted {
		t.Fatalf("Status=%v (%v), want promoted", p.Status, err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/api/v1/pilots/"+e.p.ID+"/dossier?format=json", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "larm-a") || !strings.Contains(string(b), why) {
		t.Errorf("dossier: status=%d body=%.300s, want 200 naming larm-a and the justification", resp.StatusCode, b)
	}
}
