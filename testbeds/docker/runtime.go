package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/pilotbed/pilotbed/testbeds"
)

// Defaults of Options.
const (
	DefaultInstance         = "pilotbed"
	DefaultRestartBudget    = 5
	DefaultRestartWindow    = time.Hour
	DefaultBackoffBase      = time.Second
	DefaultBackoffMax       = time.Minute
	DefaultProbeStartPeriod = 30 * time.Second
	DefaultProbeStartEvery  = 250 * time.Millisecond
	DefaultStopTimeout      = 10 * time.Second
	DefaultCleanupTimeout   = 2 * time.Minute
)

// Options configure a Runtime. Every field has a default.
type Options struct {
	// Client talks to the Docker daemon; nil creates one from the
	// environment (DOCKER_HOST or the default socket) with API version
	// negotiation. A client passed in is not closed by Close.
	Client *client.Client
	// Instance is the owner label on every object; DefaultInstance when
	// empty. Two pilotbed servers on one host need different instances.
	Instance string
	Logger   *zap.Logger      // nop when nil
	Now      func() time.Time // time.Now when nil
	// Registerer receives the probe metrics pilotbed_probe_total{result}
	// and pilotbed_probe_duration_seconds; none are registered when nil.
	Registerer prometheus.Registerer

	// RestartBudget is how many times a service is restarted within
	// RestartWindow before the runtime gives up on it.
	RestartBudget int
	RestartWindow time.Duration
	// BackoffBase is the wait before the first restart of a service; each
	// further restart within the window waits twice as long, up to
	// BackoffMax. The same backoff paces reconnecting to the daemon.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	// ProbeStartPeriod is how long after a (re)start probe failures do not
	// count, so a slow starter is not restarted before it is up.
	ProbeStartPeriod time.Duration
	// ProbeStartEvery is the probe interval until a service is first
	// healthy, so it is seen healthy soon after it is.
	ProbeStartEvery time.Duration
	// DefaultProbe fills a service's Health fields left at zero (Interval,
	// Timeout, Retries).
	DefaultProbe testbeds.Health

	StopTimeout    time.Duration // SIGTERM to SIGKILL when stopping a container
	CleanupTimeout time.Duration // bound of Destroy and Sweep work after cancellation
	EventBuffer    int           // each subscriber's channel capacity; 256 when zero
}

// Runtime runs testbeds on one Docker Engine. Create it with New.
type Runtime struct {
	cli *client.Client
	// negotiated is set once the client has settled its API version; see
	// negotiate. negotiateMu lets one caller at a time try.
	negotiated  atomic.Bool
	negotiateMu sync.Mutex
	ownCli      bool
	instance    string
	log         *zap.Logger
	now         func() time.Time
	opts        Options
	metrics     *metrics
	http        *http.Client

	ctx    context.Context // ends at Close; parent of every supervisor
	cancel context.CancelFunc
	wg     sync.WaitGroup

	lockMu sync.Mutex
	locks  map[testbeds.ID]*sync.Mutex

	mu          sync.Mutex
	beds        map[testbeds.ID]*bed
	stopping    map[string]bool           // container ids pilotbed stops on purpose
	unwanted    map[testbeds.ID]time.Time // Sweep: first time a testbed was seen unwanted
	fan         testbeds.Fanout           // subscribers of Events
	closed      bool
	unreachable bool
}

var _ testbeds.Runtime = (*Runtime)(nil)

