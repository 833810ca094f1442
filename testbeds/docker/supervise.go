package docker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/testbeds"
)

// bed is what the runtime supervises of one testbed.
type bed struct {
	plan     testbeds.Plan
	services map[string]*svc
}

// svc is the supervision state of one service.
type svc struct {
	spec        testbeds.Service
	network     string
	containerID string
	ip          string
	running     bool
	health      testbeds.HealthStatus
	since       time.Time
	message     string
	failures    int
	startedAt   time.Time
	restarts    int
	recent      []time.Time // restarts within the window, for the budget
	restarting  bool        // a restart is scheduled or under way
	oomMessage  string      // set when the kernel killed it for memory since it started; kept apart from message, which probes overwrite
	startedWall time.Time   // wall clock of the last start, to order the daemon's events
	gaveUp      bool
	stop        context.CancelFunc // ends the prober
	wake        chan struct{}      // asks the prober to probe now rather than at its next interval
}

// wakeProber asks the service's prober to probe at once. Must be called
// with r.mu held.
func (sv *svc) wakeProber() {
	select {
	case sv.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// supervise records what Apply did and (re)starts the probers.
func (r *Runtime) supervise(p testbeds.Plan, results []applied) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	b, ok := r.beds[p.ID]
	if !ok {
		b = &bed{services: map[string]*svc{}}
		r.beds[p.ID] = b
	}
	b.plan = p
	now := r.now()
	for name, sv := range b.services {
		if !slices.ContainsFunc(p.Services, func(s testbeds.Service) bool { return s.Name == name }) {
			sv.stop()
			r.stopping[sv.containerID] = true
			delete(b.services, name)
		}
	}
	for _, res := range results {
		if res.containerID == "" {
			continue
		}
		s := res.service
		cur, ok := b.services[s.Name]
		if ok && cur.containerID == res.containerID {
			cur.spec = s // probe settings may have changed; the prober reads them each round
			if res.kind == testbeds.EventStarted {
				// Started by Apply before its death was seen: a restart
				// like any other, counted against the budget.
				cur.recent = append(cur.recent, now)
				markStarted(cur, now)
				r.emitLocked(p.ID, s.Name, testbeds.EventStarted, cur.health, "")
			}
			continue
		}
		if ok {
			cur.stop()
		}
		sv := &svc{spec: s, network: p.Network.Name, containerID: res.containerID, wake: make(chan struct{}, 1)}
		if ok && res.kind != testbeds.EventCreated {
			sv.restarts, sv.recent = cur.restarts, cur.recent
		}
		markStarted(sv, now)
		b.services[s.Name] = sv
		switch res.kind {
		case testbeds.EventCreated:
			r.emitLocked(p.ID, s.Name, testbeds.EventCreated, sv.health, "")
			r.emitLocked(p.ID, s.Name, testbeds.EventStarted, sv.health, "")
		default:
			r.emitLocked(p.ID, s.Name, res.kind, sv.health, "")
		}
		ctx, cancel := context.WithCancel(r.ctx)
		sv.stop = cancel
		r.wg.Add(1)
		go r.probe(ctx, p.ID, s.Name, sv)
	}
}

// markStarted resets a service's health after its container (re)started.
// Must be called with r.mu held.
func markStarted(sv *svc, now time.Time) {
	sv.running = true
	sv.health = testbeds.HealthStarting
	sv.since = now
	sv.startedAt = now
	sv.startedWall = time.Now()
	sv.failures = 0
	sv.message = ""
	sv.oomMessage = ""
	sv.ip = "" // looked up by the prober
}

// unsupervise stops the probers of a testbed and forgets it.
func (r *Runtime) unsupervise(id testbeds.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.beds[id]
	if !ok {
		return
	}
	for _, sv := range b.services {
		sv.stop()
		r.stopping[sv.containerID] = true
	}
	delete(r.beds, id)
}

// snapshot is the testbed as the runtime supervises it.
func (r *Runtime) snapshot(id testbeds.ID) testbeds.Testbed {
	r.mu.Lock()
	defer r.mu.Unlock()
	tb := testbeds.Testbed{ID: id}
	b, ok := r.beds[id]
	if !ok {
		return tb
	}
	tb.Network = b.plan.Network.Name
	for _, s := range b.plan.Services {
		sv, ok := b.services[s.Name]
		if !ok {
			continue
		}
		state := testbeds.StateExited
		if sv.running {
			state = testbeds.StateRunning
		}
		tb.Services = append(tb.Services, testbeds.ServiceStatus{
			Name: s.Name, ContainerID: sv.containerID, State: state, Health: sv.health,
			Hash: sv.spec.Hash, Restarts: sv.restarts, Since: sv.since, Message: sv.message,
		})
	}
	return tb
}

// probeSettings are the health settings with the runtime's defaults.
func (r *Runtime) probeSettings(h testbeds.Health, port int) testbeds.Health {
	setDefault(&h.Interval, r.opts.DefaultProbe.Interval)
	setDefault(&h.Timeout, r.opts.DefaultProbe.Timeout)
	setDefault(&h.Retries, r.opts.DefaultProbe.Retries)
	if h.Port == 0 {
		h.Port = port
	}
	return h
}

// probe checks one service's health until ctx ends: an HTTP GET of the
// health path (2xx and 3xx are healthy) or a TCP connect, to the
// container's address on its testbed network. Consecutive failures beyond
// Retries make it unhealthy and ask for a restart; one success makes it
// healthy.
func (r *Runtime) probe(ctx context.Context, id testbeds.ID, name string, sv *svc) {
	defer r.wg.Done()
	log := r.log.With(zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate), zap.String("service", name))
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		case <-sv.wake:
		}
		r.mu.Lock()
		h := r.probeSettings(sv.spec.Health, sv.spec.Port)
		running, ip, cid, health, unreachable := sv.running, sv.ip, sv.containerID, sv.health, r.unreachable
		r.mu.Unlock()
		wait = h.Interval
		if health == testbeds.HealthStarting {
			wait = min(h.Interval, r.opts.ProbeStartEvery)
		}
		if unreachable {
			// Look again soon: once the daemon is back the service should
			// be probed at once, not a whole interval later.
			wait = min(h.Interval, r.opts.ProbeStartEvery)
			continue
		}
		if !running {
			continue
		}
		if h.Port == 0 && h.HTTPPath == "" {
			// Nothing to probe: a running container counts as healthy.
			r.probeResult(id, name, sv, cid, nil, 0)
			wait = h.Interval
			continue
		}
		if ip == "" {
			var err error
			ip, err = r.lookupIP(ctx, cid, sv.network)
			if err != nil {
				if ctx.Err() == nil {
					log.Debug("look up container address", zap.Error(err))
				}
				r.probeResult(id, name, sv, cid, err, 0)
				continue
			}
			r.mu.Lock()
			if sv.containerID == cid {
				sv.ip = ip
			}
			r.mu.Unlock()
		}
		start := time.Now()
		err := r.check(ctx, ip, h)
		if ctx.Err() != nil {
			return
		}
		r.probeResult(id, name, sv, cid, err, time.Since(start))
	}
}

