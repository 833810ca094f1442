package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

// adminPilotFile is a pilot of two candidates in the stand-in's syntax.
const adminPilotFile = `pilot "nattillsyn" {
  title = "Digital nattillsyn"
  candidate "a" {
  }
  candidate "b" {
  }
}
`

// adminEnv is a server over the in-memory services, with an admin and a
// viewer token.
type adminEnv struct {
	srv    *httptest.Server
	svc    *apitest.Service
	fb     *apitest.Feedback
	admin  string
	viewer string
}

// newAdminEnv starts a server; deciding makes the Service a ReportService
// and a DecisionService too.
func newAdminEnv(t testing.TB, deciding bool) *adminEnv {
	t.Helper()
	svc := apitest.NewService()
	e := &adminEnv{svc: svc, fb: apitest.NewFeedback(svc)}
	e.admin = svc.AddToken("alice", pilots.RoleAdmin)
	e.viewer = svc.AddToken("vera", pilots.RoleViewer)
	var s api.Service = svc
	if deciding {
		s = apitest.NewDeciding(svc)
	}
	e.srv = httptest.NewServer(api.NewServer(api.Config{Service: s, Tokens: svc, Feedback: e.fb}))
	t.Cleanup(e.srv.Close)
	return e
}

// submit stores a pilot file as a draft.
func (e *adminEnv) submit(t testing.TB, src string) pilots.Pilot {
	t.Helper()
	p, err := e.svc.Submit(t.Context(), "alice", "pilot.hcl", []byte(src))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return p
}

// client is a browser stand-in: it keeps cookies and does not follow
// redirects, so tests see each 303.
func (e *adminEnv) client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs a new client in with secret and fails the test otherwise.
func (e *adminEnv) login(t testing.TB, secret string) *http.Client {
	t.Helper()
	c := e.client(t)
	resp := e.post(t, c, "/admin/login", url.Values{"token": {secret}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status=%d, want 303", resp.StatusCode)
	}
	return c
}

// adminResponse is a response with its body read.
type adminResponse struct {
	*http.Response
	Body string
}

func (e *adminEnv) do(t testing.TB, c *http.Client, req *http.Request) adminResponse {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return adminResponse{Response: resp, Body: string(b)}
}

func (e *adminEnv) get(t testing.TB, c *http.Client, path string) adminResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, c, req)
}

// post sends a form as a browser on the same site would.
func (e *adminEnv) post(t testing.TB, c *http.Client, path string, form url.Values, headers ...string) adminResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(t, c, req)
}

func admWantStatus(t testing.TB, r adminResponse, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status=%d, want %d; body:\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.Body)
	}
}

func admWantBody(t testing.TB, r adminResponse, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s %s: body lacks %q", r.Request.Method, r.Request.URL.Path, s)
		}
	}
}

func TestAdminLogin(t *testing.T) {
	e := newAdminEnv(t, false)
	tests := []struct {
		name       string
		token      string
		wantStatus int
		wantBody   string
	}{
		{"admin token", e.admin, http.StatusSeeOther, ""},
		{"viewer token", e.viewer, http.StatusSeeOther, ""},
		{"token with spaces around", "  " + e.admin + "\n", http.StatusSeeOther, ""},
		{"wrong token", "pbt_nope", http.StatusUnauthorized, "The token is not valid"},
		{"empty token", "", http.StatusUnprocessableEntity, "Enter your API token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t)
			r := e.post(t, c, "/admin/login", url.Values{"token": {tt.token}})
			admWantStatus(t, r, tt.wantStatus)
			if tt.wantStatus != http.StatusSeeOther {
				admWantBody(t, r, tt.wantBody, "<title>Error: ", `class="error-summary"`, `href="#token"`)
				if tt.token != "" && strings.Contains(r.Body, tt.token) {
					t.Errorf("the refused token is echoed in the page")
				}
				if len(r.Cookies()) != 0 {
					t.Errorf("cookies=%v, want none", r.Cookies())
				}
				return
			}
			if got, want := r.Header.Get("Location"), "/admin"; got != want {
				t.Errorf("Location=%q, want %q", got, want)
			}
			dash := e.get(t, c, "/admin")
			admWantStatus(t, dash, http.StatusOK)
			admWantBody(t, dash, "Signed in as")
		})
	}
}