// New returns a Runtime and starts watching the daemon's events for this
// instance. It does not fail when the daemon is down: Ping says so, and the
// runtime reconnects by itself.
func New(opts Options) (*Runtime, error) {
	if opts.Instance == "" {
		opts.Instance = DefaultInstance
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	setDefault(&opts.RestartBudget, DefaultRestartBudget)
	setDefault(&opts.RestartWindow, DefaultRestartWindow)
	setDefault(&opts.BackoffBase, DefaultBackoffBase)
	setDefault(&opts.BackoffMax, DefaultBackoffMax)
	setDefault(&opts.ProbeStartPeriod, DefaultProbeStartPeriod)
	setDefault(&opts.ProbeStartEvery, DefaultProbeStartEvery)
	setDefault(&opts.DefaultProbe.Interval, 10*time.Second)
	setDefault(&opts.DefaultProbe.Timeout, 2*time.Second)
	setDefault(&opts.DefaultProbe.Retries, 3)
	setDefault(&opts.StopTimeout, DefaultStopTimeout)
	setDefault(&opts.CleanupTimeout, DefaultCleanupTimeout)
	setDefault(&opts.EventBuffer, 256)

	r := &Runtime{
		cli:      opts.Client,
		instance: opts.Instance,
		log:      opts.Logger.With(zap.String("instance", opts.Instance)),
		now:      opts.Now,
		opts:     opts,
		http:     newProbeClient(),
		locks:    map[testbeds.ID]*sync.Mutex{},
		beds:     map[testbeds.ID]*bed{},
		stopping: map[string]bool{},
		unwanted: map[testbeds.ID]time.Time{},
	}
	if r.cli == nil {
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return nil, fmt.Errorf("create Docker client: %w", err)
		}
		r.cli, r.ownCli = cli, true
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	r.metrics = m
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(1)
	go r.watchEvents()
	return r, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Ping checks that the daemon answers.
// negotiate settles the client's API version before it is used from more
// than one goroutine. The client negotiates lazily on a request and then
// writes its version, which requests running at the same time read without
// a lock (a data race, seen between the event watcher and Sweep). Every
// entry point that calls the daemon passes here first: one caller at a time
// makes a versioned request, and once it succeeded this is an atomic load.
// A client already negotiated is not written to again.
func (r *Runtime) negotiate(ctx context.Context) error {
	if r.negotiated.Load() {
		return nil
	}
	r.negotiateMu.Lock()
	defer r.negotiateMu.Unlock()
	if r.negotiated.Load() {
		return nil
	}
	if _, err := r.cli.ServerVersion(ctx); err != nil {
		return classify(err, "reach Docker daemon at "+r.cli.DaemonHost())
	}
	r.negotiated.Store(true)
	return nil
}

func (r *Runtime) Ping(ctx context.Context) error {
	if _, err := r.cli.Ping(ctx); err != nil {
		return classify(err, "ping Docker daemon at "+r.cli.DaemonHost())
	}
	return nil
}

// lock serialises work on one testbed: Apply, Destroy and restarts.
func (r *Runtime) lock(id testbeds.ID) func() {
	r.lockMu.Lock()
	l, ok := r.locks[id]
	if !ok {
		l = &sync.Mutex{}
		r.locks[id] = l
	}
	r.lockMu.Unlock()
	l.Lock()
	return l.Unlock
}

// Apply converges the testbed to plan. See testbeds.Runtime.
func (r *Runtime) Apply(ctx context.Context, plan testbeds.Plan) (testbeds.Testbed, error) {
	p, err := normalise(plan, r.instance)
	if err != nil {
		return testbeds.Testbed{}, err
	}
	if err := r.negotiate(ctx); err != nil {
		return testbeds.Testbed{}, err
	}
	unlock := r.lock(p.ID)
	defer unlock()
	log := r.log.With(zap.String("pilot", p.ID.Pilot), zap.String("candidate", p.ID.Candidate))

	if err := r.checkImages(ctx, p); err != nil {
		return testbeds.Testbed{}, err
	}
	existing, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: ownerFilter(r.instance, p.ID)})
	if err != nil {
		return testbeds.Testbed{}, classify(err, fmt.Sprintf("list containers of testbed %s", p.ID))
	}
	recreated, err := r.ensureNetwork(ctx, p, existing)
	if err != nil {
		return testbeds.Testbed{}, err
	}
	if recreated {
		existing = nil // removed with the network that drifted
	}
	if err := r.ensureVolumes(ctx, p); err != nil {
		return testbeds.Testbed{}, err
	}

	byService := map[string][]container.Summary{}
	for _, c := range existing {
		byService[c.Labels[LabelService]] = append(byService[c.Labels[LabelService]], c)
	}
	results := make([]applied, len(p.Services))
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range p.Services {
		g.Go(func() error {
			res, err := r.ensureService(gctx, p, s, byService[s.Name])
			results[i] = res
			return err
		})
	}
	err = g.Wait()
	// Whatever started is supervised, even when a sibling failed, so a
	// partial testbed is watched until the next Apply or Destroy.
	r.supervise(p, results)
	if err != nil {
		return r.snapshot(p.ID), err
	}
	// Services no longer in the plan go, after the new ones are up.
	var stale []container.Summary
	for name, cs := range byService {
		if !slices.ContainsFunc(p.Services, func(s testbeds.Service) bool { return s.Name == name }) {
			stale = append(stale, cs...)
		}
	}
	for _, c := range stale {
		if err := r.removeContainer(context.WithoutCancel(ctx), c.ID); err != nil {
			return r.snapshot(p.ID), err
		}
		r.emit(p.ID, c.Labels[LabelService], testbeds.EventRemoved, testbeds.HealthUnknown, "no longer in the plan")
	}
	log.Debug("testbed applied", zap.Int("services", len(p.Services)))
	return r.snapshot(p.ID), nil
}

