package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

// reporting is the in-memory service with reports and dossiers: a
// pilot's report is final once it is closed, its dossier exists once it
// is promoted.
type reporting struct{ *apitest.Deciding }

var _ api.ReportAPI = reporting{}

func (r reporting) RenderReport(ctx context.Context, idOrName, format string, w io.Writer) (bool, error) {
	p, err := r.Pilot(ctx, idOrName)
	if err != nil {
		return false, err
	}
	final := p.Status == pilots.StatusClosed || p.Status == pilots.StatusPromoted || p.Status == pilots.StatusStopped
	_, err = fmt.Fprintf(w, "report of %s as %s, final %v", p.Name, format, final)
	return final, err
}

func (r reporting) RenderDossier(ctx context.Context, idOrName, format string, w io.Writer) error {
	p, err := r.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	if p.Status != pilots.StatusPromoted {
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no procurement dossier", p.Name)
	}
	_, err = fmt.Fprintf(w, "dossier of %s as %s", p.Name, format)
	return err
}

func newReportFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, func(s *apitest.Service) api.Service { return reporting{apitest.NewDeciding(s)} })
}

// closed submits the test pilot and runs it to closed.
func (f *fixture) closed(t *testing.T) api.SubmitResult {
	t.Helper()
	p := f.submit(t, validPilot)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/start", f.admin, ""), http.StatusOK)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/close", f.admin, ""), http.StatusOK)
	return p
}

func TestReport(t *testing.T) {
	f := newReportFixture(t)
	p := f.submit(t, validPilot)
	base := "/api/v1/pilots/" + p.ID + "/report"

	tests := []struct {
		query, contentType, body string
	}{
		{"", "text/html; charset=utf-8", "report of nattillsyn as html, final false"},
		{"?format=html", "text/html; charset=utf-8", "report of nattillsyn as html, final false"},
		{"?format=md", "text/markdown; charset=utf-8", "report of nattillsyn as md, final false"},
		{"?format=json", "application/json; charset=utf-8", "report of nattillsyn as json, final false"},
	}
	for _, tt := range tests {
		t.Run("format "+tt.query, func(t *testing.T) {
			r := f.do(t, "GET", base+tt.query, f.viewer, "")
			wantStatus(t, r, http.StatusOK)
			if got := r.header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type=%q, want %q", got, tt.contentType)
			}
			if got := r.header.Get(api.ReportKindHeader); got != "preliminary" {
				t.Errorf("%s=%q, want preliminary", api.ReportKindHeader, got)
			}
			if r.body != tt.body {
				t.Errorf("body=%q, want %q", r.body, tt.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control=%q", got)
			}
		})
	}
	if got := f.do(t, "GET", base, f.viewer, "").header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("CSP=%q", got)
	}

	wantError(t, f.do(t, "GET", base+"?format=pdf", f.viewer, ""), http.StatusBadRequest, pilots.EINVALID)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/nope/report", f.viewer, ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", base, "", ""), http.StatusUnauthorized, pilots.EUNAUTHORIZED)

	// Once closed, the report is final.
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/start", f.admin, ""), http.StatusOK)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/"+p.ID+"/close", f.admin, ""), http.StatusOK)
	r := f.do(t, "GET", base+"?format=json", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get(api.ReportKindHeader); got != "final" {
		t.Errorf("%s=%q, want final", api.ReportKindHeader, got)
	}
}