func TestAdminLoginCookie(t *testing.T) {
	e := newAdminEnv(t, false)
	tests := []struct {
		name       string
		headers    []string
		wantSecure bool
	}{
		{"plain http", nil, false},
		{"behind a TLS proxy", []string{"X-Forwarded-Proto", "https"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, e.client(t), "/admin/login", url.Values{"token": {e.admin}}, tt.headers...)
			admWantStatus(t, r, http.StatusSeeOther)
			var ck *http.Cookie
			for _, c := range r.Cookies() {
				if c.Name == "pilotbed_admin" {
					ck = c
				}
			}
			if ck == nil {
				t.Fatalf("no pilotbed_admin cookie in %v", r.Header["Set-Cookie"])
			}
			if !ck.HttpOnly {
				t.Errorf("HttpOnly=false, want true")
			}
			if got, want := ck.SameSite, http.SameSiteStrictMode; got != want {
				t.Errorf("SameSite=%v, want %v", got, want)
			}
			if got, want := ck.Path, "/admin"; got != want {
				t.Errorf("Path=%q, want %q", got, want)
			}
			if got := ck.Secure; got != tt.wantSecure {
				t.Errorf("Secure=%v, want %v", got, tt.wantSecure)
			}
			// 256 random bits, base64url without padding.
			if got, want := len(ck.Value), 43; got != want {
				t.Errorf("len(session id)=%d, want %d", got, want)
			}
			if strings.Contains(ck.Value, e.admin) {
				t.Errorf("the cookie carries the token")
			}
		})
	}
}

func TestAdminNeedsSession(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	for _, path := range []string{"/admin", "/admin/pilots/" + p.ID, "/admin/pilots/" + p.ID + "/confirm/start", "/admin/pilots/" + p.ID + "/decide"} {
		t.Run("GET "+path, func(t *testing.T) {
			r := e.get(t, e.client(t), path)
			admWantStatus(t, r, http.StatusSeeOther)
			if got, want := r.Header.Get("Location"), "/admin/login"; got != want {
				t.Errorf("Location=%q, want %q", got, want)
			}
		})
	}
	t.Run("POST start", func(t *testing.T) {
		r := e.post(t, e.client(t), "/admin/pilots/"+p.ID+"/start", url.Values{})
		admWantStatus(t, r, http.StatusSeeOther)
		if got, _ := e.svc.Pilot(t.Context(), p.ID); got.Status != pilots.StatusDraft {
			t.Errorf("Status=%v, want draft", got.Status)
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		c := e.client(t)
		u, _ := url.Parse(e.srv.URL + "/admin")
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "pilotbed_admin", Value: "forged", Path: "/admin"}})
		admWantStatus(t, e.get(t, c, "/admin"), http.StatusSeeOther)
	})
}

func TestAdminLogout(t *testing.T) {
	e := newAdminEnv(t, false)
	c := e.login(t, e.admin)
	u, _ := url.Parse(e.srv.URL + "/admin")
	old := c.Jar.Cookies(u)

	r := e.post(t, c, "/admin/logout", url.Values{})
	admWantStatus(t, r, http.StatusSeeOther)
	if got, want := r.Header.Get("Location"), "/admin/login?signed_out=1"; got != want {
		t.Errorf("Location=%q, want %q", got, want)
	}
	admWantStatus(t, e.get(t, c, "/admin"), http.StatusSeeOther)

	// The session is gone on the server, not just from this browser.
	replay := e.client(t)
	replay.Jar.SetCookies(u, old)
	admWantStatus(t, e.get(t, replay, "/admin"), http.StatusSeeOther)

	login := e.get(t, c, "/admin/login?signed_out=1")
	admWantStatus(t, login, http.StatusOK)
	admWantBody(t, login, "You have signed out")
}

