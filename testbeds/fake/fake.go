package fake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pilotbed/pilotbed/testbeds"
)

// Options configure a fake Runtime. The zero value is usable.
type Options struct {
	// Instance, when set, makes the runtime own only plans of this instance:
	// Testbeds and Sweep ignore the others, as the Docker runtime does.
	Instance string
	// Now is the clock used for events and Sweep's grace; time.Now when nil.
	Now func() time.Time
	// AutoHealthy marks every started service healthy at once (with a
	// healthy event), for tests that do not care about probing.
	AutoHealthy bool
	// EventBuffer is each subscriber's channel capacity; 256 when zero.
	EventBuffer int
}

// Calls counts what the runtime was asked to do and did, so tests can
// assert that a converged testbed was left alone.
type Calls struct {
	Apply     int
	Destroy   int
	Sweep     int
	Created   int // containers created (including recreations)
	Removed   int // containers removed
	Restarted int
}

// Runtime is the in-memory runtime. Create it with New.
type Runtime struct {
	opts Options
	now  func() time.Time

	mu        sync.Mutex
	beds      map[testbeds.ID]*bed
	unwanted  map[testbeds.ID]time.Time // first time Sweep saw a testbed unwanted
	endpoints map[endpointKey]string
	fail      error
	calls     Calls
	nextID    int
	fan       testbeds.Fanout // subscribers of Events
	closed    bool
}

type bed struct {
	plan     testbeds.Plan
	services map[string]*testbeds.ServiceStatus
	volumes  map[string]bool // volume name -> keep
}

type endpointKey struct {
	id      testbeds.ID
	service string
}

var _ testbeds.Runtime = (*Runtime)(nil)

// New returns an empty fake runtime.
func New(opts Options) *Runtime {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 256
	}
	return &Runtime{
		opts:      opts,
		now:       now,
		beds:      map[testbeds.ID]*bed{},
		unwanted:  map[testbeds.ID]time.Time{},
		endpoints: map[endpointKey]string{},
	}
}

// Ping returns the error set by Fail, if any.
func (r *Runtime) Ping(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.check(ctx)
}

// check must be called with r.mu held.
func (r *Runtime) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.closed {
		return errors.New("fake runtime: closed")
	}
	return r.fail
}