func TestPromoteAndDossier(t *testing.T) {
	f := newReportFixture(t)
	p := f.closed(t)
	path := "/api/v1/pilots/" + p.ID

	wantError(t, f.do(t, "GET", path+"/dossier", f.viewer, ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", path+"/dossier?format=md", f.viewer, ""), http.StatusBadRequest, pilots.EINVALID)

	refused := []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"viewer", f.viewer, `{"candidate":"a","justification":"best"}`, http.StatusForbidden, pilots.EFORBIDDEN},
		{"no token", "", `{"candidate":"a","justification":"best"}`, http.StatusUnauthorized, pilots.EUNAUTHORIZED},
		{"no body", f.admin, ``, http.StatusBadRequest, pilots.EINVALID},
		{"unknown field", f.admin, `{"candidate":"b","justification":"x","overide":true}`, http.StatusBadRequest, pilots.EINVALID},
		{"trailing data", f.admin, `{"candidate":"a","justification":"x"} {}`, http.StatusBadRequest, pilots.EINVALID},
		{"not JSON", f.admin, `candidate=a`, http.StatusBadRequest, pilots.EINVALID},
		{"no candidate", f.admin, `{"justification":"x"}`, http.StatusBadRequest, pilots.EINVALID},
		{"no justification", f.admin, `{"candidate":"a","justification":"  "}`, http.StatusBadRequest, pilots.EINVALID},
		{"unknown candidate", f.admin, `{"candidate":"zzz","justification":"x"}`, http.StatusNotFound, pilots.ENOTFOUND},
		{"verdict without override", f.admin, `{"candidate":"b","justification":"cheaper"}`, http.StatusConflict, pilots.ECONFLICT},
		{"too large", f.admin, `{"candidate":"a","justification":"` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, "too_large"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, f.do(t, "POST", path+"/promote", tt.token, tt.body), tt.status, tt.code)
		})
	}

	r := f.do(t, "POST", path+"/promote", f.admin, `{"candidate":"b","justification":"only one that integrates","override":true}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.PilotView](t, r).Status; got != pilots.StatusPromoted {
		t.Fatalf("Status=%v, want promoted", got)
	}
	r = f.do(t, "GET", path+"/dossier", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if got, want := r.header.Get("Content-Type"), "text/html; charset=utf-8"; got != want {
		t.Errorf("Content-Type=%q, want %q", got, want)
	}
	if r.body != "dossier of nattillsyn as html" {
		t.Errorf("body=%q", r.body)
	}
	r = f.do(t, "GET", path+"/dossier?format=json", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type=%q", got)
	}
	// A promoted pilot cannot be promoted again.
	wantError(t, f.do(t, "POST", path+"/promote", f.admin, `{"candidate":"a","justification":"x"}`), http.StatusConflict, pilots.ECONFLICT)
}

func TestRejectRoute(t *testing.T) {
	f := newReportFixture(t)
	p := f.closed(t)
	path := "/api/v1/pilots/" + p.ID + "/reject"

	wantError(t, f.do(t, "POST", path, f.viewer, `{"reason":"no"}`), http.StatusForbidden, pilots.EFORBIDDEN)
	wantError(t, f.do(t, "POST", path, f.admin, `{"reason":""}`), http.StatusBadRequest, pilots.EINVALID)
	wantError(t, f.do(t, "POST", path, f.admin, `{"why":"x"}`), http.StatusBadRequest, pilots.EINVALID)
	wantError(t, f.do(t, "POST", "/api/v1/pilots/nope/reject", f.admin, `{"reason":"x"}`), http.StatusNotFound, pilots.ENOTFOUND)

	r := f.do(t, "POST", path, f.admin, `{"reason":"no candidate was good enough"}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.PilotView](t, r).Status; got != pilots.StatusStopped {
		t.Fatalf("Status=%v, want stopped", got)
	}
	wantError(t, f.do(t, "POST", path, f.admin, `{"reason":"again"}`), http.StatusConflict, pilots.ECONFLICT)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/"+p.ID+"/dossier", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
}

// A Service without reports or decisions answers 503 on those routes.
func TestReportRoutesUnavailable(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, validPilot)
	path := "/api/v1/pilots/" + p.ID
	wantError(t, f.do(t, "GET", path+"/report", f.viewer, ""), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
	wantError(t, f.do(t, "GET", path+"/dossier", f.viewer, ""), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
	wantError(t, f.do(t, "POST", path+"/promote", f.admin, `{"candidate":"a","justification":"x"}`), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
	wantError(t, f.do(t, "POST", path+"/reject", f.admin, `{"reason":"x"}`), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
}
