package fake

import (
	"errors"
	"fmt"

	"github.com/pilotbed/pilotbed/testbeds"
)

// SetHealth sets a service's health as if a probe had decided it, emitting
// a healthy or unhealthy event when the health changes.
func (r *Runtime) SetHealth(id testbeds.ID, service string, h testbeds.HealthStatus) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.service(id, service)
	if err != nil {
		return err
	}
	if st.Health == h {
		return nil
	}
	st.Health = h
	st.Since = r.now()
	kind := testbeds.EventHealthy
	switch h {
	case testbeds.HealthHealthy:
	case testbeds.HealthUnhealthy:
		kind = testbeds.EventUnhealthy
	case testbeds.HealthUnknown:
		kind = testbeds.EventUnknown
	default:
		return nil
	}
	r.emit(id, service, kind, h, "")
	return nil
}

// Crash makes a service's container die. With restart it comes back at once
// (died, restarted events, health starting, Restarts counted); without, it
// stays exited and the runtime reports it gave up.
func (r *Runtime) Crash(id testbeds.ID, service string, restart bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.service(id, service)
	if err != nil {
		return err
	}
	st.Since = r.now()
	st.Message = "container exited with status 1"
	st.Health = testbeds.HealthUnhealthy
	st.State = testbeds.StateExited
	r.emit(id, service, testbeds.EventDied, st.Health, st.Message)
	if !restart {
		r.emit(id, service, testbeds.EventGaveUp, st.Health, "restart budget spent")
		return nil
	}
	st.Restarts++
	r.calls.Restarted++
	st.State = testbeds.StateRunning
	st.Health = testbeds.HealthStarting
	r.emit(id, service, testbeds.EventRestarted, st.Health, "")
	return nil
}

// SetState sets a service's container state without an event, for tests of
// what callers make of states they read back (exited, missing...).
func (r *Runtime) SetState(id testbeds.ID, service string, s testbeds.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.service(id, service)
	if err != nil {
		return err
	}
	st.State = s
	st.Since = r.now()
	return nil
}

// Fail makes every call return err (wrapping it in testbeds.ErrUnavailable
// when it does not already say so), as if the runtime were unreachable, and
// emits an unknown event per running service. Fail(nil) brings the runtime
// back; state is kept, as a daemon restart keeps containers.
func (r *Runtime) Fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && !errors.Is(err, testbeds.ErrUnavailable) {
		err = fmt.Errorf("%w: %w", testbeds.ErrUnavailable, err)
	}
	was := r.fail != nil
	r.fail = err
	if err == nil || was {
		return
	}
	for _, id := range r.ownedIDs() {
		for _, name := range sortedKeys(r.beds[id].services) {
			r.emit(id, name, testbeds.EventUnknown, testbeds.HealthUnknown, err.Error())
		}
	}
}

// SetEndpoint makes Endpoint return url for the service (e.g. an
// httptest.Server's URL). The service must still be running for Endpoint
// to succeed.
func (r *Runtime) SetEndpoint(id testbeds.ID, service, url string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endpoints[endpointKey{id, service}] = url
}

// Emit delivers an arbitrary event to every subscriber.
func (r *Runtime) Emit(ev testbeds.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Time.IsZero() {
		ev.Time = r.now()
	}
	r.fan.Publish(ev)
}

// Plan returns the last plan applied for id.
func (r *Runtime) Plan(id testbeds.ID) (testbeds.Plan, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.beds[id]
	if !ok {
		return testbeds.Plan{}, false
	}
	return clonePlan(b.plan), true
}

// Volumes returns the names of the volumes left for id, kept ones included
// after Destroy.
func (r *Runtime) Volumes(id testbeds.ID) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.beds[id]
	if !ok {
		return nil
	}
	return sortedKeys(b.volumes)
}

// Calls returns the counters of what the runtime did.
func (r *Runtime) Calls() Calls {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// service must be called with r.mu held.
func (r *Runtime) service(id testbeds.ID, name string) (*testbeds.ServiceStatus, error) {
	b, ok := r.beds[id]
	if !ok {
		return nil, fmt.Errorf("fake: no testbed %s", id)
	}
	st, ok := b.services[name]
	if !ok {
		return nil, fmt.Errorf("fake: testbed %s has no service %q", id, name)
	}
	return st, nil
}
