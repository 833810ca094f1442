package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// The security suite runs the server as serve wires it: the real
// orchestrator on an SQLite store and the fake runtime, with three running
// pilots. Pilot A carries hostile text in every free-text field the pilot
// language has; B is a benign neighbour whose participants must never see
// A; C is the one the admin identities of the access matrix may change.

// Hostile payloads: script and attribute injection, a javascript: URL, a
// spreadsheet formula (DDE) and a Markdown link with a javascript: target.
const (
	secScript   = `<script>alert(1)</script>`
	secAttr     = `"><img src=x onerror=alert(1)>`
	secJSURL    = `javascript:alert(1)`
	secFormula  = `=cmd|' /C calc'!A0`
	secMarkdown = `[x](javascript:alert(1))`
)

// secHostile lists every payload; secAll joins them in one text.
var (
	secHostile = []string{secScript, secAttr, secJSURL, secFormula, secMarkdown}
	secAll     = strings.Join(secHostile, " ")
)

// Markers name each pilot in its free text, so a page can be searched for
// the other pilot's data.
const (
	secMarkA = "MARKER-ALPHA"
	secMarkB = "MARKER-BRAVO"
)

// secStart is the start of every test pilot.
var secStart = time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)

// hq quotes s as an HCL string literal, template sequences included.
func hq(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

// hqList quotes a list of strings as an HCL tuple.
func hqList(ss ...string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = hq(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// secPilotA is the hostile pilot: every free-text attribute holds a
// payload, and the contact fields are javascript: URLs.
func secPilotA() string {
	r := strings.NewReplacer(
		"@TITLE@", hq(secMarkA+" "+secScript+" "+secAttr),
		"@DESC@", hq(secMarkA+" "+secAll+"\n\nsecond paragraph "+secScript),
		"@OWNER@", hq(secFormula),
		"@CONTACT@", hq(secJSURL),
		"@DECISION@", hq(secAttr),
		"@CONTROLLER@", hq(secScript),
		"@LEGAL@", hq(secMarkdown),
		"@PCONTACT@", hq(secJSURL),
		"@VENDOR1@", hq(secAttr),
		"@VENDOR2@", hq(secFormula),
		"@ENV@", hq(secScript),
		"@STITLE_SV@", hq(secMarkA+" "+secScript+" "+secMarkdown),
		"@STITLE_EN@", hq(secAttr),
		"@LABELS@", hqList(secHostile...),
		"@QTEXT@", hq(secMarkA+"-Q "+secScript),
		"@QTEXT_EN@", hq(secAttr),
		"@HELP@", hq(secMarkdown+" "+secAttr),
		"@OPTIONS@", hqList(secScript, secFormula, "vanlig"),
		"@OPT1@", hq(secAttr),
		"@OPT2@", hq(secMarkdown),
		"@UNIT@", hq(secAttr),
		"@BDESC@", hq(secScript+" "+secMarkdown),
		"@BUNIT@", hq(secAttr),
		"@BOWNER@", hq(secFormula),
	)
	return r.Replace(`
pilot "pilota" {
  title       = @TITLE@
  description = @DESC@
  owner       = @OWNER@
  contact     = @CONTACT@
  start       = "2027-01-11"
  end         = "2027-03-31"
  language    = "sv"

  retention {
    keep     = "365d"
    decision = @DECISION@
  }
  privacy {
    controller  = @CONTROLLER@
    legal_basis = @LEGAL@
    contact     = @PCONTACT@
  }

  candidate "a1" {
    vendor = @VENDOR1@
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
      env   = { NOTE = @ENV@ }
    }
  }
  candidate "a2" {
    vendor = @VENDOR2@
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  cohort "ca1" {
    candidate    = "a1"
    participants = 50
  }
  cohort "ca2" {
    candidate    = "a2"
    participants = 50
  }

  survey "enkata" {
    title = { sv = @STITLE_SV@, en = @STITLE_EN@ }
    sus {}
    question "trivsel" {
      type   = "likert"
      labels = @LABELS@
      text   = { sv = @QTEXT@, en = @QTEXT_EN@ }
      help   = @HELP@
    }
    question "verktyg" {
      type    = "choice"
      options = @OPTIONS@
      text    = @QTEXT@
    }
    question "kanaler" {
      type = "choices"
      text = @QTEXT@
      option "tel" {
        text = @OPT1@
      }
      option "sms" {
        text = @OPT2@
      }
    }
    question "minuter" {
      type = "number"
      unit = @UNIT@
      min  = 0
      max  = 600
      text = @QTEXT@
    }
    question "kommentar" {
      type     = "text"
      optional = true
      text     = @QTEXT@
    }
  }

  benefit "tid" {
    description = @BDESC@
    measure     = survey.enkata.minuter.mean
    target      = 10
    unit        = @BUNIT@
    owner       = @BOWNER@
  }

  criterion "anvandbarhet" {
    measure  = sus
    at_least = 68
    must     = true
  }
}
`)
}

// secPilotB is a benign pilot; with name "pilotc" it is C.
func secPilotB(name string) string {
	return strings.NewReplacer("@NAME@", name, "@MARK@", secMarkB).Replace(`
pilot "@NAME@" {
  title       = "@MARK@ Digital tillsyn"
  description = "@MARK@ Kameratillsyn nattetid."
  owner       = "Vård- och omsorgsförvaltningen"
  contact     = "testledare@mittkoping.se"
  start       = "2027-01-11"
  end         = "2027-03-31"

  candidate "b1" {
    vendor = "Leverantör B1 AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  candidate "b2" {
    vendor = "Leverantör B2 AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  cohort "cb1" {
    candidate    = "b1"
    participants = 50
  }
  cohort "cb2" {
    candidate    = "b2"
    participants = 50
  }

  survey "enkatb" {
    title = "@MARK@ Enkät"
    question "betyg" {
      type = "rating"
      text = "@MARK@ Vilket betyg ger du?"
    }
    question "kommentar" {
      type     = "text"
      optional = true
      text     = "Något mer?"
    }
  }
}
`)
}

// secBackend is one candidate's entry service; it counts what reaches it.
type secBackend struct {
	srv  *httptest.Server
	hits atomic.Int64
}

// secPilot is a running test pilot and what the routes need to name it.
type secPilot struct {
	p       pilots.Pilot
	survey  string
	cohorts []string
	// backends by candidate
	backends map[string]*secBackend
}

// secEnv is the server under test.
type secEnv struct {
	o      *orchestrator.Orchestrator
	h      http.Handler
	engine *gin.Engine
	admin  string // admin token secret
	viewer string // read-only token secret
	A, B   secPilot
	C      secPilot

	ip atomic.Int64 // gives every request its own client address
}

func newSecEnv(t *testing.T) *secEnv {
	t.Helper()
	ctx := t.Context()
	c := &testClock{t: secStart.Add(-7 * 24 * time.Hour)}
	o, st, rt := newOrchestrator(t, c)
	e := &secEnv{o: o,
		admin: pilots.NewSecret(pilots.TokenPrefix), viewer: pilots.NewSecret(pilots.TokenPrefix)}
	for _, tok := range []pilots.Token{
		{ID: "t-alice", Name: "alice", Role: pilots.RoleAdmin, Hash: pilots.HashSecret(e.admin), CreatedAt: c.Now()},
		{ID: "t-victor", Name: "victor", Role: pilots.RoleViewer, Hash: pilots.HashSecret(e.viewer), CreatedAt: c.Now()},
	} {
		if err := st.CreateToken(ctx, tok); err != nil {
			t.Fatalf("CreateToken %s: %v", tok.Name, err)
		}
	}

	submit := func(src string, survey string, cohorts ...string) secPilot {
		p, err := o.Submit(ctx, "alice", "pilot.hcl", []byte(src))
		if err != nil {
			t.Fatalf("Submit: %v\n%s", err, src)
		}
		return secPilot{p: p, survey: survey, cohorts: cohorts, backends: map[string]*secBackend{}}
	}
	e.A = submit(secPilotA(), "enkata", "ca1", "ca2")
	e.B = submit(secPilotB("pilotb"), "enkatb", "cb1", "cb2")
	e.C = submit(secPilotB("pilotc"), "enkatb", "cb1", "cb2")

	c.Set(secStart.Add(2 * 24 * time.Hour))
	for _, sp := range []*secPilot{&e.A, &e.B, &e.C} {
		if _, err := o.Start(ctx, "alice", sp.p.ID, "test"); err != nil {
			t.Fatalf("Start %s: %v", sp.p.Name, err)
		}
	}
	for _, sp := range []*secPilot{&e.A, &e.B, &e.C} {
		waitStatus(t, o, sp.p.ID, pilots.StatusRunning)
		for _, cand := range sp.p.Spec.Candidates {
			b := &secBackend{}
			name := sp.p.Name + "/" + cand.Name
			b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b.hits.Add(1)
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				io.WriteString(w, "candidate "+name)
			}))
			t.Cleanup(b.srv.Close)
			sp.backends[cand.Name] = b
			rt.SetEndpoint(testbeds.ID{Pilot: sp.p.ID, Candidate: cand.Name}, cand.Entry, b.srv.URL)
		}
	}

	e.h = api.NewServer(api.Config{Service: o, Feedback: o, Participants: o, Tokens: st, Version: "test"})
	eng, ok := e.h.(*gin.Engine)
	if !ok {
		t.Fatalf("NewServer returned %T, want *gin.Engine", e.h)
	}
	e.engine = eng
	return e
}

