package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// testbedStatuses are the statuses in which a pilot may have testbeds.
var testbedStatuses = []pilots.Status{
	pilots.StatusProvisioning, pilots.StatusRunning, pilots.StatusFailed, pilots.StatusClosing,
}

// tickParallelism bounds how many pilots one tick works on at once, so a
// large installation does not flood the container runtime.
const tickParallelism = 4

// workStatuses are the statuses in which a pilot needs the scheduler.
var workStatuses = []pilots.Status{
	pilots.StatusScheduled, pilots.StatusProvisioning, pilots.StatusRunning,
	pilots.StatusFailed, pilots.StatusClosing,
}

// Run reconciles once, then runs the scheduler every ReconcileInterval and
// records what the runtime observes, until ctx ends. On return testbeds keep
// running: a restarted server adopts them.
func (o *Orchestrator) Run(ctx context.Context) error {
	defer func() {
		o.bgCancel()
		o.kicks.Wait()
	}()
	events := o.runtime.Events(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { o.consume(ctx, events) })
	defer wg.Wait()

	o.seedHealth(ctx)
	if err := o.Tick(ctx); err != nil && ctx.Err() == nil {
		o.log.Error("reconcile at start-up", zap.Error(err))
	}
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := o.Tick(ctx); err != nil && ctx.Err() == nil {
				o.log.Error("scheduler tick", zap.Error(err))
			}
		}
	}
}

// Wait blocks until the background work kicked off by Approve, Start and
// Close has finished.
func (o *Orchestrator) Wait() { o.kicks.Wait() }

// kick works on a pilot at once in the background instead of at the next
// tick, so a pilot started or closed by hand does not wait.
func (o *Orchestrator) kick(id string) {
	if o.bg.Err() != nil {
		return // shutting down: the next start-up reconciles
	}
	o.kicks.Go(func() {
		if err := o.step(o.bg, id); err != nil && o.bg.Err() == nil {
			o.log.Error("pilot work", zap.String("pilot", id), zap.Error(err))
		}
	})
}

