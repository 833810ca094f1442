package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

// feedbackFixture is a server over the in-memory service and the
// in-memory feedback stand-in.
type feedbackFixture struct {
	*fixture
	fb    *apitest.Feedback
	pilot api.SubmitResult
}

func newFeedbackFixture(t *testing.T) *feedbackFixture {
	t.Helper()
	f := &fixture{svc: apitest.NewService()}
	f.admin = f.svc.AddToken("alice", pilots.RoleAdmin)
	f.viewer = f.svc.AddToken("vera", pilots.RoleViewer)
	fb := apitest.NewFeedback(f.svc)
	f.handler = api.NewServer(api.Config{Service: f.svc, Tokens: f.svc, Feedback: fb, Logger: zap.NewNop()})
	return &feedbackFixture{fixture: f, fb: fb, pilot: f.submit(t, validPilot)}
}

func TestInvite(t *testing.T) {
	f := newFeedbackFixture(t)
	r := f.do(t, "POST", "/api/v1/pilots/nattillsyn/invitations", f.admin, `{"cohort": "cohort-a", "count": 3}`)
	wantStatus(t, r, http.StatusCreated)
	if got, want := r.header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("Cache-Control=%q, want %q", got, want)
	}
	got := decode[api.InvitationList](t, r)
	if got.Notice != api.InviteNotice {
		t.Errorf("Notice=%q", got.Notice)
	}
	if len(got.Invitations) != 3 {
		t.Fatalf("got %d invitations, want 3", len(got.Invitations))
	}
	seen := map[string]bool{}
	for i, inv := range got.Invitations {
		if want := pilots.ParticipantID(i + 1); inv.Participant != want || inv.Cohort != "cohort-a" {
			t.Errorf("invitation %d=%+v, want participant %s of cohort-a", i, inv, want)
		}
		secret, ok := strings.CutPrefix(inv.URL, "http://example.com/p/")
		if !ok || len(secret) < 32 {
			t.Errorf("URL=%q, want http://example.com/p/<secret of 160 bits>", inv.URL)
		}
		if seen[secret] {
			t.Errorf("secret of %s repeats", inv.Participant)
		}
		seen[secret] = true
	}

	// The invitation is in the audit trail, without any secret.
	evs, err := f.svc.Events(t.Context(), f.pilot.ID, pilots.EventFilter{Kind: pilots.EventInvitation})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Actor != "alice" || evs[0].To != "cohort-a" {
		t.Errorf("events=%+v, want one invitation by alice", evs)
	}
	for s := range seen {
		if strings.Contains(evs[0].Reason, s) {
			t.Error("the event holds a secret")
		}
	}
}

func TestInviteBaseURL(t *testing.T) {
	f := newFeedbackFixture(t)
	tests := []struct {
		name, proto, want string
	}{
		{"plain", "", "http://pilot.example.se/p/"},
		{"behind a TLS proxy", "https", "https://pilot.example.se/p/"},
		{"odd proto ignored", "gopher", "http://pilot.example.se/p/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := fbRequest(t, "POST", "/api/v1/pilots/nattillsyn/invitations", f.admin, `{"cohort":"cohort-b","count":1}`)
			req.Host = "pilot.example.se"
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			r := fbServe(f.handler, req)
			wantStatus(t, r, http.StatusCreated)
			if got := decode[api.InvitationList](t, r).Invitations[0].URL; !strings.HasPrefix(got, tt.want) {
				t.Errorf("URL=%q, want prefix %q", got, tt.want)
			}
		})
	}
}

func TestInviteErrors(t *testing.T) {
	f := newFeedbackFixture(t)
	closed := f.submit(t, strings.Replace(validPilot, "nattillsyn", "avslutad", 1))
	for _, step := range []string{"start", "close"} {
		wantStatus(t, f.do(t, "POST", "/api/v1/pilots/avslutad/"+step, f.admin, ""), http.StatusOK)
	}
	tests := []struct {
		name, pilot, body string
		status            int
		code              string
	}{
		{"no body", "nattillsyn", "", http.StatusBadRequest, pilots.EINVALID},
		{"bad JSON", "nattillsyn", `{"cohort": "cohort-a", "count": }`, http.StatusBadRequest, pilots.EINVALID},
		{"unknown field", "nattillsyn", `{"cohort": "cohort-a", "count": 1, "email": "x@y.se"}`, http.StatusBadRequest, pilots.EINVALID},
		{"trailing data", "nattillsyn", `{"cohort": "cohort-a", "count": 1} {}`, http.StatusBadRequest, pilots.EINVALID},
		{"count as string", "nattillsyn", `{"cohort": "cohort-a", "count": "2"}`, http.StatusBadRequest, pilots.EINVALID},
		{"count zero", "nattillsyn", `{"cohort": "cohort-a", "count": 0}`, http.StatusBadRequest, pilots.EINVALID},
		{"count negative", "nattillsyn", `{"cohort": "cohort-a", "count": -1}`, http.StatusBadRequest, pilots.EINVALID},
		{"count too high", "nattillsyn", `{"cohort": "cohort-a", "count": 1001}`, http.StatusBadRequest, pilots.EINVALID},
		{"no cohort", "nattillsyn", `{"count": 1}`, http.StatusBadRequest, pilots.EINVALID},
		{"too large", "nattillsyn", `{"cohort": "` + strings.Repeat("x", 5000) + `", "count": 1}`, http.StatusRequestEntityTooLarge, "too_large"},
		{"unknown cohort", "nattillsyn", `{"cohort": "nope", "count": 1}`, http.StatusNotFound, pilots.ENOTFOUND},
		{"unknown pilot", "nope", `{"cohort": "cohort-a", "count": 1}`, http.StatusNotFound, pilots.ENOTFOUND},
		{"closed pilot", closed.ID, `{"cohort": "cohort-a", "count": 1}`, http.StatusConflict, pilots.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, "POST", "/api/v1/pilots/"+tt.pilot+"/invitations", f.admin, tt.body)
			wantError(t, r, tt.status, tt.code)
		})
	}
	if ps, err := f.fb.Participants(t.Context(), "nattillsyn"); err != nil || len(ps) != 0 {
		t.Errorf("refused invitations created %d participants (err %v)", len(ps), err)
	}
}

