package orchestrator

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

const feedbackHCL = `
pilot "enkat" {
  title   = "Enkätpilot"
  owner   = "Vård- och omsorgsförvaltningen"
  contact = "testledare@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  retention {
    keep     = "365d"
    decision = "KS 2026/123"
  }

  candidate "a" {
    vendor = "Leverantör A AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  cohort "vaster" {
    candidate    = "a"
    participants = 5
  }

  cohort "oster" {
    candidate    = "a"
    participants = 5
  }

  survey "baseline" {
    opens  = "start"
    closes = "start+7d"
    question "minutes" {
      type = "number"
      text = "Hur många minuter?"
    }
  }

  survey "final" {
    opens     = "end-14d"
    closes    = "end"
    anonymous = true
    question "mood" {
      type = "likert"
      text = "Trivs du med verktyget?"
    }
  }
}
`

// newFeedbackEnv is an env whose orchestrator keeps feedback in the same
// SQLite store, as the server wires it, with the feedback pilot submitted.
func newFeedbackEnv(t *testing.T) (*env, pilots.Pilot) {
	t.Helper()
	e := newEnv(t)
	e.o = e.orchestratorWith(t, Config{Feedback: e.store})
	p, err := e.o.Submit(t.Context(), "alice", "enkat.hcl", []byte(feedbackHCL))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return e, p
}

func TestInvite(t *testing.T) {
	e, p := newFeedbackEnv(t)
	ctx := t.Context()

	invs, err := e.o.Invite(ctx, "alice", "enkat", "vaster", 3)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if len(invs) != 3 {
		t.Fatalf("got %d invitations, want 3", len(invs))
	}
	seen := map[string]bool{}
	for i, inv := range invs {
		if want := pilots.ParticipantID(i + 1); inv.Participant != want || inv.Cohort != "vaster" {
			t.Errorf("invitation %d=%+v, want %s of vaster", i, inv, want)
		}
		// 160 bits in unpadded base32 are 32 characters.
		if len(inv.Secret) != 32 || seen[inv.Secret] {
			t.Errorf("secret %q is not a fresh 160-bit secret", inv.Secret)
		}
		seen[inv.Secret] = true
		got, err := e.store.ParticipantByTokenHash(ctx, pilots.HashSecret(inv.Secret))
		if err != nil || got.ID != inv.Participant {
			t.Errorf("participant by secret of %s=%+v, %v", inv.Participant, got, err)
		}
	}

	// A second invitation continues the sequence, in another cohort.
	more, err := e.o.Invite(ctx, "bob", p.ID, "oster", 1)
	if err != nil {
		t.Fatal(err)
	}
	if more[0].Participant != "P-0004" {
		t.Errorf("next participant=%s, want P-0004", more[0].Participant)
	}

	ps, err := e.o.Participants(ctx, "enkat")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 || ps[3].Cohort != "oster" {
		t.Errorf("participants=%+v", ps)
	}

	evs := e.events(t, p.ID, pilots.EventInvitation)
	if len(evs) != 2 {
		t.Fatalf("invitation events=%+v, want 2", evs)
	}
	if got, want := evs[0].Reason, "invited 3 to cohort vaster (P-0001..P-0003)"; got != want || evs[0].Actor != "alice" || evs[0].To != "vaster" {
		t.Errorf("event=%+v, want reason %q by alice", evs[0], want)
	}
	if got, want := evs[1].Reason, "invited 1 to cohort oster (P-0004)"; got != want {
		t.Errorf("reason=%q, want %q", got, want)
	}
	for s := range seen {
		for _, ev := range evs {
			if strings.Contains(ev.Reason, s) {
				t.Error("an event holds a secret")
			}
		}
	}
}

