package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

func TestSurveyState(t *testing.T) {
	f := newFeedbackFixture(t)
	for _, state := range []string{"open", "close"} {
		r := f.do(t, "POST", "/api/v1/pilots/nattillsyn/surveys/final/"+state, f.admin, "")
		wantStatus(t, r, http.StatusOK)
		want := api.SurveyStateResult{Survey: "final", State: map[string]string{"open": pilots.SurveyOpen, "close": pilots.SurveyClosed}[state]}
		if got := decode[api.SurveyStateResult](t, r); got != want {
			t.Errorf("%s: got %+v, want %+v", state, got, want)
		}
		if got := f.fb.SurveyState(f.pilot.ID, "final"); got != want.State {
			t.Errorf("%s: state in force=%q, want %q", state, got, want.State)
		}
	}

	// Both changes are in the audit trail with the admin as actor.
	evs, err := f.svc.Events(t.Context(), f.pilot.ID, pilots.EventFilter{Kind: pilots.EventSurvey})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Actor != "alice" || evs[0].To != pilots.SurveyOpen || evs[1].From != pilots.SurveyOpen || evs[1].To != pilots.SurveyClosed {
		t.Errorf("survey events=%+v", evs)
	}

	closed := f.submit(t, strings.Replace(validPilot, "nattillsyn", "avslutad", 1))
	for _, step := range []string{"start", "close"} {
		wantStatus(t, f.do(t, "POST", "/api/v1/pilots/avslutad/"+step, f.admin, ""), http.StatusOK)
	}
	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown survey", "/api/v1/pilots/nattillsyn/surveys/nope/open", http.StatusNotFound, pilots.ENOTFOUND},
		{"unknown pilot", "/api/v1/pilots/nope/surveys/final/open", http.StatusNotFound, pilots.ENOTFOUND},
		{"frozen", "/api/v1/pilots/" + closed.ID + "/surveys/final/open", http.StatusConflict, pilots.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, f.do(t, "POST", tt.path, f.admin, ""), tt.status, tt.code)
		})
	}
	// Only open and close are actions; GET is not allowed.
	wantError(t, f.do(t, "GET", "/api/v1/pilots/nattillsyn/surveys/final/open", f.admin, ""), http.StatusMethodNotAllowed, "method_not_allowed")
	wantError(t, f.do(t, "POST", "/api/v1/pilots/nattillsyn/surveys/final/reopen", f.admin, ""), http.StatusNotFound, pilots.ENOTFOUND)
}
