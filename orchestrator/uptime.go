package orchestrator

import (
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// Reachability states recorded as testbed events with no candidate and no
// service when the container runtime stops or starts answering.
const (
	runtimeReachable   = "reachable"
	runtimeUnreachable = "unreachable"
)

// Incident is a period during which a service was not healthy after it had
// first been probed.
type Incident struct {
	Service string    `json:"service"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"` // zero while the incident lasts
	Reason  string    `json:"reason,omitempty"`
}

// Uptime computes the share of time since the first probe result during
// which service was healthy, up to until, and the periods in between when
// it was not. events are the testbed events of one candidate in time order;
// events of other services are ignored, and events with no service (the
// runtime becoming unreachable or reachable again) apply to every service:
// time the runtime could not be asked counts as down. ok is false before
// the first probe result, when there is nothing to measure yet.
func Uptime(events []pilots.Event, service string, until time.Time) (up float64, incidents []Incident, ok bool) {
	var (
		started   bool      // a probe result has been seen
		healthy   bool      // the current state counts as up
		last      string    // the service's last known health, restored when the runtime returns
		runtimeUp = true    // the runtime answers
		since     time.Time // when the current state began
		first     time.Time
		upTime    time.Duration
		open      *Incident
	)
	// set moves to a new state at t, closing the time spent in the old one.
	set := func(t time.Time, nowHealthy bool, reason string) {
		if t.After(until) {
			t = until
		}
		if healthy && t.After(since) {
			upTime += t.Sub(since)
		}
		since = t
		healthy = nowHealthy
		switch {
		case !nowHealthy && open == nil:
			open = &Incident{Service: service, Start: t, Reason: reason}
		case nowHealthy && open != nil:
			open.End = t
			incidents = append(incidents, *open)
			open = nil
		}
	}
	for _, ev := range events {
		if ev.Kind != pilots.EventTestbed || ev.Time.After(until) {
			continue
		}
		switch {
		case ev.Service == "" && ev.Candidate == "":
			switch ev.To {
			case runtimeUnreachable:
				runtimeUp = false
				if started {
					set(ev.Time, false, ev.Reason)
				}
			case runtimeReachable:
				runtimeUp = true
				if started {
					set(ev.Time, last == string(testbeds.HealthHealthy), ev.Reason)
				}
			}
		case ev.Service == service:
			if ev.To == "" {
				continue // an event that says nothing about health
			}
			if strings.HasPrefix(ev.Reason, string(testbeds.EventAdopted)) {
				// A restarted server adopting a running container knows
				// nothing new about its health: the next probe tells.
				// Counting the adoption as "starting" would turn every
				// server restart into an incident of the candidate.
				continue
			}
			probed := ev.To == string(testbeds.HealthHealthy) || ev.To == string(testbeds.HealthUnhealthy)
			if ev.To != string(testbeds.HealthUnknown) {
				last = ev.To // unknown says nothing about the service itself
			}
			if !started {
				if !probed {
					continue // starting: not measured until the first probe answers
				}
				started, first, since = true, ev.Time, ev.Time
				healthy = true // so that set opens an incident if the first result is unhealthy
				set(ev.Time, ev.To == string(testbeds.HealthHealthy) && runtimeUp, ev.Reason)
				continue
			}
			set(ev.Time, ev.To == string(testbeds.HealthHealthy) && runtimeUp, ev.Reason)
		}
	}
	if !started {
		return 0, nil, false
	}
	if healthy && until.After(since) {
		upTime += until.Sub(since)
	}
	if open != nil {
		incidents = append(incidents, *open)
	}
	total := until.Sub(first)
	if total <= 0 {
		if healthy {
			return 1, incidents, true
		}
		return 0, incidents, true
	}
	return float64(upTime) / float64(total), incidents, true
}