func TestAdminDashboard(t *testing.T) {
	e := newAdminEnv(t, false)
	c := e.login(t, e.viewer)

	empty := e.get(t, c, "/admin")
	admWantStatus(t, empty, http.StatusOK)
	admWantBody(t, empty, "No pilot has been submitted yet")

	running := e.submit(t, adminPilotFile)
	if _, err := e.svc.Start(t.Context(), "alice", running.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fb.Invite(t.Context(), "alice", running.ID, "cohort-a", 3); err != nil {
		t.Fatal(err)
	}
	e.submit(t, `pilot "andra" {
  title = "Andra piloten"
}
`)
	r := e.get(t, c, "/admin")
	admWantStatus(t, r, http.StatusOK)
	admWantBody(t, r,
		`id="status-running"`, `id="status-draft"`,
		"Digital nattillsyn", "Andra piloten",
		"2 of 2 services healthy", "99.5 %",
		"3 of 20 invited",
		`href="/admin/pilots/`+running.ID+`"`,
		"2027-01-11 – 2027-03-31",
	)
	if strings.Contains(r.Body, `id="status-closed"`) {
		t.Errorf("an empty status group is shown")
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control=%q, want no-store", got)
	}
}

func TestAdminDashboardWithoutFeedback(t *testing.T) {
	svc := apitest.NewService()
	secret := svc.AddToken("alice", pilots.RoleAdmin)
	srv := httptest.NewServer(api.NewServer(api.Config{Service: svc, Tokens: svc}))
	t.Cleanup(srv.Close)
	e := &adminEnv{srv: srv, svc: svc, admin: secret}
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)

	r := e.get(t, c, "/admin")
	admWantStatus(t, r, http.StatusOK)
	admWantBody(t, r, "Digital nattillsyn")

	pr := e.get(t, c, "/admin/pilots/"+p.ID)
	admWantStatus(t, pr, http.StatusOK)
	if strings.Contains(pr.Body, "Invite participants") {
		t.Errorf("the invitation form is shown without a feedback service")
	}
	inv := e.post(t, c, "/admin/pilots/"+p.ID+"/invitations", url.Values{"cohort": {"cohort-a"}, "count": {"1"}})
	admWantStatus(t, inv, http.StatusServiceUnavailable)
}

func TestAdminPilotPage(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	tests := []struct {
		name        string
		secret      string
		wantButtons bool
	}{
		{"admin", e.admin, true},
		{"viewer", e.viewer, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(t, tt.secret)
			for _, id := range []string{p.ID, p.Name} {
				r := e.get(t, c, "/admin/pilots/"+id)
				admWantStatus(t, r, http.StatusOK)
				admWantBody(t, r, "Digital nattillsyn", "Mittköping", "pilotbed-demo:latest", "256 MiB",
					"cohort-a", "final", `pilot &#34;nattillsyn&#34; {`, "Events", "submitted")
				for _, action := range []string{"approve", "start", "withdraw"} {
					has := strings.Contains(r.Body, `href="/admin/pilots/`+p.ID+`/confirm/`+action+`"`)
					if has != tt.wantButtons {
						t.Errorf("%s button shown=%v, want %v", action, has, tt.wantButtons)
					}
				}
				if strings.Contains(r.Body, "/confirm/close") {
					t.Errorf("a draft pilot offers close")
				}
				if got := strings.Contains(r.Body, "Invite participants"); got != tt.wantButtons {
					t.Errorf("invitation form shown=%v, want %v", got, tt.wantButtons)
				}
			}
		})
	}
}

func TestAdminUnknownPilot(t *testing.T) {
	e := newAdminEnv(t, true)
	c := e.login(t, e.admin)
	for _, path := range []string{
		"/admin/pilots/nope",
		"/admin/pilots/nope/confirm/start",
		"/admin/pilots/nope/report",
		"/admin/pilots/nope/decide",
	} {
		t.Run(path, func(t *testing.T) {
			r := e.get(t, c, path)
			admWantStatus(t, r, http.StatusNotFound)
			admWantBody(t, r, "<h1>Not found</h1>", "Back")
		})
	}
	r := e.post(t, c, "/admin/pilots/nope/start", url.Values{})
	admWantStatus(t, r, http.StatusNotFound)
	unknownAction := e.get(t, c, "/admin/pilots/nope/confirm/explode")
	admWantStatus(t, unknownAction, http.StatusNotFound)
}