// checkImages fails early, naming the image, when one is missing: there is
// no registry to pull from.
func (r *Runtime) checkImages(ctx context.Context, p testbeds.Plan) error {
	seen := map[string]bool{}
	for _, s := range p.Services {
		if seen[s.Image] {
			continue
		}
		seen[s.Image] = true
		if _, err := r.cli.ImageInspect(ctx, s.Image); err != nil {
			if cerrdefs.IsNotFound(err) {
				return fmt.Errorf("service %q of testbed %s: %w", s.Name, p.ID, imageMissing(s.Image, err))
			}
			return classify(err, fmt.Sprintf("inspect image %q", s.Image))
		}
	}
	return nil
}

// ensureNetwork creates the testbed's network, adopts it when it exists
// with the right settings, and recreates it when its internal flag drifted,
// removing the existing containers first; recreated says it did.
func (r *Runtime) ensureNetwork(ctx context.Context, p testbeds.Plan, existing []container.Summary) (recreated bool, err error) {
	name := p.Network.Name
	n, err := r.cli.NetworkInspect(ctx, name, network.InspectOptions{})
	switch {
	case err == nil && n.Name == name:
		id, ok := idOf(n.Labels, r.instance)
		if !ok || id != p.ID {
			return false, notOwned("network", name)
		}
		if n.Internal == p.Network.Internal {
			return false, nil
		}
		r.log.Info("network drifted; recreating the testbed",
			zap.String("pilot", p.ID.Pilot), zap.String("candidate", p.ID.Candidate), zap.String("network", name))
		r.unsupervise(p.ID)
		for _, c := range existing {
			if err := r.removeContainer(context.WithoutCancel(ctx), c.ID); err != nil {
				return false, err
			}
		}
		if err := r.removeNetwork(context.WithoutCancel(ctx), n.ID, name); err != nil {
			return false, err
		}
		recreated = true
	case err == nil, cerrdefs.IsNotFound(err):
		// Not there (a partial-id match of another network is not ours).
	default:
		return false, classify(err, fmt.Sprintf("inspect network %q", name))
	}
	if _, err := r.cli.NetworkCreate(ctx, name, networkCreate(p)); err != nil {
		if cerrdefs.IsConflict(err) {
			// Created meanwhile by a concurrent Apply: check it is ours.
			return recreated, r.ensureNetworkOwned(ctx, p)
		}
		return recreated, classify(err, fmt.Sprintf("create network %q for testbed %s", name, p.ID))
	}
	return recreated, nil
}

func (r *Runtime) ensureNetworkOwned(ctx context.Context, p testbeds.Plan) error {
	n, err := r.cli.NetworkInspect(ctx, p.Network.Name, network.InspectOptions{})
	if err != nil {
		return classify(err, fmt.Sprintf("inspect network %q", p.Network.Name))
	}
	if id, ok := idOf(n.Labels, r.instance); !ok || id != p.ID {
		return notOwned("network", p.Network.Name)
	}
	return nil
}