func TestParticipantsAndRevoke(t *testing.T) {
	f := newFeedbackFixture(t)
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/nattillsyn/invitations", f.admin, `{"cohort":"cohort-a","count":2}`), http.StatusCreated)

	r := f.do(t, "GET", "/api/v1/pilots/nattillsyn/participants", f.viewer, "")
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(strings.ToLower(r.body), "hash") {
		t.Errorf("participant list shows hashes: %s", r.body)
	}
	list := decode[api.ParticipantList](t, r)
	if len(list.Participants) != 2 || list.Participants[1].ID != "P-0002" || list.Participants[0].RevokedAt != nil {
		t.Fatalf("participants=%+v", list.Participants)
	}

	r = f.do(t, "POST", "/api/v1/pilots/nattillsyn/participants/P-0002/revoke", f.admin, "")
	wantStatus(t, r, http.StatusOK)
	if got := decode[api.RevokeResult](t, r); got != (api.RevokeResult{Participant: "P-0002", Revoked: true}) {
		t.Errorf("revoke=%+v", got)
	}
	// Revoking again is no error.
	wantStatus(t, f.do(t, "POST", "/api/v1/pilots/nattillsyn/participants/P-0002/revoke", f.admin, ""), http.StatusOK)

	list = decode[api.ParticipantList](t, f.do(t, "GET", "/api/v1/pilots/nattillsyn/participants", f.admin, ""))
	if list.Participants[0].RevokedAt != nil || list.Participants[1].RevokedAt == nil {
		t.Errorf("after revoke: %+v", list.Participants)
	}

	wantError(t, f.do(t, "POST", "/api/v1/pilots/nattillsyn/participants/P-0099/revoke", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
	wantError(t, f.do(t, "GET", "/api/v1/pilots/nope/participants", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)

	// An empty list is an array, not null.
	if !strings.Contains(f.do(t, "GET", "/api/v1/pilots/"+f.submit(t, strings.Replace(validPilot, "nattillsyn", "tom", 1)).ID+"/participants", f.admin, "").body, `"participants":[]`) {
		t.Errorf("empty list is not []")
	}
}

// fbRequest builds a request with an optional bearer token and body.
func fbRequest(t *testing.T, method, path, token, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// fbServe answers req in memory.
func fbServe(h http.Handler, req *http.Request) response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// feedbackRoutes are the routes of this part of the API, with the role a
// caller needs.
var feedbackRoutes = []struct {
	method, path string
	write        bool
}{
	{"POST", "/api/v1/pilots/nattillsyn/invitations", true},
	{"GET", "/api/v1/pilots/nattillsyn/participants", false},
	{"POST", "/api/v1/pilots/nattillsyn/participants/P-0001/revoke", true},
	{"POST", "/api/v1/pilots/nattillsyn/surveys/final/open", true},
	{"POST", "/api/v1/pilots/nattillsyn/surveys/final/close", true},
	{"GET", "/api/v1/pilots/nattillsyn/responses", false},
}

func TestFeedbackAccess(t *testing.T) {
	f := newFeedbackFixture(t)
	for _, rt := range feedbackRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			wantError(t, f.do(t, rt.method, rt.path, "", ""), http.StatusUnauthorized, pilots.EUNAUTHORIZED)
			r := f.do(t, rt.method, rt.path, f.viewer, "")
			if rt.write {
				wantError(t, r, http.StatusForbidden, pilots.EFORBIDDEN)
			} else if r.status != http.StatusOK {
				t.Errorf("viewer: Status=%d, want 200; body %s", r.status, r.body)
			}
		})
	}
}

// TestFeedbackUnavailable checks that a server without a feedback service
// answers 503 JSON on these routes, after checking the caller.
func TestFeedbackUnavailable(t *testing.T) {
	f := newFixture(t)
	f.submit(t, validPilot)
	for _, rt := range feedbackRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			wantError(t, f.do(t, rt.method, rt.path, f.admin, `{"cohort":"cohort-a","count":1}`), http.StatusServiceUnavailable, pilots.EUNAVAILABLE)
			if rt.write {
				wantError(t, f.do(t, rt.method, rt.path, f.viewer, ""), http.StatusForbidden, pilots.EFORBIDDEN)
			}
		})
	}
}