// Tick is one pass of the scheduler and reconciler: it starts scheduled
// pilots whose start has come, closes pilots whose end has passed, brings up
// testbeds of provisioning pilots, retries failed ones after a backoff,
// converges running ones, finishes closing ones and sweeps what no pilot
// wants any more. It is exported so tests can drive it with their own clock.
func (o *Orchestrator) Tick(ctx context.Context) error {
	reachable := o.checkRuntime(ctx)
	list, err := o.store.Pilots(ctx, pilots.PilotFilter{Statuses: workStatuses})
	if err != nil {
		return fmt.Errorf("list pilots: %w", err)
	}
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, tickParallelism)
		mu   sync.Mutex
		errs []error
	)
	for _, p := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := o.step(ctx, p.ID); err != nil {
				o.log.Error("pilot work", zap.String("pilot", p.ID), zap.Error(err))
				mu.Lock()
				errs = append(errs, fmt.Errorf("pilot %s: %w", p.ID, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if reachable && !o.isUnreachable() {
		if err := o.sweep(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// sweep removes testbed objects no pilot wants any more. Closing pilots are
// kept: their close steps remove the testbeds themselves.
func (o *Orchestrator) sweep(ctx context.Context) error {
	list, err := o.store.Pilots(ctx, pilots.PilotFilter{Statuses: testbedStatuses})
	if err != nil {
		return fmt.Errorf("list pilots to keep: %w", err)
	}
	var keep []testbeds.ID
	for _, p := range list {
		for _, c := range p.Spec.Candidates {
			keep = append(keep, testbeds.ID{Pilot: p.ID, Candidate: c.Name})
		}
	}
	if err := o.runtime.Sweep(ctx, keep, o.grace); err != nil {
		o.runtimeError(ctx, err)
		return fmt.Errorf("sweep testbeds: %w", err)
	}
	return nil
}

// lock returns the mutex that serialises work on one pilot.
func (o *Orchestrator) lock(id string) *sync.Mutex {
	o.locksMu.Lock()
	defer o.locksMu.Unlock()
	m, ok := o.locks[id]
	if !ok {
		m = new(sync.Mutex)
		o.locks[id] = m
	}
	return m
}

// step does whatever a pilot's status and the clock call for. It re-reads
// the pilot under the pilot's lock, so work kicked by hand and work of a
// tick never overlap and each sees the other's result.
func (o *Orchestrator) step(ctx context.Context, id string) error {
	m := o.lock(id)
	m.Lock()
	defer m.Unlock()

	p, err := o.store.Pilot(ctx, id)
	if err != nil {
		return fmt.Errorf("read pilot: %w", err)
	}
	now := o.now()
	ended := !p.Spec.End.IsZero() && now.After(p.Spec.End)

	switch p.Status {
	case pilots.StatusScheduled:
		if now.Before(p.Spec.Start) {
			return nil
		}
		if p, err = o.transition(ctx, p, pilots.StatusProvisioning, ActorScheduler, "start date reached"); err != nil {
			return err
		}
		return o.provision(ctx, p)

	case pilots.StatusProvisioning:
		if ended {
			return o.endReached(ctx, p)
		}
		return o.provision(ctx, p)

	case pilots.StatusFailed:
		if ended {
			return o.endReached(ctx, p)
		}
		due, attempt, err := o.retryDue(ctx, p, now)
		if err != nil || !due || o.isUnreachable() {
			return err
		}
		reason := fmt.Sprintf("retry %d after failure: %s", attempt, p.Reason)
		if p, err = o.transition(ctx, p, pilots.StatusProvisioning, ActorScheduler, reason); err != nil {
			return err
		}
		return o.provision(ctx, p)

	case pilots.StatusRunning:
		if ended {
			return o.endReached(ctx, p)
		}
		return o.converge(ctx, p)

	case pilots.StatusClosing:
		return o.finishClose(ctx, p)
	}
	return nil
}

// endReached closes a pilot whose end date has passed.
func (o *Orchestrator) endReached(ctx context.Context, p pilots.Pilot) error {
	p, err := o.transition(ctx, p, pilots.StatusClosing, ActorScheduler, "end date passed")
	if err != nil {
		return err
	}
	return o.finishClose(ctx, p)
}

// retryDue reports whether a failed pilot's backoff has passed, and which
// attempt the retry would be: the wait doubles with every failure since the
// pilot last ran, from RetryBase up to RetryMax.
func (o *Orchestrator) retryDue(ctx context.Context, p pilots.Pilot, now time.Time) (bool, int, error) {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTransition})
	if err != nil {
		return false, 0, fmt.Errorf("read transitions: %w", err)
	}
	failures := 0
	var last time.Time
	for _, ev := range evs {
		switch pilots.Status(ev.To) {
		case pilots.StatusRunning:
			failures = 0
		case pilots.StatusFailed:
			failures++
			last = ev.Time
		}
	}
	if failures == 0 {
		return true, 1, nil
	}
	return !now.Before(last.Add(o.backoff(failures))), failures + 1, nil
}

// backoff is the wait after the n-th consecutive failure.
func (o *Orchestrator) backoff(n int) time.Duration {
	d := o.retryBase
	for range n - 1 {
		d *= 2
		if d >= o.retryMax {
			return o.retryMax
		}
	}
	return min(d, o.retryMax)
}

// applyAll applies every candidate's plan in parallel and returns the
// errors by candidate.
func (o *Orchestrator) applyAll(ctx context.Context, p pilots.Pilot) map[string]error {
	plans := PlanTestbeds(p.ID, p.Spec, o.instance)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = make(map[string]error)
	)
	for _, plan := range plans {
		wg.Go(func() {
			_, err := o.runtime.Apply(ctx, plan)
			if err != nil {
				mu.Lock()
				errs[plan.ID.Candidate] = err
				mu.Unlock()
				o.log.Warn("apply testbed", zap.String("pilot", p.ID),
					zap.String("candidate", plan.ID.Candidate), zap.Error(err))
			}
		})
	}
	wg.Wait()
	return errs
}

// provision brings up a provisioning pilot's testbeds: running when every
// candidate's testbed is up, failed with the cause when one cannot be
// created. When the runtime cannot be reached the pilot stays provisioning
// and is tried again when it returns.
func (o *Orchestrator) provision(ctx context.Context, p pilots.Pilot) error {
	if o.isUnreachable() {
		return nil
	}
	errs := o.applyAll(ctx, p)
	if ctx.Err() != nil {
		return nil // shutting down: the next start-up resumes provisioning
	}
	if len(errs) == 0 {
		_, err := o.transition(ctx, p, pilots.StatusRunning, ActorScheduler, "testbeds are up")
		return err
	}
	if unavailable(errs) || !o.checkRuntime(ctx) {
		return nil
	}
	cause := joinCauses(errs)
	_, err := o.transition(ctx, p, pilots.StatusFailed, ActorScheduler, cause)
	return err
}

// converge applies a running pilot's plans again, which changes nothing
// when the testbeds match and repairs them when they drifted.
func (o *Orchestrator) converge(ctx context.Context, p pilots.Pilot) error {
	if o.isUnreachable() {
		return nil
	}
	errs := o.applyAll(ctx, p)
	if len(errs) == 0 || ctx.Err() != nil {
		return nil
	}
	if unavailable(errs) || !o.checkRuntime(ctx) {
		return nil
	}
	return fmt.Errorf("converge testbeds: %s", joinCauses(errs))
}

// unavailable reports whether any error says the runtime cannot be reached,
// which is no fault of the pilot.
func unavailable(errs map[string]error) bool {
	for _, err := range errs {
		if errors.Is(err, testbeds.ErrUnavailable) {
			return true
		}
	}
	return false
}

// joinCauses turns per-candidate errors into one reason, in candidate order.
func joinCauses(errs map[string]error) string {
	names := make([]string, 0, len(errs))
	for n := range errs {
		names = append(names, n)
	}
	slices.Sort(names)
	s := ""
	for i, n := range names {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("candidate %q: %v", n, errs[n])
	}
	return s
}

// checkRuntime pings the runtime and records when it stops or starts
// answering. It returns whether the runtime answers.
func (o *Orchestrator) checkRuntime(ctx context.Context) bool {
	err := o.runtime.Ping(ctx)
	if err != nil && ctx.Err() != nil {
		return !o.isUnreachable() // our own shutdown, not an outage
	}
	o.setReachable(ctx, err)
	return err == nil
}

// runtimeError checks after a failed runtime call whether the runtime went
// away, so the outage is recorded.
func (o *Orchestrator) runtimeError(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		o.checkRuntime(ctx)
	}
}

func (o *Orchestrator) isUnreachable() bool {
	o.reachMu.Lock()
	defer o.reachMu.Unlock()
	return o.unreachable
}

// setReachable records a change of the runtime's reachability as one event
// on every pilot that has testbeds.
func (o *Orchestrator) setReachable(ctx context.Context, pingErr error) {
	o.reachMu.Lock()
	defer o.reachMu.Unlock()
	down := pingErr != nil
	if down == o.unreachable {
		return
	}
	o.unreachable = down
	ev := pilots.Event{Kind: pilots.EventTestbed, Actor: ActorRuntime, Time: o.now()}
	if down {
		ev.From, ev.To = runtimeReachable, runtimeUnreachable
		ev.Reason = "container runtime unreachable: " + pingErr.Error()
		o.log.Error("container runtime unreachable", zap.Error(pingErr))
	} else {
		ev.From, ev.To = runtimeUnreachable, runtimeReachable
		ev.Reason = "container runtime reachable again"
		o.log.Info("container runtime reachable again")
	}
	list, err := o.store.Pilots(ctx, pilots.PilotFilter{Statuses: testbedStatuses})
	if err != nil {
		o.log.Error("list pilots to record runtime reachability", zap.Error(err))
		return
	}
	for _, p := range list {
		ev.PilotID = p.ID
		if _, err := o.store.AddEvent(ctx, ev); err != nil {
			o.log.Error("record runtime reachability", zap.String("pilot", p.ID), zap.Error(err))
		}
	}
}

// consume records every runtime event as a testbed event of its pilot and
// keeps the last health of every service.
func (o *Orchestrator) consume(ctx context.Context, events <-chan testbeds.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			o.record(ctx, ev)
		}
	}
}

