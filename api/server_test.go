package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

const validPilot = `pilot "nattillsyn" {
  title = "Digital nattillsyn"
  candidate "a" {
  }
  candidate "b" {
  }
}
`

// fixture is a server over the in-memory service with an admin and a
// viewer token and an observed logger.
type fixture struct {
	svc     *apitest.Service
	handler http.Handler
	reg     *prometheus.Registry
	logs    *observer.ObservedLogs
	admin   string
	viewer  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith lets a test wrap the service, e.g. to make it panic.
func newFixtureWith(t *testing.T, wrap func(*apitest.Service) api.Service) *fixture {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	f := &fixture{svc: apitest.NewService(), reg: prometheus.NewRegistry(), logs: logs}
	f.admin = f.svc.AddToken("alice", pilots.RoleAdmin)
	f.viewer = f.svc.AddToken("vera", pilots.RoleViewer)
	var svc api.Service = f.svc
	if wrap != nil {
		svc = wrap(f.svc)
	}
	f.handler = api.NewServer(api.Config{
		Service: svc, Tokens: f.svc, Logger: zap.New(core),
		Gatherer: f.reg, Registerer: f.reg, Version: "1.2.3",
	})
	return f
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, path, token, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, r.body, err)
	}
	return v
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("Status=%d, want %d; body %s", r.status, want, r.body)
	}
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, r response, status int, code string) api.ErrorDetail {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type=%q, want JSON", ct)
	}
	e := decode[api.ErrorBody](t, r).Error
	if e.Code != code {
		t.Errorf("code=%q, want %q (message %q)", e.Code, code, e.Message)
	}
	if e.Message == "" {
		t.Error("empty error message")
	}
	return e
}

func (f *fixture) submit(t *testing.T, src string) api.SubmitResult {
	t.Helper()
	r := f.do(t, "POST", "/api/v1/pilots?filename=dir/nattillsyn.hcl", f.admin, src)
	wantStatus(t, r, http.StatusCreated)
	return decode[api.SubmitResult](t, r)
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	f.svc.SetReady(errors.New("store: database is locked"))
	r := f.do(t, "GET", "/healthz", "", "")
	wantStatus(t, r, http.StatusOK)
	if got, want := r.body, "ok"; got != want {
		t.Fatalf("body=%q, want %q", got, want)
	}
}