// Apply converges the testbed to plan: services whose hash is unchanged keep
// their container, changed ones get a new container id, removed ones go.
func (r *Runtime) Apply(ctx context.Context, plan testbeds.Plan) (testbeds.Testbed, error) {
	if err := plan.Validate(); err != nil {
		return testbeds.Testbed{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(ctx); err != nil {
		return testbeds.Testbed{}, fmt.Errorf("apply testbed %s: %w", plan.ID, err)
	}
	r.calls.Apply++
	now := r.now()
	b, ok := r.beds[plan.ID]
	if !ok {
		b = &bed{services: map[string]*testbeds.ServiceStatus{}, volumes: map[string]bool{}}
		r.beds[plan.ID] = b
	}
	b.plan = clonePlan(plan)
	delete(r.unwanted, plan.ID)
	for _, v := range plan.Volumes {
		b.volumes[v.Name] = v.Keep
	}
	want := map[string]bool{}
	for _, svc := range plan.Services {
		want[svc.Name] = true
		cur, ok := b.services[svc.Name]
		switch {
		case ok && cur.Hash == svc.Hash && cur.State == testbeds.StateRunning:
			continue
		case ok && cur.Hash == svc.Hash:
			// A stopped container with the right spec is started, not recreated.
			cur.State = testbeds.StateRunning
			cur.Health = testbeds.HealthStarting
			cur.Since = now
			r.emit(plan.ID, svc.Name, testbeds.EventStarted, cur.Health, "")
		default:
			r.nextID++
			r.calls.Created++
			st := &testbeds.ServiceStatus{
				Name:        svc.Name,
				ContainerID: "fake-" + strconv.Itoa(r.nextID),
				State:       testbeds.StateRunning,
				Health:      testbeds.HealthStarting,
				Hash:        svc.Hash,
				Since:       now,
			}
			if ok {
				r.calls.Removed++
			}
			b.services[svc.Name] = st
			r.emit(plan.ID, svc.Name, testbeds.EventCreated, st.Health, "")
			r.emit(plan.ID, svc.Name, testbeds.EventStarted, st.Health, "")
		}
		if r.opts.AutoHealthy {
			st := b.services[svc.Name]
			st.Health = testbeds.HealthHealthy
			r.emit(plan.ID, svc.Name, testbeds.EventHealthy, st.Health, "")
		}
	}
	for name := range b.services {
		if !want[name] {
			delete(b.services, name)
			r.calls.Removed++
			r.emit(plan.ID, name, testbeds.EventRemoved, testbeds.HealthUnknown, "no longer in the plan")
		}
	}
	return b.snapshot(), nil
}

// Destroy forgets the testbed. Kept volumes survive unless opts.RemoveKept;
// Volumes reports what is left.
func (r *Runtime) Destroy(ctx context.Context, id testbeds.ID, opts testbeds.DestroyOptions) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(ctx); err != nil {
		return fmt.Errorf("destroy testbed %s: %w", id, err)
	}
	r.calls.Destroy++
	r.destroy(id, opts)
	return nil
}

// destroy must be called with r.mu held.
func (r *Runtime) destroy(id testbeds.ID, opts testbeds.DestroyOptions) {
	b, ok := r.beds[id]
	if !ok {
		return
	}
	for _, name := range sortedKeys(b.services) {
		r.calls.Removed++
		r.emit(id, name, testbeds.EventRemoved, testbeds.HealthUnknown, "testbed destroyed")
	}
	b.services = map[string]*testbeds.ServiceStatus{}
	for name, keep := range b.volumes {
		if !keep || opts.RemoveKept {
			delete(b.volumes, name)
		}
	}
	delete(r.unwanted, id)
	if len(b.volumes) == 0 {
		delete(r.beds, id)
	}
}

// Testbeds returns every testbed with at least one container, sorted by id.
func (r *Runtime) Testbeds(ctx context.Context) ([]testbeds.Testbed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(ctx); err != nil {
		return nil, fmt.Errorf("list testbeds: %w", err)
	}
	var out []testbeds.Testbed
	for _, id := range r.ownedIDs() {
		if b := r.beds[id]; len(b.services) > 0 {
			out = append(out, b.snapshot())
		}
	}
	return out, nil
}

// ownedIDs must be called with r.mu held.
func (r *Runtime) ownedIDs() []testbeds.ID {
	var ids []testbeds.ID
	for id, b := range r.beds {
		if r.opts.Instance == "" || b.plan.Instance == r.opts.Instance {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, testbeds.ID.Compare)
	return ids
}

// Sweep destroys owned testbeds not in keep once they have been unwanted for
// at least grace, measured from the first Sweep that found them unwanted.
// Kept volumes of swept testbeds survive, as with Destroy.
func (r *Runtime) Sweep(ctx context.Context, keep []testbeds.ID, grace time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(ctx); err != nil {
		return fmt.Errorf("sweep testbeds: %w", err)
	}
	r.calls.Sweep++
	now := r.now()
	for _, id := range r.ownedIDs() {
		if slices.Contains(keep, id) {
			delete(r.unwanted, id)
			continue
		}
		if len(r.beds[id].services) == 0 {
			continue
		}
		first, ok := r.unwanted[id]
		if !ok {
			r.unwanted[id] = now
			first = now
		}
		if now.Sub(first) >= grace {
			r.destroy(id, testbeds.DestroyOptions{})
		}
	}
	return nil
}

// Events subscribes to every event from now until ctx ends or the runtime
// closes. A full subscriber channel drops events rather than block.
func (r *Runtime) Events(ctx context.Context) <-chan testbeds.Event {
	return r.fan.Subscribe(ctx, r.opts.EventBuffer)
}

// Endpoint returns the URL set with SetEndpoint, or a synthetic
// "http://<service>.<candidate>.<pilot>.invalid:<port>" that never resolves.
func (r *Runtime) Endpoint(ctx context.Context, id testbeds.ID, service string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(ctx); err != nil {
		return "", fmt.Errorf("endpoint of %s/%s: %w", id, service, err)
	}
	b, ok := r.beds[id]
	if !ok {
		return "", fmt.Errorf("endpoint of %s/%s: testbed does not exist: %w", id, service, testbeds.ErrNotRunning)
	}
	st, ok := b.services[service]
	if !ok || st.State != testbeds.StateRunning {
		return "", fmt.Errorf("endpoint of %s/%s: %w", id, service, testbeds.ErrNotRunning)
	}
	if u, ok := r.endpoints[endpointKey{id, service}]; ok {
		return u, nil
	}
	port := 80
	for _, s := range b.plan.Services {
		if s.Name == service && s.Port > 0 {
			port = s.Port
		}
	}
	return fmt.Sprintf("http://%s.%s.%s.invalid:%d", service, id.Candidate, id.Pilot, port), nil
}

// Close ends every subscription. The testbeds stay, as containers would.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.fan.Close()
	return nil
}

// emit must be called with r.mu held.
func (r *Runtime) emit(id testbeds.ID, service string, kind testbeds.EventKind, h testbeds.HealthStatus, msg string) {
	ev := testbeds.Event{Time: r.now(), ID: id, Service: service, Kind: kind, Health: h, Message: msg}
	r.fan.Publish(ev)
}

func (b *bed) snapshot() testbeds.Testbed {
	tb := testbeds.Testbed{ID: b.plan.ID, Network: b.plan.Network.Name}
	// Plan order first, so callers see services as declared.
	seen := map[string]bool{}
	for _, s := range b.plan.Services {
		if st, ok := b.services[s.Name]; ok {
			tb.Services = append(tb.Services, *st)
			seen[s.Name] = true
		}
	}
	for _, name := range sortedKeys(b.services) {
		if !seen[name] {
			tb.Services = append(tb.Services, *b.services[name])
		}
	}
	return tb
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func clonePlan(p testbeds.Plan) testbeds.Plan {
	p.Services = slices.Clone(p.Services)
	p.Volumes = slices.Clone(p.Volumes)
	return p
}