func (r *Runtime) check(ctx context.Context, ip string, h testbeds.Health) error {
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	addr := net.JoinHostPort(ip, strconv.Itoa(h.Port))
	if h.HTTPPath == "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+h.HTTPPath, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "pilotbed-probe")
	res, err := r.http.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode >= 400 {
		return fmt.Errorf("GET %s: status %d", h.HTTPPath, res.StatusCode)
	}
	return nil
}

func newProbeClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			// Containers are reached directly: a proxy from the environment
			// must not see (or break) probes.
			Proxy:             nil,
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (r *Runtime) lookupIP(ctx context.Context, containerID, netName string) (string, error) {
	c, err := r.cli.ContainerInspect(ctx, containerID)
	if err != nil {
		return "", classify(err, "inspect container "+shortID(containerID))
	}
	if c.NetworkSettings != nil {
		if n, ok := c.NetworkSettings.Networks[netName]; ok && n != nil && n.IPAddress != "" {
			return n.IPAddress, nil
		}
	}
	return "", fmt.Errorf("container %s has no address on network %q", shortID(containerID), netName)
}

// probeResult applies one probe's outcome to the service's health.
func (r *Runtime) probeResult(id testbeds.ID, name string, sv *svc, cid string, err error, took time.Duration) {
	if took > 0 {
		r.metrics.observe(err == nil, took)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if sv.containerID != cid || !sv.running {
		return // a restart or recreate happened meanwhile
	}
	now := r.now()
	if err == nil {
		sv.failures = 0
		if sv.health != testbeds.HealthHealthy {
			sv.health, sv.since, sv.message = testbeds.HealthHealthy, now, ""
			r.emitLocked(id, name, testbeds.EventHealthy, sv.health, "")
		}
		return
	}
	sv.failures++
	sv.message = err.Error()
	if sv.health == testbeds.HealthStarting && now.Sub(sv.startedAt) < r.opts.ProbeStartPeriod {
		return
	}
	h := r.probeSettings(sv.spec.Health, sv.spec.Port)
	if sv.failures < h.Retries || sv.health == testbeds.HealthUnhealthy {
		return
	}
	sv.health, sv.since = testbeds.HealthUnhealthy, now
	msg := fmt.Sprintf("%d consecutive probes failed, last: %v", sv.failures, err)
	sv.message = msg
	r.emitLocked(id, name, testbeds.EventUnhealthy, sv.health, msg)
	r.scheduleRestart(id, name, sv, "unhealthy")
}

// scheduleRestart restarts a service after a backoff, within the budget.
// Must be called with r.mu held.
func (r *Runtime) scheduleRestart(id testbeds.ID, name string, sv *svc, reason string) {
	if sv.restarting || sv.gaveUp || r.closed {
		return
	}
	now := r.now()
	recent := sv.recent[:0]
	for _, t := range sv.recent {
		if now.Sub(t) < r.opts.RestartWindow {
			recent = append(recent, t)
		}
	}
	sv.recent = recent
	if len(recent) >= r.opts.RestartBudget {
		sv.gaveUp = true
		msg := fmt.Sprintf("restart budget spent: %d restarts within %s; fix the candidate and apply the testbed again", len(recent), r.opts.RestartWindow)
		sv.message = msg
		r.log.Warn("giving up restarting", zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate), zap.String("service", name))
		r.emitLocked(id, name, testbeds.EventGaveUp, sv.health, msg)
		return
	}
	delay := r.backoff(len(recent))
	sv.restarting = true
	cid := sv.containerID
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(delay):
		}
		r.restart(id, name, sv, cid, reason)
	}()
}

