package storetest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
)

// Run runs the contract suite. open must return a new, empty store for each
// call; the suite closes it (open may also register its own cleanup).
func Run(t *testing.T, open func(t *testing.T) pilots.Store) {
	fresh := func(t *testing.T) pilots.Store {
		t.Helper()
		s := open(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s pilots.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreateInvalid", testCreateInvalid},
		{"NameConflict", testNameConflict},
		{"WithdrawnNameReusable", testWithdrawnNameReusable},
		{"ListNewestFirst", testListNewestFirst},
		{"Transition", testTransition},
		{"TransitionErrors", testTransitionErrors},
		{"Events", testEvents},
		{"EventsUnknownPilot", testEventsUnknownPilot},
		{"Tokens", testTokens},
		{"ConcurrentTransition", testConcurrentTransition},
		{"ConcurrentAddEvent", testConcurrentAddEvent},
		{"SpecRoundTrip", testSpecRoundTrip},
		{"SourceRoundTrip", testSourceRoundTrip},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, fresh(t)) })
	}
}

// base is a time with microsecond precision in UTC.
var base = time.Date(2027, 1, 11, 8, 30, 0, 123456000, time.UTC)

// at returns base plus n minutes.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }

func newPilot(id, name string, created time.Time) pilots.Pilot {
	src := []byte(fmt.Sprintf("pilot %q {\n  title = \"T\"\n}\n", name))
	return pilots.Pilot{
		ID:         id,
		Name:       name,
		Status:     pilots.StatusDraft,
		Spec:       pilots.Spec{Name: name, Title: "Pilot " + name, Language: pilots.LangSwedish},
		Source:     src,
		SourceHash: pilots.HashSecret(string(src)),
		CreatedAt:  created,
		UpdatedAt:  created,
		CreatedBy:  "admin",
	}
}

func submitted(p pilots.Pilot) pilots.Event {
	return pilots.Event{PilotID: p.ID, Time: p.CreatedAt, Actor: p.CreatedBy, Kind: pilots.EventTransition, To: string(p.Status), Reason: "submitted"}
}

