package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

// The reliability tests of DESIGN.md that need the whole server on a real
// Docker Engine: the daemon going away while pilots run, and a candidate
// that crashes over and over. Each is bounded in time and removes what it
// created, also when it fails.

// Tuning passed to every server here, so that restarts and reconnection
// play out in seconds rather than the production minutes.
var relFastFlags = []string{
	"--reconcile-interval", "1s",
	"--restart-backoff", "250ms",
	"--restart-backoff-max", "2s",
}

// TestDockerOutage cuts the server off its Docker Engine while a pilot runs
// (through a socket proxy, so the machine's daemon and its other users are
// untouched): the API keeps serving, readiness names the runtime, testbeds
// turn unknown; when the daemon is back the testbeds recover by themselves
// and the outage is in the audit trail and the uptime.
func TestDockerOutage(t *testing.T) {
	start := time.Now()
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	proxy := startDockerProxy(t, cli)
	srv := relStartServer(t, dataDir, map[string]string{"DOCKER_HOST": proxy.host()}, relFastFlags...)
	const pilot = "digital-nattillsyn"

	mustCLI(t, srv.url, "pilots", "submit", example)
	mustCLI(t, srv.url, "pilots", "start", pilot, "--reason", "outage test")
	eventually(t, "healthy testbeds", 90*time.Second, func() bool { return allHealthy(t, srv.url, pilot) })
	if got, want := len(instanceContainers(t, cli, dataDir)), 2; got != want {
		t.Fatalf("containers=%d, want %d", got, want)
	}
	t.Logf("healthy after %s", time.Since(start).Round(time.Millisecond))

	proxy.setDown()
	down := time.Now()

	// The server itself keeps serving whatever does not need Docker.
	if code, body := httpDo(t, "GET", srv.url+"/healthz", "", nil); code != 200 {
		t.Errorf("/healthz during the outage: %d %s, want 200", code, body)
	}
	if out := mustCLI(t, srv.url, "pilots", "list"); !strings.Contains(out, pilot) {
		t.Errorf("pilots list during the outage does not show %s:\n%s", pilot, out)
	}
	eventually(t, "/readyz 503 naming the runtime", 15*time.Second, func() bool {
		code, body := httpDo(t, "GET", srv.url+"/readyz", "", nil)
		return code == 503 && strings.Contains(body, "container runtime")
	})
	eventually(t, "testbeds unknown", 15*time.Second, func() bool {
		return everyService(relTestbeds(t, srv.url, pilot), func(s relService) bool {
			return s.State == "unknown" && s.Health == "unknown"
		})
	})
	t.Logf("unknown %s after the cut", time.Since(down).Round(time.Millisecond))
	// Responses and other API calls still work; the status page too.
	if out := mustCLI(t, srv.url, "pilots", "show", pilot); !strings.Contains(out, "running") {
		t.Errorf("pilots show during the outage:\n%s", out)
	}
	time.Sleep(2 * time.Second) // an outage long enough to weigh in the uptime

	if err := proxy.setUp(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	eventually(t, "testbeds healthy again", 60*time.Second, func() bool { return allHealthy(t, srv.url, pilot) })
	t.Logf("healthy %s after the daemon came back", time.Since(up).Round(time.Millisecond))
	eventually(t, "/readyz 200", 15*time.Second, func() bool {
		code, _ := httpDo(t, "GET", srv.url+"/readyz", "", nil)
		return code == 200
	})
	if got, want := len(instanceContainers(t, cli, dataDir)), 2; got != want {
		t.Errorf("containers after the outage=%d, want %d (none duplicated)", got, want)
	}

	// The outage is recorded: as runtime events, and as downtime.
	var unreachable, reachable int
	evs := relTestbedEvents(t, srv.url, pilot)
	defer func() {
		if t.Failed() {
			logRelEvents(t, evs)
		}
	}()
	for _, e := range evs {
		if e.Candidate == "" && e.Service == "" {
			switch e.To {
			case "unreachable":
				unreachable++
			case "reachable":
				reachable++
			}
		}
	}
	if unreachable != 1 || reachable != 1 {
		t.Errorf("runtime events: %d unreachable, %d reachable; want 1 and 1", unreachable, reachable)
	}
	for name, tb := range relTestbeds(t, srv.url, pilot) {
		if tb.Uptime == nil || *tb.Uptime >= 1 {
			t.Errorf("candidate %s: uptime %s after an outage, want below 1", name, fmtUptime(tb.Uptime))
		}
	}
	ops, final := relReport(t, srv.url, pilot)
	if final {
		t.Errorf("report of a running pilot is final, want preliminary")
	}
	for _, name := range []string{"leverantor-a", "leverantor-b"} {
		if got := ops[name].Incidents; len(got) == 0 {
			t.Errorf("candidate %s: no incident in the report after an outage", name)
		}
	}
	t.Logf("outage test took %s", time.Since(start).Round(time.Millisecond))
}

// logRelEvents shows the audit trail behind a failed assertion.
func logRelEvents(t *testing.T, evs []relEvent) {
	t.Helper()
	for _, e := range evs {
		t.Logf("event %d %s %s/%s %s -> %s: %s", e.ID, e.Time.Format("15:04:05.000"), e.Candidate, e.Service, e.From, e.To, e.Reason)
	}
}

func fmtUptime(u *float64) string {
	if u == nil {
		return "null"
	}
	return fmt.Sprintf("%.4f", *u)
}

// crashPilot has two candidates on the demo image; krasch's service exits a
// second after every start.
const crashPilot = `pilot "krasch" {
  title   = "Kraschande kandidat"
  owner   = "Driftenheten"
  contact = "drift@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  retention {
    keep     = "30d"
    decision = "Test"
  }

  candidate "stabil" {
    vendor = "Stabil AB"
    service "web" {
      image = "%[1]s"
      port  = 8080
      health {
        http     = "/healthz"
        interval = "2s"
      }
    }
  }

  candidate "krasch" {
    vendor = "Krasch AB"
    service "web" {
      image = "%[1]s"
      port  = 8080
      env   = { DEMO_CRASH_AFTER = "1s" }
      health {
        http     = "/healthz"
        interval = "2s"
      }
    }
  }
}
`

// TestCrashLoop runs a candidate that keeps crashing beside one that does
// not: the runtime restarts it a bounded number of times and gives up, the
// other candidate is never disturbed, and the final report shows the
// restarts and incidents of the one and none of the other.
func TestCrashLoop(t *testing.T) {
	start := time.Now()
	cli := testenv.Docker(t)
	image := testenv.DemoImage(t, cli)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	const budget = 3
	srv := relStartServer(t, dataDir, nil, slices.Concat(relFastFlags, []string{"--restart-budget", fmt.Sprint(budget)})...)
	const pilot = "krasch"

	mustCLI(t, srv.url, "pilots", "submit", writeRelPilot(t, fmt.Sprintf(crashPilot, image)))
	mustCLI(t, srv.url, "pilots", "start", pilot, "--reason", "crash loop test")

	// Watch the stable candidate the whole time: once healthy it must stay so.
	stableHealthy := false
	stableOK := func(tbs map[string]relTestbed) {
		t.Helper()
		for _, s := range tbs["stabil"].Services {
			switch {
			case s.State == "running" && s.Health == "healthy":
				stableHealthy = true
			case stableHealthy:
				t.Errorf("stable candidate disturbed: service %s %s/%s (%s)", s.Name, s.State, s.Health, s.Message)
			}
		}
	}
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		stableOK(relTestbeds(t, srv.url, pilot))
		evs := relTestbedEvents(t, srv.url, pilot)
		if countEvents(evs, "krasch", "gave_up") > 0 {
			break
		}
		if time.Now().After(deadline) {
			// Say how it kept going: "started" beside "restarted" means
			// something other than the runtime's supervision started it.
			t.Fatalf("no gave_up within 45s with a budget of %d: the crashing candidate died %d times, was restarted %d times and started %d times",
				budget, countEvents(evs, "krasch", "died"), countEvents(evs, "krasch", "restarted"), countEvents(evs, "krasch", "started"))
		}
	}
	t.Logf("gave up after %s", time.Since(start).Round(time.Millisecond))

	// Bounded: after giving up nothing restarts it any more, across several
	// reconcile passes.
	restarted := countEvents(relTestbedEvents(t, srv.url, pilot), "krasch", "restarted")
	time.Sleep(5 * time.Second)
	tbs := relTestbeds(t, srv.url, pilot)
	stableOK(tbs)
	evs := relTestbedEvents(t, srv.url, pilot)
	if got := countEvents(evs, "krasch", "restarted"); got != restarted || got < 1 || got > budget {
		t.Errorf("restarts of the crashing candidate: %d at give-up, %d five seconds later; want the same, 1..%d", restarted, got, budget)
	}
	if got := countEvents(evs, "krasch", "gave_up"); got != 1 {
		t.Errorf("gave_up events=%d, want 1", got)
	}
	if got := countEvents(evs, "krasch", "started"); got > 1 {
		t.Errorf("the crashing candidate was started %d times besides its restarts, want at most once", got)
	}
	for _, s := range tbs["krasch"].Services {
		if s.State == "running" && s.Health == "healthy" {
			t.Errorf("crashing service %s is %s/%s after the give-up", s.Name, s.State, s.Health)
		}
		if s.Restarts < 1 || s.Restarts > budget {
			t.Errorf("crashing service %s: restarts=%d, want 1..%d", s.Name, s.Restarts, budget)
		}
	}
	defer func() {
		if t.Failed() {
			logRelEvents(t, evs)
		}
	}()
	for _, e := range evs {
		if e.Candidate == "stabil" && e.To != "" && e.To != "starting" && e.To != "healthy" {
			t.Errorf("stable candidate event %q (%s -> %s), want none but starting and healthy", e.Reason, e.From, e.To)
		}
	}

	mustCLI(t, srv.url, "pilots", "close", pilot)
	eventually(t, "pilot closed", 30*time.Second, func() bool { return showPilot(t, srv.url, pilot).Status == "closed" })
	if cs := instanceContainers(t, cli, dataDir); len(cs) != 0 {
		t.Errorf("containers left after close: %d", len(cs))
	}
	ops, final := relReport(t, srv.url, pilot)
	if !final {
		t.Errorf("report of a closed pilot is preliminary, want final")
	}
	k, s := ops["krasch"], ops["stabil"]
	if k.Restarts < 1 || k.Restarts > budget {
		t.Errorf("report: krasch restarts=%d, want 1..%d", k.Restarts, budget)
	}
	if len(k.Incidents) == 0 {
		t.Errorf("report: krasch has no incident")
	}
	if s.Restarts != 0 || len(s.Incidents) != 0 {
		t.Errorf("report: stabil restarts=%d incidents=%v, want none", s.Restarts, s.Incidents)
	}
	if s.Uptime == nil || *s.Uptime != 1 {
		t.Errorf("report: stabil uptime=%s, want 1", fmtUptime(s.Uptime))
	}
	if k.Uptime == nil || *k.Uptime >= 0.5 {
		t.Errorf("report: krasch uptime=%s, want well below 1", fmtUptime(k.Uptime))
	}
	t.Logf("crash loop test took %s", time.Since(start).Round(time.Millisecond))
}