func (r *Runtime) ensureVolumes(ctx context.Context, p testbeds.Plan) error {
	for _, v := range p.Volumes {
		name := volumeName(p, v.Name)
		got, err := r.cli.VolumeInspect(ctx, name)
		switch {
		case err == nil:
			if id, ok := idOf(got.Labels, r.instance); !ok || id != p.ID {
				return notOwned("volume", name)
			}
			continue
		case !cerrdefs.IsNotFound(err):
			return classify(err, fmt.Sprintf("inspect volume %q", name))
		}
		if _, err := r.cli.VolumeCreate(ctx, volumeCreate(p, v)); err != nil {
			return classify(err, fmt.Sprintf("create volume %q for testbed %s", name, p.ID))
		}
	}
	return nil
}

// applied is what ensureService did for one service.
type applied struct {
	service     testbeds.Service
	containerID string
	kind        testbeds.EventKind // created, started or adopted; "" when nothing ran
}

// ensureService converges one service: it adopts a running container with
// the right hash, starts a stopped one, and otherwise creates a new
// container (under a temporary name when the old one still holds the name),
// starts it, and only then removes the old ones.
func (r *Runtime) ensureService(ctx context.Context, p testbeds.Plan, s testbeds.Service, have []container.Summary) (applied, error) {
	res := applied{service: s}
	// Prefer a running container with the right hash, then a stopped one.
	slices.SortStableFunc(have, func(a, b container.Summary) int {
		return rank(a, s.Hash) - rank(b, s.Hash)
	})
	var keep *container.Summary
	if len(have) > 0 && have[0].Labels[LabelHash] == s.Hash {
		keep = &have[0]
	}
	var old []container.Summary
	for i := range have {
		if keep == nil || have[i].ID != keep.ID {
			old = append(old, have[i])
		}
	}

	if keep != nil {
		res.containerID = keep.ID
		// The daemon's list lags its state by a moment; inspect is exact.
		c, err := r.cli.ContainerInspect(ctx, keep.ID)
		if err != nil {
			return res, classify(err, fmt.Sprintf("inspect container of service %q of testbed %s", s.Name, p.ID))
		}
		switch {
		case c.State != nil && (c.State.Running || c.State.Restarting):
			res.kind = testbeds.EventAdopted
		case r.heldBack(p.ID, s.Name, keep.ID):
			// The runtime restarts it after a backoff, or gave up on it:
			// starting it here would bypass the restart budget.
		default:
			if err := r.cli.ContainerStart(ctx, keep.ID, container.StartOptions{}); err != nil {
				return res, classify(err, fmt.Sprintf("start container of service %q of testbed %s", s.Name, p.ID))
			}
			res.kind = testbeds.EventStarted
		}
		for _, c := range old {
			if err := r.removeContainer(context.WithoutCancel(ctx), c.ID); err != nil {
				return res, err
			}
		}
		if !hasName(*keep, s.ContainerName) {
			// Left under a temporary name by an interrupted replacement.
			if err := r.cli.ContainerRename(ctx, keep.ID, s.ContainerName); err != nil {
				r.log.Warn("rename adopted container", zap.String("container", keep.ID), zap.Error(err))
			}
		}
		return res, nil
	}

	spec := convertService(p, s, r.opts.StopTimeout)
	name := spec.Name
	if slices.ContainsFunc(old, func(c container.Summary) bool { return hasName(c, name) }) {
		name = spec.Name + "-next-" + randomSuffix()
	}
	id, err := r.createContainer(ctx, p, s, spec, name)
	if err != nil {
		return res, err
	}
	res.containerID = id
	if err := r.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		return res, classify(err, fmt.Sprintf("start container of service %q of testbed %s", s.Name, p.ID))
	}
	res.kind = testbeds.EventCreated
	for _, c := range old {
		if err := r.removeContainer(context.WithoutCancel(ctx), c.ID); err != nil {
			return res, err
		}
	}
	if name != spec.Name {
		if err := r.cli.ContainerRename(ctx, id, spec.Name); err != nil {
			return res, classify(err, fmt.Sprintf("rename container %q to %q", name, spec.Name))
		}
	}
	return res, nil
}