// invite returns n fresh invitation secrets of a pilot's cohort.
func (e *secEnv) invite(t *testing.T, sp secPilot, cohort string, n int) []pilots.Invitation {
	t.Helper()
	inv, err := e.o.Invite(t.Context(), "alice", sp.p.ID, cohort, n)
	if err != nil {
		t.Fatalf("Invite %s/%s: %v", sp.p.Name, cohort, err)
	}
	return inv
}

// secReq is one request of the suite.
type secReq struct {
	method, path string
	body         string
	contentType  string
	header       http.Header
	cookies      []*http.Cookie
}

// serve answers one request from its own client address, so the per-client
// rate limits never decide an answer; a panic fails the test instead of
// the whole run.
func (e *secEnv) serve(t *testing.T, r secReq) (w *httptest.ResponseRecorder) {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequestWithContext(t.Context(), r.method, "http://pilotbed.test"+r.path, body)
	n := e.ip.Add(1)
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", (n>>16)&255, (n>>8)&255, n&255)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range r.cookies {
		req.AddCookie(ck)
	}
	w = httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s %s: panic: %v", r.method, r.path, p)
			w = httptest.NewRecorder()
			w.Code = http.StatusInternalServerError
		}
	}()
	e.h.ServeHTTP(w, req)
	return w
}