func TestReadyz(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/readyz", "", "")
	wantStatus(t, r, http.StatusOK)
	if got := decode[map[string]string](t, r)["version"]; got != "1.2.3" {
		t.Errorf("version=%q, want 1.2.3", got)
	}

	f.svc.SetReady(pilots.Errorf(pilots.EUNAVAILABLE, "container runtime does not answer"))
	e := wantError(t, f.do(t, "GET", "/readyz", "", ""), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
	if !strings.Contains(e.Message, "container runtime") {
		t.Errorf("message=%q, want it to name the container runtime", e.Message)
	}
}

func TestSubmitAndRead(t *testing.T) {
	f := newFixture(t)
	res := f.submit(t, validPilot)
	if res.ID == "" || res.Name != "nattillsyn" || res.Status != pilots.StatusDraft {
		t.Fatalf("submit=%+v", res)
	}

	for _, ref := range []string{res.ID, res.Name} {
		r := f.do(t, "GET", "/api/v1/pilots/"+ref, f.viewer, "")
		wantStatus(t, r, http.StatusOK)
		p := decode[api.PilotView](t, r)
		if p.ID != res.ID || p.Title != "Digital nattillsyn" || p.CreatedBy != "alice" || p.SourceHash == "" {
			t.Errorf("show %s = %+v", ref, p)
		}
		if got, want := len(p.Candidates), 2; got != want {
			t.Errorf("candidates=%d, want %d", got, want)
		}
	}

	r := f.do(t, "GET", "/api/v1/pilots/"+res.ID+"/source", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if r.body != validPilot {
		t.Errorf("source=%q, want the file as submitted", r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("source Content-Type=%q", ct)
	}

	// The raw JSON keys are the documented, stable ones.
	r = f.do(t, "GET", "/api/v1/pilots", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	raw := decode[map[string][]map[string]any](t, r)
	var keys []string
	for k := range raw["pilots"][0] {
		keys = append(keys, k)
	}
	want := []string{"candidates", "cohorts", "created_at", "created_by", "end", "id", "name", "owner", "reason", "source_hash", "start", "status", "surveys", "title", "updated_at"}
	if diff := cmp.Diff(want, keys, cmpSorted); diff != "" {
		t.Errorf("pilot keys (-want +got):\n%s", diff)
	}
	svc := raw["pilots"][0]["candidates"].([]any)[0].(map[string]any)["services"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "image", "port", "memory_bytes", "cpus", "pids"} {
		if _, ok := svc[k]; !ok {
			t.Errorf("service view lacks %q: %v", k, svc)
		}
	}
	survey := raw["pilots"][0]["surveys"].([]any)[0].(map[string]any)
	if got := survey["questions"]; got != float64(1) {
		t.Errorf("survey questions=%v, want 1", got)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestListFilter(t *testing.T) {
	f := newFixture(t)
	a := f.submit(t, `pilot "a" {`)
	f.submit(t, `pilot "b" {`)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+a.ID+"/approve", f.admin, ""), http.StatusOK)

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"b", "a"}},
		{"?status=draft", []string{"b"}},
		{"?status=scheduled", []string{"a"}},
		{"?status=draft,scheduled", []string{"b", "a"}},
		{"?status=running", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := f.do(t, "GET", "/api/v1/pilots"+tt.query, f.viewer, "")
			wantStatus(t, r, http.StatusOK)
			var got []string
			for _, p := range decode[api.PilotList](t, r).Pilots {
				got = append(got, p.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
	wantError(t, f.do(t, "GET", "/api/v1/pilots?status=bogus", f.viewer, ""), http.StatusBadRequest, pilots.EINVALID)
	// An empty list is an array, never null.
	r := f.do(t, "GET", "/api/v1/pilots?status=closed", f.viewer, "")
	if !strings.Contains(r.body, `"pilots":[]`) {
		t.Errorf("empty list body=%s, want an empty array", r.body)
	}
}

func TestTransitions(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	base := "/api/v1/pilots/" + p.ID

	tests := []struct {
		action, body string
		status       int
		want         pilots.Status
	}{
		{"close", "", http.StatusConflict, ""},
		{"approve", `{"reason": "styrgruppen 2027-01-05"}`, http.StatusOK, pilots.StatusScheduled},
		{"approve", "", http.StatusConflict, ""},
		{"start", "  ", http.StatusOK, pilots.StatusRunning},
		{"withdraw", "", http.StatusConflict, ""},
		{"close", `{"reason":"done"}`, http.StatusOK, pilots.StatusClosed},
	}
	for _, tt := range tests {
		r := f.do(t, "POST", base+"/"+tt.action, f.admin, tt.body)
		if tt.status != http.StatusOK {
			wantError(t, r, tt.status, pilots.ECONFLICT)
			continue
		}
		wantStatus(t, r, tt.status)
		if got := decode[api.PilotView](t, r).Status; got != tt.want {
			t.Errorf("%s: status=%q, want %q", tt.action, got, tt.want)
		}
	}

	q := f.submit(t, `pilot "other" {`)
	r := f.do(t, "POST", "/api/v1/pilots/other/withdraw", f.admin, `{"reason":"no budget"}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.PilotView](t, r); got.Status != pilots.StatusWithdrawn || got.Reason != "no budget" || got.ID != q.ID {
		t.Errorf("withdraw=%+v", got)
	}

	r = f.do(t, "GET", base+"/events?kind=transition", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	evs := decode[api.EventList](t, r).Events
	if len(evs) < 2 || evs[1].Actor != "alice" || evs[1].Reason != "styrgruppen 2027-01-05" || evs[1].To != "scheduled" {
		t.Errorf("events=%+v", evs)
	}
}

func TestTransitionBody(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	tests := []struct {
		name, body string
		status     int
	}{
		{"unknown field", `{"reason":"x","force":true}`, http.StatusBadRequest},
		{"not JSON", `reason=x`, http.StatusBadRequest},
		{"trailing data", `{"reason":"x"} {}`, http.StatusBadRequest},
		{"wrong type", `{"reason": 7}`, http.StatusBadRequest},
		{"null", `null`, http.StatusOK},
		{"too long a reason", `{"reason":"` + strings.Repeat("x", 2001) + `"}`, http.StatusBadRequest},
		{"too large", `{"reason":"` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/withdraw", f.admin, tt.body)
			if tt.status == http.StatusOK {
				// The pilot is withdrawn now; withdrawing again conflicts.
				wantStatus(t, r, http.StatusOK)
				return
			}
			code := pilots.EINVALID
			if tt.status == http.StatusRequestEntityTooLarge {
				code = "too_large"
			}
			wantError(t, r, tt.status, code)
		})
	}
}

func TestSubmitInvalid(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "POST", "/api/v1/pilots?filename=bad.hcl", f.admin, "variable \"x\" {}\n")
	wantStatus(t, r, http.StatusUnprocessableEntity)
	d := decode[api.DiagnosticsBody](t, r).Diagnostics
	if len(d) != 1 || d[0].Range == nil || d[0].Range.Filename != "bad.hcl" || d[0].Severity != "error" {
		t.Fatalf("diagnostics=%+v", d)
	}
	if !strings.Contains(r.body, `"summary"`) || !strings.Contains(r.body, `"line":1`) {
		t.Errorf("body=%s, want summary and line keys", r.body)
	}

	wantError(t, f.do(t, "POST", "/api/v1/pilots", f.admin, ""), http.StatusBadRequest, pilots.EINVALID)
	wantError(t, f.do(t, "POST", "/api/v1/pilots?filename=a%0Ab", f.admin, validPilot), http.StatusBadRequest, pilots.EINVALID)
	f.submit(t, validPilot)
	wantError(t, f.do(t, "POST", "/api/v1/pilots", f.admin, validPilot), http.StatusConflict, pilots.ECONFLICT)
}

func TestSubmitTooLarge(t *testing.T) {
	f := newFixture(t)
	body := `pilot "big" {` + "\n# " + strings.Repeat("x", 1<<20) + "\n}\n"
	wantError(t, f.do(t, "POST", "/api/v1/pilots", f.admin, body), http.StatusRequestEntityTooLarge, "too_large")

	// Exactly at the limit is fine.
	head := "pilot \"edge\" {\n}\n#"
	body = head + strings.Repeat("x", 1<<20-len(head))
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots", f.admin, body), http.StatusCreated)
}

func TestTestbeds(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	r := f.do(t, "GET", "/api/v1/pilots/"+p.ID+"/testbeds", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `"testbeds":[]`) {
		t.Errorf("draft testbeds=%s, want an empty array", r.body)
	}

	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/start", f.admin, ""), http.StatusOK)
	r = f.do(t, "GET", "/api/v1/pilots/"+p.Name+"/testbeds", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	tbs := decode[api.TestbedList](t, r).Testbeds
	if len(tbs) != 2 || tbs[0].Candidate != "a" || len(tbs[0].Services) != 1 || tbs[0].Services[0].Health != "healthy" {
		t.Fatalf("testbeds=%+v", tbs)
	}
	wantError(t, f.do(t, "GET", "/api/v1/pilots/nope/testbeds", f.viewer, ""), http.StatusNotFound, pilots.ENOTFOUND)
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/start", f.admin, ""), http.StatusOK)
	f.svc.AddEvent(pilots.Event{PilotID: p.ID, Actor: "runtime", Kind: pilots.EventTestbed, From: "creating", To: "running", Candidate: "a", Service: "web"})

	ids := func(r response) []int64 {
		t.Helper()
		wantStatus(t, r, http.StatusOK)
		var out []int64
		for _, e := range decode[api.EventList](t, r).Events {
			out = append(out, e.ID)
		}
		return out
	}
	base := "/api/v1/pilots/" + p.ID + "/events"
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{1, 2, 3, 4}},
		{"?after=2", []int64{3, 4}},
		{"?limit=2", []int64{1, 2}},
		{"?after=1&limit=1", []int64{2}},
		{"?kind=testbed", []int64{4}},
		{"?after=4", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(f.do(t, "GET", base+tt.query, f.viewer, ""))); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}

	r := f.do(t, "GET", base+"?kind=testbed", f.viewer, "")
	raw := decode[map[string][]map[string]any](t, r)["events"][0]
	for _, k := range []string{"id", "time", "actor", "kind", "from", "to", "reason", "candidate", "service"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("event lacks %q: %v", k, raw)
		}
	}

	for _, q := range []string{"?after=-1", "?after=x", "?limit=0", "?limit=1001", "?limit=x", "?kind=nope"} {
		wantError(t, f.do(t, "GET", base+q, f.viewer, ""), http.StatusBadRequest, pilots.EINVALID)
	}
}