func TestAdminLifecycle(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	base := "/admin/pilots/" + p.ID

	confirm := e.get(t, c, base+"/confirm/start")
	admWantStatus(t, confirm, http.StatusOK)
	admWantBody(t, confirm, "Start this pilot now?", `action="`+base+`/start"`, `<label class="label" for="reason">Reason (optional)</label>`)

	r := e.post(t, c, base+"/start", url.Values{"reason": {"kick-off <b>today</b>"}})
	admWantStatus(t, r, http.StatusSeeOther)
	if got, want := r.Header.Get("Location"), base; got != want {
		t.Fatalf("Location=%q, want %q", got, want)
	}
	page := e.get(t, c, base)
	admWantStatus(t, page, http.StatusOK)
	admWantBody(t, page, `role="status"`, "was started", "Its status is now running",
		"kick-off &lt;b&gt;today&lt;/b&gt;", `href="`+base+`/confirm/close"`, "services healthy")
	// The flash is shown once.
	again := e.get(t, c, base)
	if strings.Contains(again.Body, "was started") {
		t.Errorf("the flash is shown twice")
	}
	got, _ := e.svc.Pilot(t.Context(), p.ID)
	if got.Status != pilots.StatusRunning {
		t.Errorf("Status=%v, want running", got.Status)
	}
	evs, _ := e.svc.Events(t.Context(), p.ID, pilots.EventFilter{})
	if last := evs[len(evs)-1]; last.Actor != "alice" || last.Reason != "kick-off <b>today</b>" {
		t.Errorf("last event actor=%q reason=%q, want alice and the reason", last.Actor, last.Reason)
	}

	t.Run("action invalid for the status", func(t *testing.T) {
		r := e.post(t, c, base+"/approve", url.Values{})
		admWantStatus(t, r, http.StatusConflict)
		admWantBody(t, r, "This cannot be done now", "is running")
		cr := e.get(t, c, base+"/confirm/approve")
		admWantStatus(t, cr, http.StatusConflict)
	})
	t.Run("withdraw needs a reason", func(t *testing.T) {
		d := e.submit(t, `pilot "draft2" {
}
`)
		r := e.post(t, c, "/admin/pilots/"+d.ID+"/withdraw", url.Values{"reason": {""}})
		admWantStatus(t, r, http.StatusUnprocessableEntity)
		admWantBody(t, r, "<title>Error: Withdraw this pilot?", `href="#reason"`, `id="reason-error"`, `aria-describedby="reason-hint reason-error"`)
		long := e.post(t, c, "/admin/pilots/"+d.ID+"/start", url.Values{"reason": {strings.Repeat("x", 2001)}})
		admWantStatus(t, long, http.StatusUnprocessableEntity)
		admWantBody(t, long, "characters or fewer")
		ok := e.post(t, c, "/admin/pilots/"+d.ID+"/withdraw", url.Values{"reason": {"duplicate"}})
		admWantStatus(t, ok, http.StatusSeeOther)
	})
	t.Run("close", func(t *testing.T) {
		r := e.post(t, c, base+"/close", url.Values{})
		admWantStatus(t, r, http.StatusSeeOther)
		got, _ := e.svc.Pilot(t.Context(), p.ID)
		if got.Status != pilots.StatusClosed {
			t.Errorf("Status=%v, want closed", got.Status)
		}
		page := e.get(t, c, base)
		if strings.Contains(page.Body, "Invite participants") || strings.Contains(page.Body, "/surveys/final/open") {
			t.Errorf("a closed pilot still offers invitations or survey changes")
		}
	})
}