// backoff is BackoffBase doubled n times, capped at BackoffMax, with a
// little jitter so many failing services do not restart in lockstep.
func (r *Runtime) backoff(n int) time.Duration {
	d := r.opts.BackoffBase
	for range n {
		d *= 2
		if d >= r.opts.BackoffMax {
			d = r.opts.BackoffMax
			break
		}
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

func (r *Runtime) restart(id testbeds.ID, name string, sv *svc, cid, reason string) {
	unlock := r.lock(id)
	defer unlock()
	r.mu.Lock()
	if sv.containerID != cid || r.beds[id] == nil || r.beds[id].services[name] != sv {
		sv.restarting = false
		r.mu.Unlock()
		return // replaced or removed meanwhile
	}
	r.stopping[cid] = true
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(r.ctx, r.opts.CleanupTimeout)
	defer cancel()
	timeout := seconds(r.opts.StopTimeout)
	err := r.cli.ContainerRestart(ctx, cid, container.StopOptions{Timeout: &timeout})

	r.mu.Lock()
	defer r.mu.Unlock()
	// The container keeps its id across a restart: the die event of the
	// restart's own stop is told apart by its time (see onEvent).
	delete(r.stopping, cid)
	sv.restarting = false
	if err != nil {
		err = classify(err, "restart container "+shortID(cid))
		sv.message = err.Error()
		r.log.Warn("restart failed", zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate), zap.String("service", name), zap.Error(err))
		if !errors.Is(err, testbeds.ErrUnavailable) && !cerrdefs.IsNotFound(err) {
			// Count the attempt, so a container that cannot start still
			// spends the budget and the runtime gives up on it.
			sv.recent = append(sv.recent, r.now())
			r.scheduleRestart(id, name, sv, reason)
		}
		return
	}
	sv.restarts++
	sv.recent = append(sv.recent, r.now())
	markStarted(sv, r.now())
	r.emitLocked(id, name, testbeds.EventRestarted, sv.health, "restarted after "+reason)
}

// watchEvents follows the daemon's container events for this instance
// (die, oom, start), reconnecting with backoff when the daemon goes away.
// While it is away every supervised service is unknown; on its return the
// runtime checks each container and restarts what died meanwhile.
func (r *Runtime) watchEvents() {
	defer r.wg.Done()
	f := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelInstance+"="+r.instance),
		filters.Arg("event", string(events.ActionDie)),
		filters.Arg("event", string(events.ActionOOM)),
	)
	failures := 0
	for r.ctx.Err() == nil {
		ctx, cancel := context.WithCancel(r.ctx)
		// Settle the client's API version (Events reads it without a
		// lock), then ask whether the daemon is there at all.
		err := r.negotiate(ctx)
		if err == nil {
			_, err = r.cli.ServerVersion(ctx)
		}
		if err == nil {
			msgs, errs := r.cli.Events(ctx, events.ListOptions{Filters: f})
			if failures > 0 {
				// Events while the daemon was away are not replayed: check state.
				failures = 0
				r.reachable()
			}
			err = r.consume(ctx, msgs, errs)
		}
		cancel()
		if r.ctx.Err() != nil {
			return
		}
		failures++
		r.lost(err)
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(min(r.backoff(min(failures-1, 6)), maxReconnectWait)):
		}
	}
}