// createContainer creates a container; a name held by another container of
// this instance is freed, one held by anything else is an error.
func (r *Runtime) createContainer(ctx context.Context, p testbeds.Plan, s testbeds.Service, spec containerSpec, name string) (string, error) {
	for attempt := 0; ; attempt++ {
		created, err := r.cli.ContainerCreate(ctx, spec.Config, spec.HostConfig, spec.Networking, nil, name)
		if err == nil {
			return created.ID, nil
		}
		if !cerrdefs.IsConflict(err) || attempt > 0 {
			if cerrdefs.IsNotFound(err) {
				return "", fmt.Errorf("service %q of testbed %s: %w", s.Name, p.ID, imageMissing(s.Image, err))
			}
			return "", classify(err, fmt.Sprintf("create container %q for service %q of testbed %s", name, s.Name, p.ID))
		}
		holder, ierr := r.cli.ContainerInspect(ctx, name)
		if ierr != nil {
			return "", classify(ierr, fmt.Sprintf("inspect container %q holding the name", name))
		}
		if holder.Config == nil || holder.Config.Labels[LabelInstance] != r.instance {
			return "", notOwned("container", name)
		}
		if err := r.removeContainer(context.WithoutCancel(ctx), holder.ID); err != nil {
			return "", err
		}
	}
}

func rank(c container.Summary, hash string) int {
	n := 0
	if c.Labels[LabelHash] != hash {
		n += 2
	}
	if stateOf(c.State) != testbeds.StateRunning {
		n++
	}
	return n
}

func hasName(c container.Summary, name string) bool {
	return slices.Contains(c.Names, "/"+name)
}

func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// removeContainer stops (SIGTERM, then SIGKILL after StopTimeout) and
// removes a container. One already gone is no error.
func (r *Runtime) removeContainer(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.CleanupTimeout)
	defer cancel()
	r.mu.Lock()
	r.stopping[id] = true
	r.mu.Unlock()
	timeout := seconds(r.opts.StopTimeout)
	if err := r.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil && !cerrdefs.IsNotFound(err) {
		r.log.Warn("stop container; removing it by force", zap.String("container", id), zap.Error(err))
	}
	err := r.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	r.forgetStopping(id)
	if err != nil && !cerrdefs.IsNotFound(err) {
		return classify(err, fmt.Sprintf("remove container %s", shortID(id)))
	}
	return nil
}

// removeNetwork removes a network, retrying while containers are still
// being detached from it and finally disconnecting what remains.
func (r *Runtime) removeNetwork(ctx context.Context, id, name string) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.CleanupTimeout)
	defer cancel()
	var err error
	for attempt := range 40 {
		err = r.cli.NetworkRemove(ctx, id)
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if client.IsErrConnectionFailed(err) {
			break
		}
		if attempt == 10 {
			// Still busy: detach whatever is attached (stopped containers of
			// ours that lost their labels, or something attached by hand).
			if n, ierr := r.cli.NetworkInspect(ctx, id, network.InspectOptions{}); ierr == nil {
				for cid := range n.Containers {
					_ = r.cli.NetworkDisconnect(ctx, id, cid, true)
				}
			}
		}
		select {
		case <-ctx.Done():
			return classify(err, fmt.Sprintf("remove network %q", name))
		case <-time.After(250 * time.Millisecond):
		}
	}
	return classify(err, fmt.Sprintf("remove network %q", name))
}

// Destroy removes the testbed. See testbeds.Runtime. The work goes on after
// ctx is cancelled, bounded by CleanupTimeout, so a testbed is never left
// half removed.
func (r *Runtime) Destroy(ctx context.Context, id testbeds.ID, opts testbeds.DestroyOptions) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CleanupTimeout)
	defer cancel()
	if err := r.negotiate(ctx); err != nil {
		return err
	}
	unlock := r.lock(id)
	defer unlock()
	return r.destroy(ctx, id, opts)
}

