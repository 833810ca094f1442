package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

func TestEventsCmd(t *testing.T) {
	srv := apitest.NewServer(t)
	env := clientEnv(srv, srv.Admin)
	wantExit(t, runClient(t, t.Context(), env, testPilot, "pilots", "submit", "-"), exitOK)
	wantExit(t, runClient(t, t.Context(), env, "", "pilots", "approve", "nattillsyn", "--reason", "ok\tby\nKS"), exitOK)
	srv.Service.AddEvent(pilots.Event{PilotID: "p_0001", Actor: "runtime", Kind: pilots.EventTestbed, From: "creating", To: "running", Candidate: "a", Service: "web"})

	r := runClient(t, t.Context(), clientEnv(srv, srv.Viewer), "", "events", "nattillsyn")
	wantExit(t, r, exitOK)
	want := `TIME                  ACTOR    KIND        FROM      TO         CANDIDATE  SERVICE  REASON
2027-01-04T09:00:03Z  admin    transition  -         draft      -          -        submitted
2027-01-04T09:00:04Z  admin    transition  draft     scheduled  -          -        ok by KS
2027-01-04T09:00:05Z  runtime  testbed     creating  running    a          web      -
`
	if r.stdout != want {
		t.Errorf("events:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = runClient(t, t.Context(), env, "", "events", "nattillsyn", "--kind", "testbed", "-o", "json")
	wantExit(t, r, exitOK)
	got := decodeClientJSON[api.EventList](t, r.stdout)
	if len(got.Events) != 1 || got.Events[0].Candidate != "a" {
		t.Errorf("json=%+v", got)
	}

	r = runClient(t, t.Context(), env, "", "events", "nattillsyn", "--kind", "bogus")
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, `unknown event kind "bogus"`) {
		t.Errorf("stderr=%q", r.stderr)
	}
}

func TestEventsFollow(t *testing.T) {
	defer func(d time.Duration) { followInterval = d }(followInterval)
	followInterval = 20 * time.Millisecond

	srv := apitest.NewServer(t)
	env := clientEnv(srv, srv.Admin)
	wantExit(t, runClient(t, t.Context(), env, testPilot, "pilots", "submit", "-"), exitOK)

	// Events that arrive while following are printed once each.
	go func() {
		time.Sleep(100 * time.Millisecond)
		srv.Service.AddEvent(pilots.Event{PilotID: "p_0001", Actor: "runtime", Kind: pilots.EventTestbed, To: "running", Candidate: "b", Service: "db"})
	}()
	r := runClient(t, clientDeadline(t, 400*time.Millisecond), env, "", "events", "nattillsyn", "--follow", "-o", "json")
	wantExit(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("followed %d events, want 2:\n%s", len(lines), r.stdout)
	}
	if e := decodeClientJSON[api.EventView](t, lines[1]); e.ID != 2 || e.Service != "db" {
		t.Errorf("second event=%+v", e)
	}
}