func TestAdminViewerReadOnly(t *testing.T) {
	e := newAdminEnv(t, true)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.viewer)
	base := "/admin/pilots/" + p.ID
	posts := []struct {
		path string
		form url.Values
	}{
		{base + "/approve", url.Values{}},
		{base + "/start", url.Values{}},
		{base + "/close", url.Values{}},
		{base + "/withdraw", url.Values{"reason": {"x"}}},
		{base + "/invitations", url.Values{"cohort": {"cohort-a"}, "count": {"2"}}},
		{base + "/surveys/final/open", url.Values{}},
		{base + "/promote", url.Values{"candidate": {"a"}, "justification": {"x"}}},
		{base + "/reject", url.Values{"reason": {"x"}}},
	}
	for _, tt := range posts {
		t.Run("POST "+tt.path, func(t *testing.T) {
			r := e.post(t, c, tt.path, tt.form)
			admWantStatus(t, r, http.StatusForbidden)
			admWantBody(t, r, "read-only token")
		})
	}
	for _, path := range []string{base + "/confirm/start", base + "/decide"} {
		t.Run("GET "+path, func(t *testing.T) {
			admWantStatus(t, e.get(t, c, path), http.StatusForbidden)
		})
	}
	if got, _ := e.svc.Pilot(t.Context(), p.ID); got.Status != pilots.StatusDraft {
		t.Errorf("Status=%v, want draft", got.Status)
	}
	if ps, err := e.fb.Participants(t.Context(), p.ID); err != nil || len(ps) != 0 {
		t.Errorf("a viewer created %d invitations (err %v)", len(ps), err)
	}
	// Reading stays allowed, and signing out too.
	admWantStatus(t, e.get(t, c, base), http.StatusOK)
	admWantStatus(t, e.get(t, c, base+"/report"), http.StatusOK)
	admWantStatus(t, e.post(t, c, "/admin/logout", url.Values{}), http.StatusSeeOther)
}

func TestAdminCrossOrigin(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	tests := []struct {
		name    string
		path    string
		form    url.Values
		headers []string
	}{
		{"start from another site", "/admin/pilots/" + p.ID + "/start", url.Values{}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"start with a foreign Origin", "/admin/pilots/" + p.ID + "/start", url.Values{}, []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
		{"login from another site", "/admin/login", url.Values{"token": {e.admin}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"logout from another site", "/admin/logout", url.Values{}, []string{"Sec-Fetch-Site", "same-site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, c, tt.path, tt.form, tt.headers...)
			admWantStatus(t, r, http.StatusForbidden)
			admWantBody(t, r, "Request refused")
		})
	}
	if got, _ := e.svc.Pilot(t.Context(), p.ID); got.Status != pilots.StatusDraft {
		t.Errorf("Status=%v, want draft", got.Status)
	}
	admWantStatus(t, e.get(t, c, "/admin"), http.StatusOK) // still signed in
}

func TestAdminEscapesUserText(t *testing.T) {
	e := newAdminEnv(t, true)
	const hostile = `<script>alert(1)</script>`
	p := e.submit(t, `pilot "x<img src=x onerror=alert(2)>" {
  title = "`+hostile+`"
  candidate "<svg onload=alert(3)>" {
  }
}
`)
	if _, err := e.svc.Start(t.Context(), "alice", p.ID, hostile); err != nil {
		t.Fatal(err)
	}
	c := e.login(t, e.admin)
	for _, path := range []string{"/admin", "/admin/pilots/" + p.ID, "/admin/pilots/" + p.ID + "/confirm/close"} {
		t.Run(path, func(t *testing.T) {
			r := e.get(t, c, path)
			admWantStatus(t, r, http.StatusOK)
			for _, bad := range []string{"<script>", "<img src=x", "<svg onload"} {
				if strings.Contains(r.Body, bad) {
					t.Errorf("body holds unescaped %q", bad)
				}
			}
			admWantBody(t, r, "&lt;script&gt;alert(1)&lt;/script&gt;")
		})
	}
}

func TestAdminInvite(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	path := "/admin/pilots/" + p.ID + "/invitations"

	tests := []struct {
		name      string
		form      url.Values
		wantField string
	}{
		{"no count", url.Values{"cohort": {"cohort-a"}, "count": {""}}, "invite-count"},
		{"count not a number", url.Values{"cohort": {"cohort-a"}, "count": {"three"}}, "invite-count"},
		{"count too large", url.Values{"cohort": {"cohort-a"}, "count": {"1001"}}, "invite-count"},
		{"unknown cohort", url.Values{"cohort": {"nope"}, "count": {"2"}}, "invite-cohort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, c, path, tt.form)
			admWantStatus(t, r, http.StatusUnprocessableEntity)
			admWantBody(t, r, "<title>Error: ", `href="#`+tt.wantField+`"`, `id="`+tt.wantField+`-error"`, `value="`+tt.form.Get("count")+`"`)
			admCheckAccessible(t, r.Body)
		})
	}

	r := e.post(t, c, path, url.Values{"cohort": {"cohort-b"}, "count": {"2"}})
	admWantStatus(t, r, http.StatusCreated)
	admWantBody(t, r, "shown only once", "P-0001", "P-0002", e.srv.URL+"/p/")
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control=%q, want no-store", got)
	}
	ps, _ := e.fb.Participants(t.Context(), p.ID)
	if got, want := len(ps), 2; got != want {
		t.Fatalf("participants=%d, want %d", got, want)
	}
	if ps[0].Cohort != "cohort-b" {
		t.Errorf("Cohort=%q, want cohort-b", ps[0].Cohort)
	}
	page := e.get(t, c, "/admin/pilots/"+p.ID)
	if strings.Contains(page.Body, "/p/") {
		t.Errorf("the pilot page shows an invitation link again")
	}
}

