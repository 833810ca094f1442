package sqlstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
)

// ParticipantPage reads what ParticipantByTokenHash, Pilot, SurveyOverrides
// and Answered read one by one.
func TestParticipantPage(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	defer s.Close()
	if err := s.CreatePilot(ctx, pilots.Pilot{ID: "p_1", Name: "page", Status: pilots.StatusRunning}, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	ps, err := s.CreateParticipants(ctx, "p_1", "vaster", []string{"h1", "h2"}, time.Time{})
	if err != nil {
		t.Fatalf("CreateParticipants: %v", err)
	}
	if err := s.SetSurveyOverride(ctx, pilots.SurveyOverride{PilotID: "p_1", Survey: "final", State: pilots.SurveyClosed, Actor: "admin"}); err != nil {
		t.Fatalf("SetSurveyOverride: %v", err)
	}
	if _, _, err := s.SubmitResponse(ctx, pilots.Response{PilotID: "p_1", Survey: "baseline", Participant: ps[0].ID}, false); err != nil {
		t.Fatalf("SubmitResponse: %v", err)
	}
	if _, _, err := s.SubmitResponse(ctx, pilots.Response{PilotID: "p_1", Survey: "final", Participant: ps[0].ID}, true); err != nil {
		t.Fatalf("SubmitResponse(anonymous): %v", err)
	}

	part, p, overrides, answered, err := s.ParticipantPage(ctx, "h1")
	if err != nil {
		t.Fatalf("ParticipantPage: %v", err)
	}
	wantPart, err := s.ParticipantByTokenHash(ctx, "h1")
	if err != nil {
		t.Fatalf("ParticipantByTokenHash: %v", err)
	}
	wantPilot, err := s.Pilot(ctx, "p_1")
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	wantOverrides, err := s.SurveyOverrides(ctx, "p_1")
	if err != nil {
		t.Fatalf("SurveyOverrides: %v", err)
	}
	wantAnswered, err := s.Answered(ctx, "p_1", ps[0].ID)
	if err != nil {
		t.Fatalf("Answered: %v", err)
	}
	if diff := cmp.Diff(wantPart, part); diff != "" {
		t.Errorf("participant (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantPilot, p); diff != "" {
		t.Errorf("pilot (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantOverrides, overrides); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAnswered, answered); diff != "" {
		t.Errorf("answered (-want +got):\n%s", diff)
	}
	if got, want := len(answered), 2; got != want {
		t.Errorf("answered %d surveys, want %d", got, want)
	}

	if err := s.RevokeParticipant(ctx, "p_1", ps[1].ID, time.Time{}); err != nil {
		t.Fatalf("RevokeParticipant: %v", err)
	}
	for _, hash := range []string{"unknown", "h2"} {
		if _, _, _, _, err := s.ParticipantPage(ctx, hash); pilots.ErrorCode(err) != pilots.ENOTFOUND {
			t.Errorf("ParticipantPage(%s) = %v, want ENOTFOUND", hash, err)
		}
	}
}
