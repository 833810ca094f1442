package main

import (
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

func TestSurveysCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()

	r := runClient(t, ctx, s.env(s.admin), "", "surveys", "open", "enkat", "final")
	wantExit(t, r, exitOK)
	if got, want := r.stdout, "Survey final is open.\n"; got != want {
		t.Errorf("stdout=%q, want %q", got, want)
	}
	r = runClient(t, ctx, s.env(s.admin), "", "surveys", "close", "enkat", "final", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.SurveyStateResult](t, r.stdout); got != (api.SurveyStateResult{Survey: "final", State: pilots.SurveyClosed}) {
		t.Errorf("json=%+v", got)
	}

	evs, err := s.orch.Events(ctx, "enkat", pilots.EventFilter{Kind: pilots.EventSurvey})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Actor != "admin" || evs[0].To != pilots.SurveyOpen || evs[1].From != pilots.SurveyOpen || evs[1].To != pilots.SurveyClosed {
		t.Errorf("events=%+v", evs)
	}

	tests := []struct {
		name  string
		token string
		args  []string
		exit  int
		msg   string
	}{
		{"unknown survey", s.admin, []string{"surveys", "open", "enkat", "nope"}, exitFailure, `no survey "nope"`},
		{"viewer", s.viewer, []string{"surveys", "open", "enkat", "final"}, exitFailure, "needs an admin token"},
		{"bad verb", s.admin, []string{"surveys", "reopen", "enkat", "final"}, exitUsage, "use open or close"},
		{"missing survey", s.admin, []string{"surveys", "open", "enkat"}, exitUsage, "takes 2 argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, ctx, s.env(tt.token), "", tt.args...)
			wantExit(t, r, tt.exit)
			if !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr=%q, want %q", r.stderr, tt.msg)
			}
		})
	}
}

func TestFeedbackHelp(t *testing.T) {
	s := newStack(t)
	for _, args := range [][]string{
		{"invite", "--help"}, {"participants", "--help"}, {"participants", "revoke", "--help"},
		{"surveys", "--help"}, {"surveys", "open", "--help"}, {"surveys", "close", "--help"}, {"responses", "--help"},
	} {
		r := runClient(t, t.Context(), s.env(""), "", args...)
		wantExit(t, r, exitOK)
		if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--server") {
			t.Errorf("%v: help lacks examples or --server:\n%s", args, r.stdout)
		}
	}
}