// maxReconnectWait caps the wait between attempts to reach the daemon
// again: asking costs next to nothing, and testbeds are unsupervised until
// it answers.
const maxReconnectWait = 3 * time.Second

func (r *Runtime) consume(ctx context.Context, msgs <-chan events.Message, errs <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-errs:
			return err
		case m := <-msgs:
			r.onEvent(m)
		}
	}
}

func (r *Runtime) onEvent(m events.Message) {
	id, ok := idOf(m.Actor.Attributes, r.instance)
	if !ok {
		return
	}
	name := m.Actor.Attributes[LabelService]
	r.log.Debug("docker event", zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate),
		zap.String("service", name), zap.String("action", string(m.Action)), zap.String("container", shortID(m.Actor.ID)))
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.beds[id]
	if !ok {
		return
	}
	sv, ok := b.services[name]
	if !ok || sv.containerID != m.Actor.ID {
		return
	}
	switch m.Action {
	case events.ActionOOM:
		msg := fmt.Sprintf("killed for lack of memory (limit %d MiB): raise the service's memory in the pilot file", sv.spec.Limits.MemoryBytes>>20)
		sv.message, sv.oomMessage = msg, msg
		r.emitLocked(id, name, testbeds.EventOOM, sv.health, msg)
	case events.ActionDie:
		if r.stopping[m.Actor.ID] || sv.restarting || time.Unix(0, m.TimeNano).Before(sv.startedWall) {
			return // pilotbed stopped it on purpose, or it died before its last start
		}
		sv.running = false
		sv.health, sv.since = testbeds.HealthUnhealthy, r.now()
		msg := "container exited with status " + m.Actor.Attributes["exitCode"]
		if sv.oomMessage != "" {
			msg += "; " + sv.oomMessage
		}
		sv.message = msg
		r.emitLocked(id, name, testbeds.EventDied, sv.health, msg)
		r.scheduleRestart(id, name, sv, "exit")
	}
}