func (o *Orchestrator) record(ctx context.Context, ev testbeds.Event) {
	key := healthKey{id: ev.ID, service: ev.Service}
	o.healthMu.Lock()
	prev := o.health[key]
	if ev.Health != "" {
		o.health[key] = ev.Health
	}
	o.healthMu.Unlock()

	reason := string(ev.Kind)
	if ev.Message != "" {
		reason += ": " + ev.Message
	}
	_, err := o.store.AddEvent(ctx, pilots.Event{
		PilotID:   ev.ID.Pilot,
		Time:      o.now(),
		Actor:     ActorRuntime,
		Kind:      pilots.EventTestbed,
		From:      string(prev),
		To:        string(ev.Health),
		Reason:    reason,
		Candidate: ev.ID.Candidate,
		Service:   ev.Service,
	})
	switch {
	case err == nil:
	case pilots.ErrorCode(err) == pilots.ENOTFOUND:
		// A testbed of a pilot this store does not know; Sweep removes it.
	case ctx.Err() != nil:
	default:
		o.log.Error("record testbed event", zap.String("pilot", ev.ID.Pilot),
			zap.String("candidate", ev.ID.Candidate), zap.String("service", ev.Service), zap.Error(err))
	}
}

// seedHealth restores the last recorded health of every service of active
// pilots, so the first event after a restart names where it came from.
func (o *Orchestrator) seedHealth(ctx context.Context) {
	list, err := o.store.Pilots(ctx, pilots.PilotFilter{Statuses: []pilots.Status{
		pilots.StatusProvisioning, pilots.StatusRunning, pilots.StatusFailed,
	}})
	if err != nil {
		o.log.Warn("read pilots to restore health", zap.Error(err))
		return
	}
	for _, p := range list {
		evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTestbed})
		if err != nil {
			o.log.Warn("read testbed events", zap.String("pilot", p.ID), zap.Error(err))
			continue
		}
		o.healthMu.Lock()
		for _, ev := range evs {
			if ev.Service != "" && ev.To != "" {
				o.health[healthKey{testbeds.ID{Pilot: p.ID, Candidate: ev.Candidate}, ev.Service}] = testbeds.HealthStatus(ev.To)
			}
		}
		o.healthMu.Unlock()
	}
}

// lastHealth is the health last reported for a service, "" if none.
func (o *Orchestrator) lastHealth(id testbeds.ID, service string) testbeds.HealthStatus {
	o.healthMu.Lock()
	defer o.healthMu.Unlock()
	return o.health[healthKey{id, service}]
}