func mustCreate(t *testing.T, s pilots.Store, p pilots.Pilot) {
	t.Helper()
	if err := s.CreatePilot(t.Context(), p, submitted(p)); err != nil {
		t.Fatalf("CreatePilot(%s): %v", p.ID, err)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := pilots.ErrorCode(err); got != code {
		t.Fatalf("%s: error code=%q (err %v), want %q", what, got, err, code)
	}
}

func testCreateAndGet(t *testing.T, s pilots.Store) {
	p := newPilot("p_1", "nattillsyn", at(0))
	mustCreate(t, s, p)

	for _, key := range []string{p.ID, p.Name} {
		got, err := s.Pilot(t.Context(), key)
		if err != nil {
			t.Fatalf("Pilot(%q): %v", key, err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("Pilot(%q) mismatch (-want +got):\n%s", key, diff)
		}
	}
	_, err := s.Pilot(t.Context(), "nope")
	wantCode(t, "Pilot(unknown)", err, pilots.ENOTFOUND)

	evs, err := s.Events(t.Context(), p.ID, pilots.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 1 || evs[0].Reason != "submitted" || evs[0].PilotID != p.ID || evs[0].ID == 0 {
		t.Fatalf("Events after create = %+v, want the one submit event with an id", evs)
	}

	dup := newPilot(p.ID, "other-name", at(1))
	err = s.CreatePilot(t.Context(), dup, submitted(dup))
	wantCode(t, "CreatePilot(same id)", err, pilots.ECONFLICT)
}

func testCreateInvalid(t *testing.T, s pilots.Store) {
	tests := []struct {
		name string
		p    pilots.Pilot
	}{
		{"no id", newPilot("", "a", at(0))},
		{"no name", newPilot("p_1", "", at(0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CreatePilot(t.Context(), tt.p, submitted(tt.p))
			wantCode(t, "CreatePilot", err, pilots.EINVALID)
		})
	}
	got, err := s.Pilots(t.Context(), pilots.PilotFilter{})
	if err != nil {
		t.Fatalf("Pilots: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("Pilots after invalid creates = %d pilots, want 0", len(got))
	}
}

func testNameConflict(t *testing.T, s pilots.Store) {
	a := newPilot("p_a", "same", at(0))
	mustCreate(t, s, a)
	b := newPilot("p_b", "same", at(1))
	err := s.CreatePilot(t.Context(), b, submitted(b))
	wantCode(t, "CreatePilot(same name)", err, pilots.ECONFLICT)
	if msg := pilots.ErrorMessage(err); !strings.Contains(msg, `"same"`) || !strings.Contains(msg, a.ID) {
		t.Errorf("conflict message %q should name the pilot and the existing id %s", msg, a.ID)
	}
	// Nothing of the refused pilot is left behind.
	_, err = s.Pilot(t.Context(), b.ID)
	wantCode(t, "Pilot(refused)", err, pilots.ENOTFOUND)
	_, err = s.Events(t.Context(), b.ID, pilots.EventFilter{})
	wantCode(t, "Events(refused)", err, pilots.ENOTFOUND)
}

func testWithdrawnNameReusable(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	name := "reused"
	var ids []string
	for i := range 3 {
		p := newPilot(fmt.Sprintf("p_%d", i), name, at(10*i))
		mustCreate(t, s, p)
		ids = append(ids, p.ID)
		got, err := s.Pilot(ctx, name)
		if err != nil {
			t.Fatalf("Pilot(%q): %v", name, err)
		}
		if got.ID != p.ID {
			t.Fatalf("Pilot(%q).ID=%s, want the newest %s", name, got.ID, p.ID)
		}
		if i < 2 {
			if _, err := s.Transition(ctx, p.ID, pilots.StatusDraft, pilots.StatusWithdrawn, "not needed", pilots.Event{Actor: "admin", Time: at(10*i + 5)}); err != nil {
				t.Fatalf("withdraw %s: %v", p.ID, err)
			}
		}
	}
	// Each stays reachable by id.
	for _, id := range ids {
		got, err := s.Pilot(ctx, id)
		if err != nil || got.ID != id {
			t.Fatalf("Pilot(%s) = %s, %v; want it", id, got.ID, err)
		}
	}
	// A withdrawn pilot cannot come back while another one holds its name.
	_, err := s.Transition(ctx, ids[0], pilots.StatusWithdrawn, pilots.StatusDraft, "", pilots.Event{Actor: "admin"})
	wantCode(t, "Transition(un-withdraw onto taken name)", err, pilots.ECONFLICT)
}

func testListNewestFirst(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	for i, st := range []pilots.Status{pilots.StatusDraft, pilots.StatusScheduled, pilots.StatusDraft, pilots.StatusWithdrawn} {
		p := newPilot(fmt.Sprintf("p_%d", i), fmt.Sprintf("pilot-%d", i), at(i))
		p.Status = st
		mustCreate(t, s, p)
	}
	tests := []struct {
		name   string
		filter pilots.PilotFilter
		want   []string
	}{
		{"all", pilots.PilotFilter{}, []string{"p_3", "p_2", "p_1", "p_0"}},
		{"draft", pilots.PilotFilter{Statuses: []pilots.Status{pilots.StatusDraft}}, []string{"p_2", "p_0"}},
		{"draft or scheduled", pilots.PilotFilter{Statuses: []pilots.Status{pilots.StatusScheduled, pilots.StatusDraft}}, []string{"p_2", "p_1", "p_0"}},
		{"none match", pilots.PilotFilter{Statuses: []pilots.Status{pilots.StatusRunning}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := s.Pilots(ctx, tt.filter)
			if err != nil {
				t.Fatalf("Pilots: %v", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pilots ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testTransition(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	p := newPilot("p_1", "flow", at(0))
	mustCreate(t, s, p)

	got, err := s.Transition(ctx, p.ID, pilots.StatusDraft, pilots.StatusScheduled, "approved by the board",
		pilots.Event{Actor: "anna", Time: at(5), Kind: pilots.EventTransition})
	if err != nil {
		t.Fatalf("Transition: %v", err)
	}
	if got.Status != pilots.StatusScheduled || got.Reason != "approved by the board" {
		t.Errorf("Transition returned status %s reason %q, want scheduled, the reason", got.Status, got.Reason)
	}
	stored, err := s.Pilot(ctx, p.ID)
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	if diff := cmp.Diff(got, stored); diff != "" {
		t.Errorf("stored pilot differs from the one Transition returned (-returned +stored):\n%s", diff)
	}
	if !stored.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("CreatedAt changed to %v, want %v", stored.CreatedAt, p.CreatedAt)
	}

	evs, err := s.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTransition})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d transition events, want 2: %+v", len(evs), evs)
	}
	ev := evs[1]
	want := pilots.Event{ID: ev.ID, PilotID: p.ID, Time: at(5), Actor: "anna", Kind: pilots.EventTransition,
		From: string(pilots.StatusDraft), To: string(pilots.StatusScheduled), Reason: "approved by the board"}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("transition event mismatch (-want +got):\n%s", diff)
	}
	if ev.ID <= evs[0].ID {
		t.Errorf("event ids not increasing: %d then %d", evs[0].ID, ev.ID)
	}
}

func testTransitionErrors(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	p := newPilot("p_1", "flow", at(0))
	mustCreate(t, s, p)

	_, err := s.Transition(ctx, p.ID, pilots.StatusRunning, pilots.StatusClosing, "", pilots.Event{Actor: "a"})
	wantCode(t, "Transition(wrong from)", err, pilots.ECONFLICT)
	_, err = s.Transition(ctx, "p_missing", pilots.StatusDraft, pilots.StatusScheduled, "", pilots.Event{Actor: "a"})
	wantCode(t, "Transition(unknown id)", err, pilots.ENOTFOUND)

	// Failed transitions change nothing and record nothing.
	got, err := s.Pilot(ctx, p.ID)
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	if got.Status != pilots.StatusDraft {
		t.Errorf("Status=%s after failed transitions, want draft", got.Status)
	}
	evs, err := s.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 1 {
		t.Errorf("got %d events after failed transitions, want only the submit event", len(evs))
	}
}

func testEvents(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	p := newPilot("p_1", "events", at(0))
	mustCreate(t, s, p)
	kinds := []string{pilots.EventTestbed, pilots.EventSurvey, pilots.EventTestbed, pilots.EventInvitation, pilots.EventTestbed}
	var added []pilots.Event
	for i, k := range kinds {
		in := pilots.Event{PilotID: p.ID, Time: at(i + 1), Actor: "runtime", Kind: k, From: "starting", To: "healthy",
			Reason: fmt.Sprintf("reason %d", i), Candidate: "leverantor-a", Service: "web"}
		ev, err := s.AddEvent(ctx, in)
		if err != nil {
			t.Fatalf("AddEvent: %v", err)
		}
		if ev.ID == 0 {
			t.Fatalf("AddEvent returned no id")
		}
		in.ID = ev.ID
		if diff := cmp.Diff(in, ev); diff != "" {
			t.Fatalf("AddEvent result mismatch (-want +got):\n%s", diff)
		}
		added = append(added, ev)
	}
	all, err := s.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(all) != 6 {
		t.Fatalf("got %d events, want 6", len(all))
	}
	if diff := cmp.Diff(added, all[1:]); diff != "" {
		t.Errorf("Events mismatch (-want +got):\n%s", diff)
	}

	ids := func(evs []pilots.Event) []int64 {
		var r []int64
		for _, e := range evs {
			r = append(r, e.ID)
		}
		return r
	}
	tests := []struct {
		name   string
		filter pilots.EventFilter
		want   []int64
	}{
		{"after", pilots.EventFilter{After: added[2].ID}, ids(added[3:])},
		{"limit", pilots.EventFilter{Limit: 2}, ids(all[:2])},
		{"after and limit", pilots.EventFilter{After: added[0].ID, Limit: 2}, ids(added[1:3])},
		{"kind", pilots.EventFilter{Kind: pilots.EventTestbed}, []int64{added[0].ID, added[2].ID, added[4].ID}},
		{"kind after limit", pilots.EventFilter{Kind: pilots.EventTestbed, After: added[0].ID, Limit: 1}, []int64{added[2].ID}},
		{"after the last", pilots.EventFilter{After: added[4].ID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := s.Events(ctx, p.ID, tt.filter)
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(evs)); diff != "" {
				t.Errorf("event ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testEventsUnknownPilot(t *testing.T, s pilots.Store) {
	_, err := s.AddEvent(t.Context(), pilots.Event{PilotID: "p_missing", Kind: pilots.EventTestbed, Actor: "runtime", Time: at(0)})
	wantCode(t, "AddEvent(unknown pilot)", err, pilots.ENOTFOUND)
	_, err = s.Events(t.Context(), "p_missing", pilots.EventFilter{})
	wantCode(t, "Events(unknown pilot)", err, pilots.ENOTFOUND)
}

func testTokens(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	admin := pilots.Token{ID: "t_1", Name: "bootstrap", Role: pilots.RoleAdmin, Hash: pilots.HashSecret("pbt_one"), CreatedAt: at(0)}
	if err := s.CreateToken(ctx, admin); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	got, err := s.TokenByHash(ctx, admin.Hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if diff := cmp.Diff(admin, got); diff != "" {
		t.Errorf("TokenByHash mismatch (-want +got):\n%s", diff)
	}
	_, err = s.TokenByHash(ctx, pilots.HashSecret("pbt_unknown"))
	wantCode(t, "TokenByHash(unknown)", err, pilots.ENOTFOUND)

	conflicts := []struct {
		name string
		tok  pilots.Token
	}{
		{"same name", pilots.Token{ID: "t_2", Name: "bootstrap", Role: pilots.RoleViewer, Hash: pilots.HashSecret("pbt_two"), CreatedAt: at(1)}},
		{"same hash", pilots.Token{ID: "t_3", Name: "ci", Role: pilots.RoleViewer, Hash: admin.Hash, CreatedAt: at(1)}},
	}
	for _, tt := range conflicts {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "CreateToken", s.CreateToken(ctx, tt.tok), pilots.ECONFLICT)
		})
	}

	revokedAt := at(3)
	revoked := pilots.Token{ID: "t_4", Name: "old", Role: pilots.RoleViewer, Hash: pilots.HashSecret("pbt_old"), CreatedAt: at(2), RevokedAt: &revokedAt}
	if err := s.CreateToken(ctx, revoked); err != nil {
		t.Fatalf("CreateToken(revoked): %v", err)
	}
	_, err = s.TokenByHash(ctx, revoked.Hash)
	wantCode(t, "TokenByHash(revoked)", err, pilots.ENOTFOUND)

	viewer := pilots.Token{ID: "t_5", Name: "dashboard", Role: pilots.RoleViewer, Hash: pilots.HashSecret("pbt_five"), CreatedAt: at(4)}
	if err := s.CreateToken(ctx, viewer); err != nil {
		t.Fatalf("CreateToken(viewer): %v", err)
	}
	n, err := s.CountTokens(ctx)
	if err != nil {
		t.Fatalf("CountTokens: %v", err)
	}
	if n != 2 {
		t.Errorf("CountTokens=%d, want 2 (the revoked one does not count)", n)
	}
}

func testConcurrentTransition(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	p := newPilot("p_1", "race", at(0))
	mustCreate(t, s, p)

	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Transition(ctx, p.ID, pilots.StatusDraft, pilots.StatusScheduled, "",
				pilots.Event{Actor: fmt.Sprintf("worker-%d", i), Time: at(1)})
		})
	}
	close(start)
	wg.Wait()

	won := 0
	for i, err := range errs {
		switch pilots.ErrorCode(err) {
		case "":
			won++
		case pilots.ECONFLICT:
		default:
			t.Errorf("worker %d: %v, want nil or a conflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d transitions won, want exactly 1", won)
	}
	evs, err := s.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events, want the submit and one transition", len(evs))
	}
}

func testConcurrentAddEvent(t *testing.T, s pilots.Store) {
	ctx := t.Context()
	p := newPilot("p_1", "busy", at(0))
	mustCreate(t, s, p)

	const n = 200
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ev, err := s.AddEvent(ctx, pilots.Event{PilotID: p.ID, Time: at(1), Actor: "probe", Kind: pilots.EventTestbed,
				Reason: fmt.Sprintf("%d", i)})
			ids[i], errs[i] = ev.ID, err
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("AddEvent %d: %v", i, errs[i])
		}
		if seen[ids[i]] {
			t.Fatalf("event id %d returned twice", ids[i])
		}
		seen[ids[i]] = true
	}
	evs, err := s.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTestbed})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != n {
		t.Fatalf("got %d events, want %d", len(evs), n)
	}
	for i, ev := range evs {
		if !seen[ev.ID] {
			t.Fatalf("stored event %d was never returned by AddEvent", ev.ID)
		}
		if i > 0 && ev.ID <= evs[i-1].ID {
			t.Fatalf("events out of order: %d after %d", ev.ID, evs[i-1].ID)
		}
	}
}

func testSpecRoundTrip(t *testing.T, s pilots.Store) {
	p := newPilot("p_1", "full", at(0))
	p.Spec = FullSpec()
	p.Name = p.Spec.Name
	mustCreate(t, s, p)
	got, err := s.Pilot(t.Context(), p.ID)
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	if diff := cmp.Diff(p.Spec, got.Spec); diff != "" {
		t.Errorf("Spec did not round-trip (-want +got):\n%s", diff)
	}
}

func testSourceRoundTrip(t *testing.T, s pilots.Store) {
	// Not valid UTF-8, with NUL bytes and CRLF: the source is kept as bytes.
	src := []byte("pilot \"x\" {\r\n\x00\xff\xfe title = \"Å\"\n}\x00")
	p := newPilot("p_1", "bytes", at(0))
	p.Source = src
	p.SourceHash = pilots.HashSecret(string(src))
	mustCreate(t, s, p)
	got, err := s.Pilot(t.Context(), p.ID)
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	if !bytes.Equal(got.Source, src) {
		t.Errorf("Source=%q, want %q", got.Source, src)
	}
	if got.SourceHash != p.SourceHash {
		t.Errorf("SourceHash=%q, want %q", got.SourceHash, p.SourceHash)
	}
}

func testPing(t *testing.T, s pilots.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// FullSpec returns a spec with every field set, for round-trip tests.
func FullSpec() pilots.Spec {
	f := func(v float64) *float64 { return &v }
	cet := time.FixedZone("CET", 3600)
	return pilots.Spec{
		Name:        "digital-nattillsyn",
		Title:       "Digital nattillsyn i hemtjänsten",
		Description: "Kameratillsyn nattetid som alternativ till fysiska besök.",
		Owner:       "Vård- och omsorgsförvaltningen",
		Contact:     "testledare@mittkoping.se",
		Start:       time.Date(2027, 1, 11, 0, 0, 0, 0, cet),
		End:         time.Date(2027, 3, 31, 23, 59, 59, 0, cet),
		Priority:    2,
		BudgetSEK:   250000,
		Language:    pilots.LangSwedish,
		Classification: pilots.Classification{
			Confidentiality: 2, Integrity: 3, Availability: 1,
		},
		Retention: pilots.Retention{Keep: 365 * 24 * time.Hour, Decision: "KS 2026/123", Export: []string{"responses", "report"}},
		Privacy:   pilots.Privacy{Controller: "Mittkopings kommun", LegalBasis: "allmänt intresse (GDPR art. 6.1 e)", Contact: "dso@mittkoping.se"},
		Candidates: []pilots.Candidate{{
			Name:   "leverantor-a",
			Vendor: "Leverantör A AB",
			Entry:  "web",
			Egress: true,
			Services: []pilots.Service{{
				Name:        "web",
				Image:       "pilotbed-demo:latest",
				Port:        8080,
				Env:         map[string]string{"MODE": "pilot", "EMPTY": ""},
				Command:     []string{"/app", "--listen", ":8080"},
				MemoryBytes: 256 << 20,
				CPUs:        0.5,
				PIDs:        128,
				ReadOnly:    true,
				CapAdd:      []string{"NET_BIND_SERVICE"},
				Health:      &pilots.Health{HTTP: "/healthz", Interval: 10 * time.Second, Timeout: 2 * time.Second, Retries: 3},
				Volumes:     []pilots.Volume{{Name: "data", Path: "/var/lib/app", Keep: true}},
			}},
		}},
		Cohorts: []pilots.Cohort{{Name: "vaster", Candidate: "leverantor-a", Participants: 12}},
		Surveys: []pilots.Survey{{
			Name:      "final",
			Title:     pilots.Text{"sv": "Slutenkät", "en": "Final survey"},
			Opens:     time.Date(2027, 3, 17, 0, 0, 0, 0, cet),
			Closes:    time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC),
			Anonymous: true,
			Questions: []pilots.Question{
				{
					Name: "sus_1", Type: pilots.Likert, Text: pilots.Text{"sv": "Jag tror att jag skulle vilja använda systemet ofta."},
					Help: pilots.Text{"en": "1 = strongly disagree"}, Optional: true, Scale: 5,
					Labels:     []pilots.Text{{"sv": "Instämmer inte alls"}, {"sv": "Instämmer helt"}},
					Instrument: pilots.InstrumentSUS, Item: 1,
				},
				{Name: "minutes", Type: pilots.Number, Text: pilots.Text{"sv": "Minuter?"}, Min: f(0), Max: f(240.5), Unit: "min"},
				{Name: "channel", Type: pilots.Choice, Text: pilots.Text{"sv": "Kanal"}, Options: []pilots.Option{
					{Value: "app", Text: pilots.Text{"sv": "App"}}, {Value: "web", Text: pilots.Text{"en": "Web"}},
				}},
			},
		}},
		Benefits: []pilots.Benefit{{
			Name: "tid-per-besok", Description: "Minskad tid per tillsynsbesök",
			Measure:  pilots.Expr{Source: "survey.final.minutes.mean", Filename: "pilot.hcl", Line: 70, Column: 16},
			Baseline: pilots.Expr{Source: "survey.baseline.minutes.mean", Filename: "pilot.hcl", Line: 71, Column: 16},
			Target:   pilots.Expr{Source: "10", Filename: "pilot.hcl", Line: 72, Column: 16},
			Unit:     "min", Owner: "Enhetschef hemtjänst",
		}},
		Criteria: []pilots.Criterion{
			{Name: "anvandbarhet", Measure: pilots.Expr{Source: "sus", Filename: "pilot.hcl", Line: 78, Column: 16}, AtLeast: f(68), Must: true},
			{Name: "svarstid", Measure: pilots.Expr{Source: "uptime"}, AtLeast: f(0.5), AtMost: f(0.999)},
		},
	}
}
