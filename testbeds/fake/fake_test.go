package fake_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/testbeds"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

var idA = testbeds.ID{Pilot: "p1", Candidate: "a"}

func plan(id testbeds.ID, instance string, hashes ...string) testbeds.Plan {
	p := testbeds.Plan{ID: id, Instance: instance, Network: testbeds.Network{Name: "pb-" + id.Pilot + "-" + id.Candidate}, Entry: "web"}
	names := []string{"web", "db", "cache"}
	for i, h := range hashes {
		p.Services = append(p.Services, testbeds.Service{Name: names[i], Image: "img", Port: 8080, Hash: h})
	}
	p.Volumes = []testbeds.Volume{{Name: "data"}, {Name: "archive", Keep: true}}
	return p
}

func containerIDs(tb testbeds.Testbed) map[string]string {
	m := map[string]string{}
	for _, s := range tb.Services {
		m[s.Name] = s.ContainerID
	}
	return m
}

func TestApplyIsIdempotentByHash(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{})
	first, err := r.Apply(ctx, plan(idA, "i", "h1", "h2"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.Apply(ctx, plan(idA, "i", "h1", "h2"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := containerIDs(again), containerIDs(first); !maps.Equal(got, want) {
		t.Fatalf("containers after second apply = %v, want %v", got, want)
	}
	if got, want := r.Calls().Created, 2; got != want {
		t.Fatalf("Created=%d, want %d", got, want)
	}
	changed, err := r.Apply(ctx, plan(idA, "i", "h1", "h2b"))
	if err != nil {
		t.Fatal(err)
	}
	got, old := containerIDs(changed), containerIDs(first)
	if got["web"] != old["web"] {
		t.Fatalf("unchanged web recreated: %s -> %s", old["web"], got["web"])
	}
	if got["db"] == old["db"] {
		t.Fatalf("changed db kept container %s", got["db"])
	}
	shrunk, err := r.Apply(ctx, plan(idA, "i", "h1"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(shrunk.Services), 1; got != want {
		t.Fatalf("services after removing db = %d, want %d", got, want)
	}
}

func TestApplyRejectsBadPlans(t *testing.T) {
	tests := []struct {
		name string
		plan testbeds.Plan
	}{
		{"no candidate", testbeds.Plan{ID: testbeds.ID{Pilot: "p"}}},
		{"duplicate service", testbeds.Plan{ID: idA, Services: []testbeds.Service{{Name: "s", Image: "i"}, {Name: "s", Image: "i"}}}},
		{"no image", testbeds.Plan{ID: idA, Services: []testbeds.Service{{Name: "s"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fake.New(fake.Options{}).Apply(t.Context(), tt.plan)
			if !errors.Is(err, testbeds.ErrInvalidPlan) {
				t.Fatalf("err=%v, want ErrInvalidPlan", err)
			}
		})
	}
}

func TestDestroyIsIdempotentAndKeepsVolumes(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{})
	if err := r.Destroy(ctx, idA, testbeds.DestroyOptions{}); err != nil {
		t.Fatalf("Destroy of a missing testbed: %v", err)
	}
	if _, err := r.Apply(ctx, plan(idA, "i", "h1")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.Destroy(ctx, idA, testbeds.DestroyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := r.Volumes(idA), []string{"archive"}; !slices.Equal(got, want) {
		t.Fatalf("Volumes=%v, want %v", got, want)
	}
	tbs, err := r.Testbeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbs) != 0 {
		t.Fatalf("Testbeds after destroy = %v, want none", tbs)
	}
	if err := r.Destroy(ctx, idA, testbeds.DestroyOptions{RemoveKept: true}); err != nil {
		t.Fatal(err)
	}
	if got := r.Volumes(idA); len(got) != 0 {
		t.Fatalf("Volumes after RemoveKept = %v, want none", got)
	}
}

func TestSweepHonoursGraceAndInstance(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)
	r := fake.New(fake.Options{Instance: "mine", Now: func() time.Time { return now }})
	idB := testbeds.ID{Pilot: "p1", Candidate: "b"}
	idOther := testbeds.ID{Pilot: "p2", Candidate: "x"}
	for _, p := range []testbeds.Plan{plan(idA, "mine", "h"), plan(idB, "mine", "h"), plan(idOther, "theirs", "h")} {
		if _, err := r.Apply(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ids := func() []testbeds.ID {
		tbs, err := r.Testbeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []testbeds.ID
		for _, tb := range tbs {
			out = append(out, tb.ID)
		}
		return out
	}
	if got, want := ids(), []testbeds.ID{idA, idB}; !slices.Equal(got, want) {
		t.Fatalf("Testbeds=%v, want %v", got, want)
	}
	keep := []testbeds.ID{idA}
	if err := r.Sweep(ctx, keep, time.Minute); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second)
	if err := r.Sweep(ctx, keep, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(), []testbeds.ID{idA, idB}; !slices.Equal(got, want) {
		t.Fatalf("Testbeds within grace = %v, want %v", got, want)
	}
	now = now.Add(31 * time.Second)
	if err := r.Sweep(ctx, keep, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(), []testbeds.ID{idA}; !slices.Equal(got, want) {
		t.Fatalf("Testbeds after grace = %v, want %v", got, want)
	}
	if _, ok := r.Plan(idOther); !ok {
		t.Fatal("Sweep removed another instance's testbed")
	}
}

func TestEventsFanOut(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{})
	a, b := r.Events(ctx), r.Events(ctx)
	if _, err := r.Apply(ctx, plan(idA, "i", "h")); err != nil {
		t.Fatal(err)
	}
	if err := r.SetHealth(idA, "web", testbeds.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	want := []testbeds.EventKind{testbeds.EventCreated, testbeds.EventStarted, testbeds.EventHealthy}
	for _, ch := range []<-chan testbeds.Event{a, b} {
		for _, k := range want {
			if ev := <-ch; ev.Kind != k || ev.ID != idA || ev.Service != "web" {
				t.Fatalf("event=%+v, want %s of %s/web", ev, k, idA)
			}
		}
	}
}

func TestEventsCloseWithContext(t *testing.T) {
	r := fake.New(fake.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	ch := r.Events(ctx)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("got an event, want closed channel")
		}
	case <-time.After(time.Second):
		t.Fatal("channel not closed after cancel")
	}
}

func TestSlowSubscriberNeverBlocks(t *testing.T) {
	r := fake.New(fake.Options{EventBuffer: 1})
	_ = r.Events(t.Context()) // never read
	for i := range 10 {
		if _, err := r.Apply(t.Context(), plan(idA, "i", "h"+string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCrashAndHealth(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{AutoHealthy: true})
	ch := r.Events(ctx)
	if _, err := r.Apply(ctx, plan(idA, "i", "h")); err != nil {
		t.Fatal(err)
	}
	if err := r.Crash(idA, "web", true); err != nil {
		t.Fatal(err)
	}
	if err := r.Crash(idA, "web", false); err != nil {
		t.Fatal(err)
	}
	var got []testbeds.EventKind
	for range 7 {
		got = append(got, (<-ch).Kind)
	}
	want := []testbeds.EventKind{testbeds.EventCreated, testbeds.EventStarted, testbeds.EventHealthy,
		testbeds.EventDied, testbeds.EventRestarted, testbeds.EventDied, testbeds.EventGaveUp}
	if !slices.Equal(got, want) {
		t.Fatalf("events=%v, want %v", got, want)
	}
	tbs, err := r.Testbeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := tbs[0].Services[0]
	if st.State != testbeds.StateExited || st.Restarts != 1 {
		t.Fatalf("status=%+v, want exited with 1 restart", st)
	}
	if _, err := r.Endpoint(ctx, idA, "web"); !errors.Is(err, testbeds.ErrNotRunning) {
		t.Fatalf("Endpoint of exited service err=%v, want ErrNotRunning", err)
	}
	// Applying the same plan starts the stopped container again.
	tb, err := r.Apply(ctx, plan(idA, "i", "h"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tb.Services[0].State, testbeds.StateRunning; got != want {
		t.Fatalf("State=%s, want %s", got, want)
	}
}

func TestFailMakesEveryCallFail(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{})
	ch := r.Events(ctx)
	if _, err := r.Apply(ctx, plan(idA, "i", "h")); err != nil {
		t.Fatal(err)
	}
	<-ch
	<-ch
	r.Fail(errors.New("connection refused"))
	if ev := <-ch; ev.Kind != testbeds.EventUnknown {
		t.Fatalf("event=%s, want unknown", ev.Kind)
	}
	checks := map[string]error{
		"Ping":     r.Ping(ctx),
		"Apply":    func() error { _, err := r.Apply(ctx, plan(idA, "i", "h")); return err }(),
		"Destroy":  r.Destroy(ctx, idA, testbeds.DestroyOptions{}),
		"Sweep":    r.Sweep(ctx, nil, 0),
		"Testbeds": func() error { _, err := r.Testbeds(ctx); return err }(),
		"Endpoint": func() error { _, err := r.Endpoint(ctx, idA, "web"); return err }(),
	}
	for name, err := range checks {
		if !errors.Is(err, testbeds.ErrUnavailable) {
			t.Errorf("%s err=%v, want ErrUnavailable", name, err)
		}
	}
	r.Fail(nil)
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("Ping after recovery: %v", err)
	}
	if tbs, err := r.Testbeds(ctx); err != nil || len(tbs) != 1 {
		t.Fatalf("Testbeds after recovery = %v, %v; want the testbed kept", tbs, err)
	}
}

func TestEndpoint(t *testing.T) {
	ctx := t.Context()
	r := fake.New(fake.Options{})
	if _, err := r.Endpoint(ctx, idA, "web"); !errors.Is(err, testbeds.ErrNotRunning) {
		t.Fatalf("err=%v, want ErrNotRunning", err)
	}
	if _, err := r.Apply(ctx, plan(idA, "i", "h")); err != nil {
		t.Fatal(err)
	}
	got, err := r.Endpoint(ctx, idA, "web")
	if want := "http://web.a.p1.invalid:8080"; err != nil || got != want {
		t.Fatalf("Endpoint=%q, %v; want %q", got, err, want)
	}
	r.SetEndpoint(idA, "web", "http://127.0.0.1:1234")
	got, err = r.Endpoint(ctx, idA, "web")
	if want := "http://127.0.0.1:1234"; err != nil || got != want {
		t.Fatalf("Endpoint=%q, %v; want %q", got, err, want)
	}
}