func (r *Runtime) destroy(ctx context.Context, id testbeds.ID, opts testbeds.DestroyOptions) error {
	if id.Pilot == "" || id.Candidate == "" {
		return fmt.Errorf("%w: destroy needs a pilot and a candidate, got %q", testbeds.ErrInvalidPlan, id)
	}
	r.unsupervise(id)
	f := ownerFilter(r.instance, id)
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return classify(err, fmt.Sprintf("list containers of testbed %s", id))
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range cs {
		g.Go(func() error {
			if err := r.removeContainer(gctx, c.ID); err != nil {
				return err
			}
			r.emit(id, c.Labels[LabelService], testbeds.EventRemoved, testbeds.HealthUnknown, "testbed removed")
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("destroy testbed %s: %w", id, err)
	}
	nets, err := r.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return classify(err, fmt.Sprintf("list networks of testbed %s", id))
	}
	for _, n := range nets {
		if err := r.removeNetwork(ctx, n.ID, n.Name); err != nil {
			return fmt.Errorf("destroy testbed %s: %w", id, err)
		}
	}
	vols, err := r.cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return classify(err, fmt.Sprintf("list volumes of testbed %s", id))
	}
	for _, v := range vols.Volumes {
		if v.Labels[LabelKeep] == "true" && !opts.RemoveKept {
			continue
		}
		if err := r.cli.VolumeRemove(ctx, v.Name, true); err != nil && !cerrdefs.IsNotFound(err) {
			return classify(err, fmt.Sprintf("remove volume %q of testbed %s", v.Name, id))
		}
	}
	r.mu.Lock()
	delete(r.unwanted, id)
	r.mu.Unlock()
	return nil
}

// Testbeds lists this instance's testbeds from the containers' labels.
func (r *Runtime) Testbeds(ctx context.Context) ([]testbeds.Testbed, error) {
	if err := r.negotiate(ctx); err != nil {
		return nil, err
	}
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: ownerFilter(r.instance, testbeds.ID{})})
	if err != nil {
		return nil, classify(err, "list testbed containers")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	byID := map[testbeds.ID]*testbeds.Testbed{}
	var ids []testbeds.ID
	for _, c := range cs {
		id, ok := idOf(c.Labels, r.instance)
		if !ok {
			continue
		}
		tb, ok := byID[id]
		if !ok {
			tb = &testbeds.Testbed{ID: id, Network: c.Labels[LabelNetwork]}
			byID[id] = tb
			ids = append(ids, id)
		}
		st := testbeds.ServiceStatus{
			Name:        c.Labels[LabelService],
			ContainerID: c.ID,
			State:       stateOf(c.State),
			Health:      testbeds.HealthUnknown,
			Hash:        c.Labels[LabelHash],
			Since:       time.Unix(c.Created, 0),
			Message:     c.Status,
		}
		if b, ok := r.beds[id]; ok {
			if sv, ok := b.services[st.Name]; ok && sv.containerID == c.ID {
				st.Health, st.Restarts, st.Since, st.Message = sv.health, sv.restarts, sv.since, sv.message
				if !sv.running && !sv.restarting && st.State == testbeds.StateRunning {
					// The daemon's list lags its events by a moment; the die
					// event the supervisor saw is the fresher news.
					st.State = testbeds.StateExited
				}
			}
		}
		tb.Services = append(tb.Services, st)
	}
	slices.SortFunc(ids, testbeds.ID.Compare)
	out := make([]testbeds.Testbed, 0, len(ids))
	for _, id := range ids {
		tb := byID[id]
		slices.SortFunc(tb.Services, func(a, b testbeds.ServiceStatus) int { return strings.Compare(a.Name, b.Name) })
		out = append(out, *tb)
	}
	return out, nil
}