func TestInviteRefused(t *testing.T) {
	e, p := newFeedbackEnv(t)
	ctx := t.Context()
	withdrawn, err := e.o.Submit(ctx, "alice", "x.hcl", []byte(strings.Replace(feedbackHCL, `"enkat"`, `"dragen"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.o.Withdraw(ctx, "alice", withdrawn.ID, "fel"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, pilot, cohort string
		count               int
		code                string
	}{
		{"unknown cohort", p.ID, "norr", 1, pilots.ENOTFOUND},
		{"unknown pilot", "nope", "vaster", 1, pilots.ENOTFOUND},
		{"count zero", p.ID, "vaster", 0, pilots.EINVALID},
		{"count too high", p.ID, "vaster", pilots.MaxInvitations + 1, pilots.EINVALID},
		{"withdrawn pilot", withdrawn.ID, "vaster", 1, pilots.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.o.Invite(ctx, "alice", tt.pilot, tt.cohort, tt.count)
			wantCode(t, err, tt.code)
		})
	}
	_, err = e.o.Invite(ctx, "alice", p.ID, "norr", 1)
	if msg := pilots.ErrorMessage(err); !strings.Contains(msg, "vaster or oster") {
		t.Errorf("message %q does not name the cohorts", msg)
	}
	if ps, _ := e.o.Participants(ctx, p.ID); len(ps) != 0 {
		t.Errorf("refused invitations made %d participants", len(ps))
	}
}

func TestRevokeParticipant(t *testing.T) {
	e, p := newFeedbackEnv(t)
	ctx := t.Context()
	invs, err := e.o.Invite(ctx, "alice", p.ID, "vaster", 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.o.RevokeParticipant(ctx, "bob", "enkat", "P-0002"); err != nil {
		t.Fatalf("RevokeParticipant: %v", err)
	}
	_, err = e.store.ParticipantByTokenHash(ctx, pilots.HashSecret(invs[1].Secret))
	wantCode(t, err, pilots.ENOTFOUND)
	if _, err := e.store.ParticipantByTokenHash(ctx, pilots.HashSecret(invs[0].Secret)); err != nil {
		t.Errorf("the other participant: %v", err)
	}
	// Revoking again is a no-op and is not recorded twice.
	if err := e.o.RevokeParticipant(ctx, "bob", "enkat", "P-0002"); err != nil {
		t.Fatal(err)
	}
	evs := e.events(t, p.ID, pilots.EventInvitation)
	if len(evs) != 2 || evs[1].Actor != "bob" || evs[1].To != "revoked" || evs[1].Reason != "revoked P-0002" {
		t.Errorf("events=%+v", evs)
	}
	for _, id := range []string{"P-0009", "nobody", ""} {
		wantCode(t, e.o.RevokeParticipant(ctx, "bob", "enkat", id), pilots.ENOTFOUND)
	}
	wantCode(t, e.o.RevokeParticipant(ctx, "bob", "nope", "P-0001"), pilots.ENOTFOUND)
}

func TestSetSurveyState(t *testing.T) {
	e, p := newFeedbackEnv(t)
	ctx := t.Context()
	e.clock.Set(start.Add(24 * time.Hour)) // inside the baseline window

	steps := []struct {
		survey, state, from string
	}{
		{"baseline", pilots.SurveyClosed, pilots.SurveyOpen},
		{"baseline", pilots.SurveyOpen, pilots.SurveyClosed},
		{"final", pilots.SurveyOpen, pilots.SurveyClosed},
	}
	for _, s := range steps {
		if err := e.o.SetSurveyState(ctx, "alice", "enkat", s.survey, s.state); err != nil {
			t.Fatalf("SetSurveyState(%s, %s): %v", s.survey, s.state, err)
		}
	}
	evs := e.events(t, p.ID, pilots.EventSurvey)
	if len(evs) != len(steps) {
		t.Fatalf("survey events=%+v", evs)
	}
	for i, s := range steps {
		if got := evs[i]; got.From != s.from || got.To != s.state || got.Actor != "alice" || !strings.Contains(got.Reason, s.survey) {
			t.Errorf("event %d=%+v, want %s %s -> %s by alice", i, got, s.survey, s.from, s.state)
		}
	}
	overrides, err := e.store.SurveyOverrides(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Spec.Surveys {
		if !pilots.IsOpen(s, overrides, e.clock.Now()) {
			t.Errorf("survey %s is closed, want open by hand", s.Name)
		}
	}

	wantCode(t, e.o.SetSurveyState(ctx, "alice", "enkat", "nope", pilots.SurveyOpen), pilots.ENOTFOUND)
	wantCode(t, e.o.SetSurveyState(ctx, "alice", "enkat", "final", "ajar"), pilots.EINVALID)
	wantCode(t, e.o.SetSurveyState(ctx, "alice", "nope", "final", pilots.SurveyOpen), pilots.ENOTFOUND)
	if _, err := e.o.Withdraw(ctx, "alice", p.ID, "fel"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.o.SetSurveyState(ctx, "alice", "enkat", "final", pilots.SurveyClosed), pilots.ECONFLICT)
}

func TestExportResponses(t *testing.T) {
	e, p := newFeedbackEnv(t)
	ctx := t.Context()
	if _, err := e.o.Invite(ctx, "alice", p.ID, "vaster", 2); err != nil {
		t.Fatal(err)
	}
	minutes := func(f float64) pilots.Answers { return pilots.Answers{"minutes": {Number: &f}} }
	four := 4
	submits := []struct {
		r         pilots.Response
		anonymous bool
	}{
		{pilots.Response{PilotID: p.ID, Survey: "baseline", Participant: "P-0001", Answers: minutes(12)}, false},
		{pilots.Response{PilotID: p.ID, Survey: "final", Participant: "P-0001", Answers: pilots.Answers{"mood": {Int: &four}}}, true},
		{pilots.Response{PilotID: p.ID, Survey: "baseline", Participant: "P-0002", Answers: minutes(-3)}, false},
	}
	for _, s := range submits {
		if _, _, err := e.store.SubmitResponse(ctx, s.r, s.anonymous); err != nil {
			t.Fatal(err)
		}
	}

	var started []string
	var got []pilots.Response
	err := e.o.ExportResponses(ctx, "enkat",
		func(p pilots.Pilot) error { started = append(started, p.Name); return nil },
		func(r pilots.Response) error { got = append(got, r); return nil })
	if err != nil {
		t.Fatalf("ExportResponses: %v", err)
	}
	if len(started) != 1 || started[0] != "enkat" {
		t.Errorf("start called with %v, want once with enkat", started)
	}
	// Named responses first, in submit order; the anonymous one last,
	// without id or participant.
	type row struct {
		id                int64
		survey, part, coh string
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.ID, r.Survey, r.Participant, r.Cohort})
	}
	want := []row{{1, "baseline", "P-0001", "vaster"}, {3, "baseline", "P-0002", "vaster"}, {0, "final", "", "vaster"}}
	if len(rows) != len(want) {
		t.Fatalf("rows=%+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d=%+v, want %+v", i, rows[i], want[i])
		}
	}

	// An error of fn stops the export and comes back as is.
	stop := errors.New("client went away")
	n := 0
	err = e.o.ExportResponses(ctx, "enkat", func(pilots.Pilot) error { return nil },
		func(pilots.Response) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err=%v after %d rows, want the fn error after 1", err, n)
	}

	// An unknown pilot fails before start.
	called := false
	err = e.o.ExportResponses(ctx, "nope", func(pilots.Pilot) error { called = true; return nil },
		func(pilots.Response) error { return nil })
	wantCode(t, err, pilots.ENOTFOUND)
	if called {
		t.Error("start was called for an unknown pilot")
	}
}

func TestFeedbackWithoutStore(t *testing.T) {
	e := newEnv(t) // no feedback store
	p := e.submit(t)
	ctx := t.Context()
	_, err := e.o.Invite(ctx, "alice", p.ID, "x", 1)
	wantCode(t, err, pilots.EUNAVAILABLE)
	_, err = e.o.Participants(ctx, p.ID)
	wantCode(t, err, pilots.EUNAVAILABLE)
	wantCode(t, e.o.RevokeParticipant(ctx, "alice", p.ID, "P-0001"), pilots.EUNAVAILABLE)
	wantCode(t, e.o.SetSurveyState(ctx, "alice", p.ID, "x", pilots.SurveyOpen), pilots.EUNAVAILABLE)
	wantCode(t, e.o.ExportResponses(ctx, p.ID, func(pilots.Pilot) error { return nil }, func(pilots.Response) error { return nil }), pilots.EUNAVAILABLE)
}