// TestAccess walks every /api/v1 route the server has, so a route added
// without auth fails here.
func TestAccess(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	engine, ok := f.handler.(*gin.Engine)
	if !ok {
		t.Fatalf("NewServer returned %T, want *gin.Engine", f.handler)
	}
	var n int
	for _, rt := range engine.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		n++
		path := strings.ReplaceAll(rt.Path, ":id", p.ID)
		write := rt.Method != http.MethodGet
		callers := []struct {
			name, token string
			status      int // 0: allowed, any status but 401 and 403
		}{
			{"no token", "", http.StatusUnauthorized},
			{"unknown token", "pbt_nosuchtoken", http.StatusUnauthorized},
			{"viewer", f.viewer, map[bool]int{true: http.StatusForbidden, false: 0}[write]},
			{"admin", f.admin, 0},
		}
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s %s as %s", rt.Method, rt.Path, c.name), func(t *testing.T) {
				r := f.do(t, rt.Method, path, c.token, "")
				switch c.status {
				case 0:
					if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
						t.Fatalf("Status=%d, want access; body %s", r.status, r.body)
					}
				case http.StatusUnauthorized:
					wantError(t, r, c.status, pilots.EUNAUTHORIZED)
					if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
						t.Errorf("WWW-Authenticate=%q, want Bearer", got)
					}
				default:
					wantError(t, r, c.status, pilots.EFORBIDDEN)
				}
			})
		}
	}
	if n < 10 {
		t.Fatalf("found %d /api/v1 routes, want at least 10", n)
	}

	// Malformed headers are refused the same way.
	for _, h := range []string{"Bearer", "Bearer ", "Basic abc", f.admin, "bearer"} {
		req := httptest.NewRequestWithContext(t.Context(), "GET", "/api/v1/pilots", nil)
		req.Header.Set("Authorization", h)
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: Status=%d, want 401", h, rec.Code)
		}
	}
	// The scheme is case-insensitive.
	req := httptest.NewRequestWithContext(t.Context(), "GET", "/api/v1/pilots", nil)
	req.Header.Set("Authorization", "bearer "+f.viewer)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("lower-case scheme: Status=%d, want 200", rec.Code)
	}
}

