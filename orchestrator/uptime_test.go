package orchestrator

import (
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
)

func TestUptime(t *testing.T) {
	t0 := time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	svc := func(h float64, service, to, reason string) pilots.Event {
		return pilots.Event{Kind: pilots.EventTestbed, Time: at(h), Candidate: "a", Service: service, To: to, Reason: reason}
	}
	web := func(h float64, to string) pilots.Event { return svc(h, "web", to, to) }
	reach := func(h float64, to string) pilots.Event {
		return pilots.Event{Kind: pilots.EventTestbed, Time: at(h), To: to, Reason: to}
	}

	tests := []struct {
		name    string
		events  []pilots.Event
		until   float64
		wantUp  float64
		wantInc []Incident
		wantOK  bool
	}{
		{name: "no events", until: 10},
		{name: "starting only", events: []pilots.Event{web(0, "starting")}, until: 10},
		{
			name:   "healthy throughout",
			events: []pilots.Event{web(0, "starting"), web(1, "healthy")},
			until:  11, wantUp: 1, wantOK: true,
		},
		{
			name:   "one incident",
			events: []pilots.Event{web(0, "healthy"), web(8, "unhealthy"), web(9, "healthy")},
			until:  10, wantUp: 0.9, wantOK: true,
			wantInc: []Incident{{Service: "web", Start: at(8), End: at(9), Reason: "unhealthy"}},
		},
		{
			name:   "first probe unhealthy",
			events: []pilots.Event{web(0, "unhealthy"), web(1, "healthy")},
			until:  4, wantUp: 0.75, wantOK: true,
			wantInc: []Incident{{Service: "web", Start: at(0), End: at(1), Reason: "unhealthy"}},
		},
		{
			name:   "incident still open",
			events: []pilots.Event{web(0, "healthy"), web(6, "unhealthy")},
			until:  8, wantUp: 0.75, wantOK: true,
			wantInc: []Incident{{Service: "web", Start: at(6), Reason: "unhealthy"}},
		},
		{
			name:   "restart counts as down until healthy again",
			events: []pilots.Event{web(0, "healthy"), svc(1, "web", "unhealthy", "died: exit 1"), web(1, "starting"), web(2, "healthy")},
			until:  4, wantUp: 0.75, wantOK: true,
			wantInc: []Incident{{Service: "web", Start: at(1), End: at(2), Reason: "died: exit 1"}},
		},
		{
			name:   "runtime unreachable counts as down",
			events: []pilots.Event{web(0, "healthy"), web(2, "unknown"), reach(2, runtimeUnreachable), reach(3, runtimeReachable)},
			until:  4, wantUp: 0.75, wantOK: true,
			wantInc: []Incident{{Service: "web", Start: at(2), End: at(3), Reason: "unknown"}},
		},
		{
			name:   "other services ignored",
			events: []pilots.Event{web(0, "healthy"), svc(1, "db", "unhealthy", "db down"), svc(2, "db", "healthy", "")},
			until:  4, wantUp: 1, wantOK: true,
		},
		{
			name:   "events after until ignored",
			events: []pilots.Event{web(0, "healthy"), web(5, "unhealthy")},
			until:  4, wantUp: 1, wantOK: true,
		},
		{
			name:   "probe at until",
			events: []pilots.Event{web(4, "healthy")},
			until:  4, wantUp: 1, wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, inc, ok := Uptime(tt.events, "web", at(tt.until))
			if ok != tt.wantOK {
				t.Fatalf("ok=%v, want %v", ok, tt.wantOK)
			}
			if diff := up - tt.wantUp; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("up=%v, want %v", up, tt.wantUp)
			}
			if diff := cmp.Diff(tt.wantInc, inc); diff != "" {
				t.Errorf("incidents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	o := &Orchestrator{retryBase: 10 * time.Second, retryMax: 5 * time.Minute}
	tests := []struct {
		n    int
		want time.Duration
	}{
		{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second},
		{5, 160 * time.Second}, {6, 5 * time.Minute}, {60, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := o.backoff(tt.n); got != tt.want {
			t.Errorf("backoff(%d)=%v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestNewPilotID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newPilotID()
		if !pilotIDPattern.MatchString(id) {
			t.Fatalf("id=%q, want p- and 10 lower-case base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q twice", id)
		}
		seen[id] = true
	}
}

var pilotIDPattern = regexp.MustCompile(`^p-[a-z2-7]{10}$`)

func TestUptimeIgnoresAdoption(t *testing.T) {
	t0 := time.Date(2027, 1, 11, 8, 0, 0, 0, time.UTC)
	ev := func(min int, to, reason string) pilots.Event {
		return pilots.Event{Kind: pilots.EventTestbed, Candidate: "a", Service: "web", Time: t0.Add(time.Duration(min) * time.Minute), To: to, Reason: reason}
	}
	events := []pilots.Event{
		ev(0, "healthy", "healthy"),
		ev(30, "starting", "adopted: container adopted after a restart"),
		ev(31, "healthy", "healthy"),
	}
	up, incidents, ok := Uptime(events, "web", t0.Add(60*time.Minute))
	if !ok {
		t.Fatal("ok=false, want a measured uptime")
	}
	if got, want := up, 1.0; got != want {
		t.Errorf("uptime=%v, want %v", got, want)
	}
	if got := len(incidents); got != 0 {
		t.Errorf("incidents=%d, want 0: an adoption is no outage", got)
	}
}
