package orchestrator

import (
	"context"
	"slices"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// States reported for services that have no container, beside the runtime's
// own states.
const (
	statePending = "pending" // the pilot has not started yet
	stateRemoved = "removed" // the pilot is over and its testbed gone
	stateNone    = "none"    // the pilot was withdrawn before it ran
)

// Testbeds returns one status per candidate of the pilot: every service of
// the spec joined with what the runtime observes, and the uptime of the
// entry service so far. When the runtime cannot be reached every service is
// reported unknown. Returns ENOTFOUND for an unknown pilot.
func (o *Orchestrator) Testbeds(ctx context.Context, idOrName string) ([]pilots.TestbedStatus, error) {
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		return nil, err
	}
	until := o.now()
	for _, ev := range evs {
		// A closed pilot's uptime stops when its last measurements were taken.
		if ev.Kind == pilots.EventClose && ev.To == StepMeasured {
			until = ev.Time
		}
	}

	// Ask the runtime only while the pilot may have containers.
	hasTestbeds := slices.Contains(testbedStatuses, p.Status)
	observed := map[testbeds.ID]testbeds.Testbed{}
	unknown := false
	if hasTestbeds {
		if o.isUnreachable() {
			unknown = true
		} else if tbs, err := o.runtime.Testbeds(ctx); err != nil {
			unknown = true
			o.runtimeError(ctx, err)
		} else {
			for _, tb := range tbs {
				if tb.ID.Pilot == p.ID {
					observed[tb.ID] = tb
				}
			}
		}
	}

	// The planned network names, for testbeds the runtime does not show.
	networks := map[string]string{}
	if hasTestbeds {
		for _, plan := range PlanTestbeds(p.ID, p.Spec, o.instance) {
			networks[plan.ID.Candidate] = plan.Network.Name
		}
	}

	out := make([]pilots.TestbedStatus, 0, len(p.Spec.Candidates))
	for _, c := range p.Spec.Candidates {
		id := testbeds.ID{Pilot: p.ID, Candidate: c.Name}
		tb, seen := observed[id]
		st := pilots.TestbedStatus{Candidate: c.Name, Network: tb.Network, Services: []pilots.ServiceStatus{}}
		if st.Network == "" {
			st.Network = networks[c.Name]
		}
		if up, _, ok := Uptime(candidateEvents(evs, c.Name), c.Entry, until); ok {
			st.Uptime = &up
		}
		for _, s := range c.Services {
			ss := pilots.ServiceStatus{
				Name:   s.Name,
				Entry:  s.Name == c.Entry,
				Image:  s.Image,
				Health: string(testbeds.HealthUnknown),
			}
			switch {
			case unknown:
				ss.State = string(testbeds.StateUnknown)
			case seen:
				ss.State = string(testbeds.StateMissing)
				for _, obs := range tb.Services {
					if obs.Name != s.Name {
						continue
					}
					ss.State = string(obs.State)
					ss.Health = string(obs.Health)
					if ss.Health == "" {
						ss.Health = string(o.lastHealth(id, s.Name))
					}
					ss.Restarts = obs.Restarts
					ss.Since = obs.Since
					ss.Message = obs.Message
				}
				if ss.Health == "" {
					ss.Health = string(testbeds.HealthUnknown)
				}
			case p.Status.Active():
				ss.State = string(testbeds.StateMissing)
			case p.Status == pilots.StatusDraft || p.Status == pilots.StatusScheduled:
				ss.State = statePending
			case p.Status == pilots.StatusWithdrawn:
				ss.State = stateNone
			default:
				ss.State = stateRemoved
			}
			st.Services = append(st.Services, ss)
		}
		out = append(out, st)
	}
	return out, nil
}