func TestNotFoundAndMethod(t *testing.T) {
	f := newFixture(t)
	wantError(t, f.do(t, "GET", "/nope", "", ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/x/nope", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/nope", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
	r := f.do(t, "DELETE", "/api/v1/pilots", f.admin, "")
	wantError(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := r.header.Get("Allow"); !strings.Contains(got, "GET") || !strings.Contains(got, "POST") {
		t.Errorf("Allow=%q, want GET and POST", got)
	}
	wantError(t, f.do(t, "POST", "/healthz", "", ""), http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{pilots.Errorf(pilots.ENOTFOUND, "x"), http.StatusNotFound, pilots.ENOTFOUND},
		{pilots.Errorf(pilots.EINVALID, "x"), http.StatusBadRequest, pilots.EINVALID},
		{pilots.Errorf(pilots.ECONFLICT, "x"), http.StatusConflict, pilots.ECONFLICT},
		{pilots.Errorf(pilots.EUNAUTHORIZED, "x"), http.StatusUnauthorized, pilots.EUNAUTHORIZED},
		{pilots.Errorf(pilots.EFORBIDDEN, "x"), http.StatusForbidden, pilots.EFORBIDDEN},
		{pilots.Errorf(pilots.EUNAVAILABLE, "docker down"), http.StatusServiceUnavailable, pilots.EUNAVAILABLE},
		{pilots.Errorf(pilots.ETOOMANYREQUEST, "x"), http.StatusTooManyRequests, pilots.ETOOMANYREQUEST},
		{fmt.Errorf("list: %w", pilots.Errorf(pilots.ECONFLICT, "wrapped")), http.StatusConflict, pilots.ECONFLICT},
		{pilots.Errorf(pilots.EINTERNAL, "x"), http.StatusInternalServerError, pilots.EINTERNAL},
		{pilots.Errorf("something_new", "x"), http.StatusInternalServerError, pilots.EINTERNAL},
		{errors.New("secret internals /var/lib/pilotbed"), http.StatusInternalServerError, pilots.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			// The token lookup must pass, so fail the service through a
			// wrapper rather than the shared stand-in.
			f2 := newFixtureWith(t, func(s *apitest.Service) api.Service { return failing{s, tt.err} })
			r := f2.do(t, "GET", "/api/v1/pilots", f2.admin, "")
			e := wantError(t, r, tt.status, tt.code)
			if tt.status == http.StatusInternalServerError {
				if e.Message != "internal error" {
					t.Errorf("message=%q, want a generic one", e.Message)
				}
				if got := f2.logs.FilterMessage("request failed").Len(); got != 1 {
					t.Errorf("logged %d failures, want 1", got)
				}
			} else if e.Message != pilots.ErrorMessage(tt.err) {
				t.Errorf("message=%q, want %q", e.Message, pilots.ErrorMessage(tt.err))
			}
		})
	}

	// A failing token store is not a 401: the caller did nothing wrong.
	f := newFixture(t)
	f.svc.Fail(pilots.Errorf(pilots.EUNAVAILABLE, "database is locked"))
	wantError(t, f.do(t, "GET", "/api/v1/pilots", f.admin, ""), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
}

// failing is a service whose Pilots method fails.
type failing struct {
	*apitest.Service
	err error
}

func (s failing) Pilots(_ context.Context, _ pilots.PilotFilter) ([]pilots.Pilot, error) {
	return nil, s.err
}

// panicking is a service whose Pilot method panics.
type panicking struct{ *apitest.Service }

func (panicking) Pilot(context.Context, string) (pilots.Pilot, error) { panic("boom") }

func TestRecover(t *testing.T) {
	f := newFixtureWith(t, func(s *apitest.Service) api.Service { return panicking{s} })
	wantError(t, f.do(t, "GET", "/api/v1/pilots/x", f.admin, ""), http.StatusInternalServerError, pilots.EINTERNAL)
	if got := f.logs.FilterMessage("handler panicked").Len(); got != 1 {
		t.Errorf("logged %d panics, want 1", got)
	}
	// The server still serves.
	wantStatus(t, f.do(t, "GET", "/healthz", "", ""), http.StatusOK)
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	f.do(t, "GET", "/api/v1/pilots/"+p.Name+"/events?after=0", f.admin, "")
	f.do(t, "GET", "/api/v1/pilots", "pbt_wrongsecret", "")

	entries := f.logs.FilterMessage("request").All()
	if len(entries) != 3 {
		t.Fatalf("logged %d requests, want 3", len(entries))
	}
	got := entries[1].ContextMap()
	if got["path"] != "/api/v1/pilots/:id/events" || got["method"] != "GET" || got["status"] != int64(200) {
		t.Errorf("log fields=%v", got)
	}
	if _, ok := got["duration"]; !ok {
		t.Error("no duration logged")
	}
	for _, e := range f.logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		for _, secret := range []string{f.admin, "pbt_wrongsecret", "Bearer"} {
			if strings.Contains(line, secret) {
				t.Errorf("log %q contains %q", line, secret)
			}
		}
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	f.do(t, "GET", "/api/v1/pilots", f.viewer, "")
	f.do(t, "GET", "/nope", "", "")
	r := f.do(t, "GET", "/metrics", "", "")
	wantStatus(t, r, http.StatusOK)
	for _, want := range []string{
		`pilotbed_http_request_duration_seconds_bucket{method="GET",route="/api/v1/pilots",status="200"`,
		`pilotbed_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %s\n%s", want, r.body)
		}
	}

	// A second server on the same registry shares the histogram rather
	// than failing.
	h := api.NewServer(api.Config{Service: f.svc, Tokens: f.svc, Registerer: f.reg, Gatherer: f.reg})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("second server: Status=%d", rec.Code)
	}
}

// TestNilDependencies checks that a server without optional dependencies
// still answers.
func TestNilDependencies(t *testing.T) {
	h := api.NewServer(api.Config{Service: apitest.NewService()})
	// Without a token store no token can be checked: 503, not a crash.
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/api/v1/pilots": 503} {
		req := httptest.NewRequestWithContext(t.Context(), "GET", path, nil)
		req.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: Status=%d, want %d", path, rec.Code, want)
		}
	}
}