func TestAdminSurveyState(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	base := "/admin/pilots/" + p.ID
	tests := []struct {
		state, want string
	}{
		{"open", pilots.SurveyOpen},
		{"close", pilots.SurveyClosed},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			r := e.post(t, c, base+"/surveys/final/"+tt.state, url.Values{})
			admWantStatus(t, r, http.StatusSeeOther)
			if got := e.fb.SurveyState(p.ID, "final"); got != tt.want {
				t.Errorf("SurveyState=%q, want %q", got, tt.want)
			}
			admWantBody(t, e.get(t, c, base), `Survey &#34;final&#34; was`)
		})
	}
	admWantStatus(t, e.post(t, c, base+"/surveys/nope/open", url.Values{}), http.StatusNotFound)
	admWantStatus(t, e.post(t, c, base+"/surveys/final/explode", url.Values{}), http.StatusNotFound)
}

func TestAdminReportAndDecision(t *testing.T) {
	e := newAdminEnv(t, true)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	base := "/admin/pilots/" + p.ID

	page := e.get(t, c, base)
	admWantBody(t, page, `href="`+base+`/report"`)
	if strings.Contains(page.Body, base+"/decide") {
		t.Errorf("a draft pilot offers a decision")
	}
	admWantStatus(t, e.get(t, c, base+"/decide"), http.StatusConflict)

	rep := e.get(t, c, base+"/report")
	admWantStatus(t, rep, http.StatusOK)
	admWantBody(t, rep, "Scale-up report: Digital nattillsyn")
	if got := rep.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("Content-Security-Policy=%q, want a strict one", got)
	}

	for _, step := range []func() (pilots.Pilot, error){
		func() (pilots.Pilot, error) { return e.svc.Start(t.Context(), "alice", p.ID, "") },
		func() (pilots.Pilot, error) { return e.svc.Close(t.Context(), "alice", p.ID, "") },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	page = e.get(t, c, base)
	admWantBody(t, page, `href="`+base+`/decide"`)
	decide := e.get(t, c, base+"/decide")
	admWantStatus(t, decide, http.StatusOK)
	admWantBody(t, decide, `<legend>Candidate to promote</legend>`, `id="candidate-1"`, `name="override"`, `id="reject-reason"`)

	t.Run("promote without a candidate", func(t *testing.T) {
		r := e.post(t, c, base+"/promote", url.Values{"justification": {"good"}})
		admWantStatus(t, r, http.StatusUnprocessableEntity)
		admWantBody(t, r, `href="#candidate-0"`, "Choose the candidate", ">good</textarea>")
	})
	t.Run("promote a candidate whose verdict is not scale_up", func(t *testing.T) {
		r := e.post(t, c, base+"/promote", url.Values{"candidate": {"b"}, "justification": {"cheaper"}})
		admWantStatus(t, r, http.StatusConflict)
		admWantBody(t, r, "needs an override", `value="b" checked`)
	})
	t.Run("reject without a reason", func(t *testing.T) {
		r := e.post(t, c, base+"/reject", url.Values{"reason": {" "}})
		admWantStatus(t, r, http.StatusUnprocessableEntity)
		admWantBody(t, r, `href="#reject-reason"`)
	})
	t.Run("promote with override", func(t *testing.T) {
		r := e.post(t, c, base+"/promote", url.Values{"candidate": {"b"}, "justification": {"cheaper"}, "override": {"yes"}})
		admWantStatus(t, r, http.StatusSeeOther)
		got, _ := e.svc.Pilot(t.Context(), p.ID)
		if got.Status != pilots.StatusPromoted {
			t.Errorf("Status=%v, want promoted", got.Status)
		}
		admWantBody(t, e.get(t, c, base), "was promoted with candidate")
	})
}