// get is a GET with optional credentials.
func (e *secEnv) get(t *testing.T, path string, bearer string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := secReq{method: http.MethodGet, path: path, cookies: cookies}
	if bearer != "" {
		r.header = http.Header{"Authorization": {"Bearer " + bearer}}
	}
	return e.serve(t, r)
}

// postForm posts an urlencoded form.
func (e *secEnv) postForm(t *testing.T, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	return e.serve(t, secReq{method: http.MethodPost, path: path, body: form.Encode(),
		contentType: "application/x-www-form-urlencoded", cookies: cookies})
}

// postJSON posts a JSON body with a bearer token.
func (e *secEnv) postJSON(t *testing.T, path, bearer, body string) *httptest.ResponseRecorder {
	t.Helper()
	return e.serve(t, secReq{method: http.MethodPost, path: path, body: body, contentType: "application/json",
		header: http.Header{"Authorization": {"Bearer " + bearer}}})
}

// login signs in to the admin UI with a token and returns the session
// cookie.
func (e *secEnv) login(t *testing.T, token string) *http.Cookie {
	t.Helper()
	w := e.postForm(t, "/admin/login", url.Values{"token": {token}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: Status=%d, want 303; body %.300s", w.Code, w.Body.String())
	}
	for _, ck := range w.Result().Cookies() {
		if ck.Value != "" && ck.MaxAge >= 0 {
			return ck
		}
	}
	t.Fatalf("login set no session cookie: %v", w.Result().Header["Set-Cookie"])
	return nil
}

// participantCookie opens a participant's page and returns the session
// cookie it sets.
func (e *secEnv) participantCookie(t *testing.T, secret string) *http.Cookie {
	t.Helper()
	w := e.get(t, "/p/"+url.PathEscape(secret), "")
	if w.Code != http.StatusOK {
		t.Fatalf("participant home: Status=%d, want 200", w.Code)
	}
	for _, ck := range w.Result().Cookies() {
		if ck.Value == secret {
			return ck
		}
	}
	t.Fatalf("participant home set no session cookie: %v", w.Result().Header["Set-Cookie"])
	return nil
}

// answer stores one response through the survey form, confirm step
// included, and fails unless it leads to the receipt.
func (e *secEnv) answer(t *testing.T, secret, survey string, form url.Values) {
	t.Helper()
	form.Set("_step", "confirm")
	w := e.postForm(t, "/p/"+url.PathEscape(secret)+"/s/"+survey, form)
	if w.Code != http.StatusSeeOther || !strings.HasSuffix(w.Header().Get("Location"), "/kvitto") {
		t.Fatalf("answer %s: Status=%d Location=%q, want 303 to the receipt; body %.500s", survey, w.Code, w.Header().Get("Location"), w.Body.String())
	}
}

// secAnswerA is a complete answer to survey "enkata" whose free text (and
// chosen option) is hostile; good answers the SUS for a score of 100,
// otherwise of 0.
func secAnswerA(comment, option string, good bool) url.Values {
	v := url.Values{
		"trivsel":   {"4"},
		"verktyg":   {option},
		"kanaler":   {"tel", "sms"},
		"minuter":   {"12"},
		"kommentar": {comment},
	}
	for i := 1; i <= 10; i++ {
		score := "1"
		if (i%2 == 1) == good {
			score = "5"
		}
		v.Set(fmt.Sprintf("sus_%d", i), score)
	}
	return v
}
