package orchestrator

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

const participantHCL = `
pilot "tillsyn" {
  title    = "Digital tillsyn"
  owner    = "Omsorgsförvaltningen"
  contact  = "test@example.se"
  start    = "2027-01-11"
  end      = "2027-03-31"
  language = "sv"

  candidate "a" {
    vendor = "A AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  candidate "b" {
    vendor = "B AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  cohort "vaster" {
    candidate    = "a"
    participants = 3
  }
  cohort "oster" {
    candidate    = "b"
    participants = 3
  }

  survey "baseline" {
    opens  = "start"
    closes = "start+7d"
    question "minutes" {
      type = "number"
      unit = "min"
      text = "Hur många minuter?"
    }
  }
  survey "anon" {
    opens     = "start"
    closes    = "end"
    anonymous = true
    question "recommend" {
      type = "nps"
      text = "Rekommendera?"
    }
  }
  survey "final" {
    opens  = "end-14d"
    closes = "end"
    sus {}
  }
}
`

type participantEnv struct {
	o     *Orchestrator
	store *sqlstore.Store
	rt    *fake.Runtime
	clock *clock
}

func newParticipantEnv(t *testing.T) *participantEnv {
	t.Helper()
	c := &clock{t: start.Add(-10 * 24 * time.Hour)}
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = c.Now
	t.Cleanup(func() { st.Close() })
	rt := fake.New(fake.Options{Instance: "test", Now: c.Now})
	o, err := New(Config{Store: st, Feedback: st, Runtime: rt, Instance: "test", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Wait)
	return &participantEnv{o: o, store: st, rt: rt, clock: c}
}

// submitPilot stores the test pilot under name and invites one participant
// to each cohort.
func (e *participantEnv) submitPilot(t *testing.T, name string) (p pilots.Pilot, vaster, oster string) {
	t.Helper()
	src := []byte(participantHCL)
	if name != "tillsyn" {
		src = []byte(replaceOnce(participantHCL, `pilot "tillsyn"`, `pilot "`+name+`"`))
	}
	p, err := e.o.Submit(t.Context(), "alice", "pilot.hcl", src)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	a, err := e.o.Invite(t.Context(), "alice", p.ID, "vaster", 1)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	b, err := e.o.Invite(t.Context(), "alice", p.ID, "oster", 1)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	return p, a[0].Secret, b[0].Secret
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// run starts the pilot at its start date and waits until it runs.
func (e *participantEnv) run(t *testing.T, p pilots.Pilot) {
	t.Helper()
	e.clock.Set(start.Add(time.Hour))
	if _, err := e.o.Start(t.Context(), "alice", p.ID, "test"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	e.o.Wait()
	if err := e.o.Tick(t.Context()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
	got, err := e.o.Pilot(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pilots.StatusRunning {
		t.Fatalf("Status=%v, want running", got.Status)
	}
}

type surveyWant struct{ open, upcoming, answered bool }

func surveyStatesOf(t *testing.T, v pilots.ParticipantView) map[string]surveyWant {
	t.Helper()
	out := map[string]surveyWant{}
	for _, s := range v.Surveys {
		out[s.Survey.Name] = surveyWant{s.Open, s.Upcoming, s.Answered != nil}
	}
	return out
}

func TestParticipantView(t *testing.T) {
	e := newParticipantEnv(t)
	ctx := t.Context()
	p, secret, _ := e.submitPilot(t, "tillsyn")

	for _, bad := range []string{"", "  ", "nosuchsecret"} {
		_, err := e.o.ParticipantView(ctx, bad)
		wantCode(t, err, pilots.ENOTFOUND)
	}

	v, err := e.o.ParticipantView(ctx, secret)
	if err != nil {
		t.Fatalf("ParticipantView: %v", err)
	}
	if v.Pilot.ID != p.ID || v.Participant.ID != "P-0001" || v.Candidate == nil || v.Candidate.Name != "a" {
		t.Fatalf("view=%+v, want pilot %s, P-0001, candidate a", v, p.ID)
	}
	// A draft pilot's surveys are all still to come.
	want := map[string]surveyWant{"baseline": {upcoming: true}, "anon": {upcoming: true}, "final": {upcoming: true}}
	if got := surveyStatesOf(t, v); !equalStates(got, want) {
		t.Fatalf("draft surveys=%v, want %v", got, want)
	}

	e.run(t, p)
	tests := []struct {
		at   time.Time
		want map[string]surveyWant
	}{
		{start.Add(time.Hour), map[string]surveyWant{"baseline": {open: true}, "anon": {open: true}, "final": {upcoming: true}}},
		{start.Add(8 * 24 * time.Hour), map[string]surveyWant{"baseline": {}, "anon": {open: true}, "final": {upcoming: true}}},
		{time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC), map[string]surveyWant{"baseline": {}, "anon": {open: true}, "final": {open: true}}},
	}
	for _, tt := range tests {
		e.clock.Set(tt.at)
		v, err := e.o.ParticipantView(ctx, secret)
		if err != nil {
			t.Fatal(err)
		}
		if got := surveyStatesOf(t, v); !equalStates(got, tt.want) {
			t.Errorf("at %v: surveys=%v, want %v", tt.at, got, tt.want)
		}
	}

	// A survey closed by hand is closed, not upcoming, even before its window.
	e.clock.Set(start.Add(time.Hour))
	if err := e.o.SetSurveyState(ctx, "alice", p.ID, "final", pilots.SurveyClosed); err != nil {
		t.Fatal(err)
	}
	v, _ = e.o.ParticipantView(ctx, secret)
	if got := surveyStatesOf(t, v)["final"]; got != (surveyWant{}) {
		t.Errorf("final closed by hand=%+v, want closed", got)
	}

	// Revoked invitations lead nowhere.
	if err := e.o.RevokeParticipant(ctx, "alice", p.ID, "P-0001"); err != nil {
		t.Fatal(err)
	}
	_, err = e.o.ParticipantView(ctx, secret)
	wantCode(t, err, pilots.ENOTFOUND)
}

func equalStates(a, b map[string]surveyWant) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSubmitResponse(t *testing.T) {
	e := newParticipantEnv(t)
	ctx := t.Context()
	p, secret, osterSecret := e.submitPilot(t, "tillsyn")
	minutes := 12.5
	answers := pilots.Answers{"minutes": {Number: &minutes}}

	// Before the pilot runs, nothing is open.
	_, _, err := e.o.SubmitResponse(ctx, secret, "baseline", answers)
	wantCode(t, err, pilots.ECONFLICT)

	e.run(t, p)
	tests := []struct {
		name    string
		secret  string
		survey  string
		answers pilots.Answers
		code    string
	}{
		{"unknown secret", "nope", "baseline", answers, pilots.ENOTFOUND},
		{"unknown survey", secret, "nope", answers, pilots.ENOTFOUND},
		{"not yet open", secret, "final", pilots.Answers{}, pilots.ECONFLICT},
		{"missing answer", secret, "baseline", pilots.Answers{}, pilots.EINVALID},
		{"unknown question", secret, "baseline", pilots.Answers{"minutes": {Number: &minutes}, "x": {Text: "y"}}, pilots.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.o.SubmitResponse(ctx, tt.secret, tt.survey, tt.answers)
			wantCode(t, err, tt.code)
		})
	}

	first, created, err := e.o.SubmitResponse(ctx, secret, "baseline", answers)
	if err != nil || !created {
		t.Fatalf("SubmitResponse=%v, created=%v; want created", err, created)
	}
	if first.Receipt == "" || first.Participant != "P-0001" || first.Cohort != "vaster" {
		t.Fatalf("response=%+v, want receipt, P-0001, cohort vaster", first)
	}
	again, created, err := e.o.SubmitResponse(ctx, secret, "baseline", answers)
	if err != nil || created || again.Receipt != first.Receipt {
		t.Fatalf("repeat=%+v, created=%v, err=%v; want the same receipt, not created", again, created, err)
	}

	// Once closed, a repeat still shows the receipt; a first answer is refused.
	e.clock.Set(start.Add(8 * 24 * time.Hour))
	again, created, err = e.o.SubmitResponse(ctx, secret, "baseline", answers)
	if err != nil || created || again.Receipt != first.Receipt {
		t.Fatalf("repeat after close=%+v, created=%v, err=%v; want the same receipt", again, created, err)
	}

	nine := 9
	anon, created, err := e.o.SubmitResponse(ctx, secret, "anon", pilots.Answers{"recommend": {Int: &nine}})
	if err != nil || !created {
		t.Fatalf("anonymous SubmitResponse=%v, created=%v", err, created)
	}
	if anon.Participant != "" || anon.Receipt == "" {
		t.Fatalf("anonymous response=%+v, want no participant and a receipt", anon)
	}
	v, err := e.o.ParticipantView(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Surveys {
		if s.Survey.Name == "anon" && (s.Answered == nil || s.Answered.Receipt != anon.Receipt) {
			t.Errorf("anon answered=%+v, want receipt %s", s.Answered, anon.Receipt)
		}
	}
	var named, anonymous int
	err = e.store.ForEachResponse(ctx, p.ID, func(r pilots.Response) error {
		if r.Participant == "" {
			anonymous++
		} else {
			named++
		}
		return nil
	})
	if err != nil || named != 1 || anonymous != 1 {
		t.Fatalf("stored named=%d anonymous=%d (%v), want 1 and 1", named, anonymous, err)
	}

	// Closing freezes the surveys.
	if _, err := e.o.Close(ctx, "alice", p.ID, "done"); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	_, _, err = e.o.SubmitResponse(ctx, osterSecret, "anon", pilots.Answers{"recommend": {Int: &nine}})
	wantCode(t, err, pilots.ECONFLICT)
	v, err = e.o.ParticipantView(ctx, osterSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := surveyStatesOf(t, v)["anon"]; got != (surveyWant{}) {
		t.Errorf("anon after close=%+v, want closed", got)
	}
}

func TestEndpointAndUse(t *testing.T) {
	e := newParticipantEnv(t)
	ctx := t.Context()
	p, secret, osterSecret := e.submitPilot(t, "tillsyn")
	q, otherSecret, _ := e.submitPilot(t, "annan")

	_, err := e.o.Endpoint(ctx, secret, p.Name)
	wantCode(t, err, pilots.EUNAVAILABLE) // a draft has no testbed

	e.run(t, p)
	e.rt.SetEndpoint(testbeds.ID{Pilot: p.ID, Candidate: "a"}, "web", "http://127.0.0.1:1234")
	e.rt.SetEndpoint(testbeds.ID{Pilot: p.ID, Candidate: "b"}, "web", "http://127.0.0.1:5678")

	tests := []struct {
		name, secret, pilot, want, code string
	}{
		{"by name", secret, p.Name, "http://127.0.0.1:1234", ""},
		{"by id", secret, p.ID, "http://127.0.0.1:1234", ""},
		{"other cohort", osterSecret, p.Name, "http://127.0.0.1:5678", ""},
		{"other pilot", secret, q.Name, "", pilots.ENOTFOUND},
		{"other pilot's participant", otherSecret, p.Name, "", pilots.ENOTFOUND},
		{"unknown", "nope", p.Name, "", pilots.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.o.Endpoint(ctx, tt.secret, tt.pilot)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Fatalf("Endpoint=%q, want %q", got, tt.want)
			}
		})
	}

	for range 3 {
		if err := e.o.RecordUse(ctx, secret, 2); err != nil {
			t.Fatalf("RecordUse: %v", err)
		}
	}
	wantCode(t, e.o.RecordUse(ctx, "nope", 1), pilots.ENOTFOUND)
	wantCode(t, e.o.RecordUse(ctx, secret, -1), pilots.EINVALID)
	usage, err := e.store.UsageDays(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := pilots.Usage{PilotID: p.ID, Participant: "P-0001", Day: "2027-01-11", Requests: 6}
	if len(usage) != 1 || usage[0] != want {
		t.Fatalf("usage=%+v, want [%+v]", usage, want)
	}
}

func TestParticipantFeaturesNeedFeedbackStore(t *testing.T) {
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o, err := New(Config{Store: st, Runtime: fake.New(fake.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.ParticipantView(t.Context(), "x")
	wantCode(t, err, pilots.EUNAVAILABLE)
}