func TestAdminHooksMissing(t *testing.T) {
	e := newAdminEnv(t, false)
	p := e.submit(t, adminPilotFile)
	c := e.login(t, e.admin)
	base := "/admin/pilots/" + p.ID
	if page := e.get(t, c, base); strings.Contains(page.Body, base+"/report") {
		t.Errorf("the report link is shown without a ReportService")
	}
	for _, r := range []adminResponse{
		e.get(t, c, base+"/report"),
		e.get(t, c, base+"/decide"),
		e.post(t, c, base+"/promote", url.Values{"candidate": {"a"}, "justification": {"x"}}),
		e.post(t, c, base+"/reject", url.Values{"reason": {"x"}}),
	} {
		admWantStatus(t, r, http.StatusNotImplemented)
		admWantBody(t, r, "not available in this version")
	}
}

func TestAdminLoginRateLimit(t *testing.T) {
	e := newAdminEnv(t, false)
	c := e.client(t)
	var last adminResponse
	for range 11 {
		last = e.post(t, c, "/admin/login", url.Values{"token": {"pbt_guess"}})
		if last.StatusCode == http.StatusTooManyRequests {
			break
		}
		admWantStatus(t, last, http.StatusUnauthorized)
	}
	admWantStatus(t, last, http.StatusTooManyRequests)
	if last.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After")
	}
	admWantBody(t, last, "Too many sign-in attempts")
	// Even the right token waits: the limit is on attempts, not failures.
	admWantStatus(t, e.post(t, c, "/admin/login", url.Values{"token": {e.admin}}), http.StatusTooManyRequests)
}

func TestAdminRevokedTokenEndsSession(t *testing.T) {
	svc := apitest.NewService()
	e := &adminEnv{svc: svc}
	e.admin = svc.AddToken("alice", pilots.RoleAdmin)
	tokens := &admRevocable{Service: svc}
	e.srv = httptest.NewServer(api.NewServer(api.Config{Service: svc, Tokens: tokens}))
	t.Cleanup(e.srv.Close)
	c := e.login(t, e.admin)
	admWantStatus(t, e.get(t, c, "/admin"), http.StatusOK)
	tokens.revoked.Store(true)
	admWantStatus(t, e.get(t, c, "/admin"), http.StatusSeeOther)
}

// admRevocable answers every token lookup with ENOTFOUND once revoked is set.
type admRevocable struct {
	*apitest.Service
	revoked atomic.Bool
}

func (r *admRevocable) TokenByHash(ctx context.Context, hash string) (pilots.Token, error) {
	if r.revoked.Load() {
		return pilots.Token{}, pilots.Errorf(pilots.ENOTFOUND, "token not found")
	}
	return r.Service.TokenByHash(ctx, hash)
}