// Sweep removes testbeds of this instance that are not in keep once they
// have been seen unwanted for grace. Volumes marked keep survive. Objects
// of other instances and unlabelled ones are never listed, so never
// touched.
func (r *Runtime) Sweep(ctx context.Context, keep []testbeds.ID, grace time.Duration) error {
	if err := r.negotiate(ctx); err != nil {
		return err
	}
	f := ownerFilter(r.instance, testbeds.ID{})
	present := map[testbeds.ID]bool{}
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return classify(err, "list containers to sweep")
	}
	for _, c := range cs {
		if id, ok := idOf(c.Labels, r.instance); ok {
			present[id] = true
		}
	}
	nets, err := r.cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return classify(err, "list networks to sweep")
	}
	for _, n := range nets {
		if id, ok := idOf(n.Labels, r.instance); ok {
			present[id] = true
		}
	}
	vols, err := r.cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return classify(err, "list volumes to sweep")
	}
	for _, v := range vols.Volumes {
		if id, ok := idOf(v.Labels, r.instance); ok && v.Labels[LabelKeep] != "true" {
			present[id] = true
		}
	}

	now := r.now()
	var due []testbeds.ID
	r.mu.Lock()
	for id := range r.unwanted {
		if !present[id] || slices.Contains(keep, id) {
			delete(r.unwanted, id)
		}
	}
	for id := range present {
		if slices.Contains(keep, id) {
			continue
		}
		first, ok := r.unwanted[id]
		if !ok {
			r.unwanted[id] = now
			first = now
		}
		if now.Sub(first) >= grace {
			due = append(due, id)
		}
	}
	r.mu.Unlock()

	slices.SortFunc(due, testbeds.ID.Compare)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CleanupTimeout)
	defer cancel()
	for _, id := range due {
		r.log.Info("sweeping unwanted testbed", zap.String("pilot", id.Pilot), zap.String("candidate", id.Candidate))
		unlock := r.lock(id)
		err := r.destroy(cctx, id, testbeds.DestroyOptions{})
		unlock()
		if err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	return nil
}

// Endpoint returns "http://<ip>:<port>" of a running service on its testbed
// network. See doc.go for why pilotbed can reach that address.
func (r *Runtime) Endpoint(ctx context.Context, id testbeds.ID, service string) (string, error) {
	r.mu.Lock()
	if b, ok := r.beds[id]; ok {
		if sv, ok := b.services[service]; ok {
			if sv.running && sv.ip != "" && sv.spec.Port > 0 {
				u := fmt.Sprintf("http://%s:%d", sv.ip, sv.spec.Port)
				r.mu.Unlock()
				return u, nil
			}
			if !sv.running && !sv.restarting {
				r.mu.Unlock()
				return "", fmt.Errorf("endpoint of service %q of testbed %s: %w: %s", service, id, testbeds.ErrNotRunning, sv.message)
			}
		}
	}
	r.mu.Unlock()
	f := ownerFilter(r.instance, id)
	f.Add("label", LabelService+"="+service)
	if err := r.negotiate(ctx); err != nil {
		return "", err
	}
	cs, err := r.cli.ContainerList(ctx, container.ListOptions{Filters: f}) // running only
	if err != nil {
		return "", classify(err, fmt.Sprintf("find service %q of testbed %s", service, id))
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("endpoint of service %q of testbed %s: %w", service, id, testbeds.ErrNotRunning)
	}
	c := cs[0]
	port := c.Labels[LabelPort]
	if port == "" || port == "0" {
		return "", fmt.Errorf("endpoint of service %q of testbed %s: the service declares no port", service, id)
	}
	ip := ""
	if c.NetworkSettings != nil {
		if n, ok := c.NetworkSettings.Networks[c.Labels[LabelNetwork]]; ok && n != nil {
			ip = n.IPAddress
		}
	}
	if ip == "" {
		return "", fmt.Errorf("endpoint of service %q of testbed %s: the container has no address on network %q: %w", service, id, c.Labels[LabelNetwork], testbeds.ErrNotRunning)
	}
	return "http://" + ip + ":" + port, nil
}

// Close stops supervising and watching events. Containers keep running.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	r.fan.Close()
	if r.ownCli {
		return r.cli.Close()
	}
	return nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