// lost marks every supervised service unknown once the daemon is away.
func (r *Runtime) lost(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.unreachable || r.closed {
		return
	}
	r.unreachable = true
	r.log.Warn("lost the Docker daemon; retrying", zap.Error(err))
	msg := "the Docker daemon does not answer"
	for id, b := range r.beds {
		for name, sv := range b.services {
			sv.health, sv.since, sv.message = testbeds.HealthUnknown, r.now(), msg
			r.emitLocked(id, name, testbeds.EventUnknown, sv.health, msg)
		}
	}
}

// reachable resumes supervision after the daemon came back: containers that
// died meanwhile are restarted, running ones probed again.
func (r *Runtime) reachable() {
	r.mu.Lock()
	if !r.unreachable {
		r.mu.Unlock()
		return
	}
	r.unreachable = false
	type item struct {
		id   testbeds.ID
		name string
		sv   *svc
		cid  string
	}
	var items []item
	for id, b := range r.beds {
		for name, sv := range b.services {
			sv.health, sv.since, sv.ip = testbeds.HealthStarting, r.now(), ""
			sv.wakeProber() // a prober asleep for a whole interval would leave it "starting" for that long
			items = append(items, item{id, name, sv, sv.containerID})
		}
	}
	r.mu.Unlock()
	r.log.Info("the Docker daemon is back; reconciling")
	// One list of the instance's running containers answers for all of
	// them; a failed list leaves every service to be restarted, as if none
	// ran.
	running := map[string]bool{}
	cs, err := r.cli.ContainerList(r.ctx, container.ListOptions{Filters: ownerFilter(r.instance, testbeds.ID{})})
	if err != nil {
		r.log.Warn("list containers after the Docker daemon came back", zap.Error(err))
	}
	for _, c := range cs {
		running[c.ID] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, it := range items {
		if it.sv.containerID == it.cid && !running[it.cid] {
			it.sv.running = false
			it.sv.health = testbeds.HealthUnhealthy
			r.emitLocked(it.id, it.name, testbeds.EventDied, it.sv.health, "not running after the Docker daemon came back")
			r.scheduleRestart(it.id, it.name, it.sv, "daemon restart")
		}
	}
}

// Events subscribes to the runtime's events until ctx ends or Close.
func (r *Runtime) Events(ctx context.Context) <-chan testbeds.Event {
	return r.fan.Subscribe(ctx, r.opts.EventBuffer)
}

func (r *Runtime) emit(id testbeds.ID, service string, kind testbeds.EventKind, h testbeds.HealthStatus, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emitLocked(id, service, kind, h, msg)
}

// emitLocked sends an event to every subscriber without blocking: a full
// subscriber misses it. Must be called with r.mu held.
func (r *Runtime) emitLocked(id testbeds.ID, service string, kind testbeds.EventKind, h testbeds.HealthStatus, msg string) {
	ev := testbeds.Event{Time: r.now(), ID: id, Service: service, Kind: kind, Health: h, Message: msg}
	r.log.Debug("testbed event", zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate),
		zap.String("service", service), zap.String("kind", string(kind)), zap.String("health", string(h)), zap.String("message", msg))
	r.fan.Publish(ev)
}

// forgetStopping drops a container from the stopping set a little later:
// its die event may arrive after the stop call returned, and must still be
// recognised as pilotbed's own doing.
func (r *Runtime) forgetStopping(containerID string) {
	time.AfterFunc(30*time.Second, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.stopping, containerID)
	})
}

// heldBack reports whether the runtime is restarting a service's container
// after a backoff or has given up on it, so Apply must not start it.
func (r *Runtime) heldBack(id testbeds.ID, name, containerID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.beds[id]
	if !ok {
		return false
	}
	sv, ok := b.services[name]
	return ok && sv.containerID == containerID && (sv.gaveUp || sv.restarting)
}
