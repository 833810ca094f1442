package orchestrator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/pilotfile"
	"github.com/pilotbed/pilotbed/testbeds"
)

// Defaults of Config.
const (
	DefaultReconcileInterval = 15 * time.Second
	DefaultSweepGrace        = 10 * time.Minute
	DefaultRetryBase         = 10 * time.Second
	DefaultRetryMax          = 5 * time.Minute
	DefaultInstance          = "pilotbed"
)

// Actors the orchestrator records for what it does by itself.
const (
	ActorScheduler = "scheduler" // transitions made by the clock or by retries
	ActorRuntime   = "runtime"   // what the container runtime observed
)

// Config holds the orchestrator's dependencies and settings. Store and
// Runtime are required; every other field has a default.
type Config struct {
	Store pilots.Store
	// Feedback keeps participants and responses; the SQLite store
	// implements it beside Store. Participant features answer EUNAVAILABLE
	// when it is nil.
	Feedback pilots.FeedbackStore
	// Reports keeps the final report written at close and the dossier
	// written at promotion; the SQLite store implements it beside Store.
	// When nil they are kept only in DataDir, or built again when asked for.
	Reports  pilots.ReportStore
	Runtime  testbeds.Runtime
	Instance string // owner label on every testbed object; DefaultInstance when empty
	Logger   *zap.Logger
	Now      func() time.Time // the clock; time.Now when nil
	NewID    func() string    // pilot ids; "p-" and 10 random base32 characters when nil
	// Registerer receives the orchestrator's metrics; none are registered
	// when nil.
	Registerer prometheus.Registerer
	// DataDir is where close summaries are written, under pilots/<id>/;
	// nothing is written when empty.
	DataDir           string
	ReconcileInterval time.Duration // how often Run calls Tick
	SweepGrace        time.Duration // how long an unwanted testbed object lives before Sweep removes it
	// RetryBase is the wait before a failed pilot is provisioned again; it
	// doubles with every consecutive failure up to RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
}

// Orchestrator runs pilots through their lifecycle. It is safe for
// concurrent use. Create it with New, then call Run to start the scheduler.
type Orchestrator struct {
	store    pilots.Store
	feedback pilots.FeedbackStore
	reports  pilots.ReportStore
	runtime  testbeds.Runtime
	instance string
	log      *zap.Logger
	now      func() time.Time
	newID    func() string
	dataDir  string

	interval  time.Duration
	grace     time.Duration
	retryBase time.Duration
	retryMax  time.Duration

	// locks serialise the work on one pilot, so two ticks or a tick and a
	// kick never provision or close the same pilot at once.
	locksMu sync.Mutex
	locks   map[string]*sync.Mutex

	// bg is the context of work kicked off by Start, Approve and Close; it
	// ends when Run returns.
	bg       context.Context
	bgCancel context.CancelFunc
	kicks    sync.WaitGroup

	healthMu sync.Mutex
	health   map[healthKey]testbeds.HealthStatus

	// reachMu guards unreachable and serialises the events recorded when it
	// changes, so an outage is recorded once and not once per tick.
	reachMu     sync.Mutex
	unreachable bool
}

type healthKey struct {
	id      testbeds.ID
	service string
}

// New returns an orchestrator for cfg.
func New(cfg Config) (*Orchestrator, error) {
	if cfg.Store == nil {
		return nil, errors.New("orchestrator: no store configured")
	}
	if cfg.Runtime == nil {
		return nil, errors.New("orchestrator: no container runtime configured")
	}
	o := &Orchestrator{
		store:     cfg.Store,
		feedback:  cfg.Feedback,
		reports:   cfg.Reports,
		runtime:   cfg.Runtime,
		instance:  cfg.Instance,
		log:       cfg.Logger,
		now:       cfg.Now,
		newID:     cfg.NewID,
		dataDir:   cfg.DataDir,
		interval:  cfg.ReconcileInterval,
		grace:     cfg.SweepGrace,
		retryBase: cfg.RetryBase,
		retryMax:  cfg.RetryMax,
		locks:     make(map[string]*sync.Mutex),
		health:    make(map[healthKey]testbeds.HealthStatus),
	}
	if o.instance == "" {
		o.instance = DefaultInstance
	}
	if o.log == nil {
		o.log = zap.NewNop()
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.newID == nil {
		o.newID = newPilotID
	}
	if o.interval <= 0 {
		o.interval = DefaultReconcileInterval
	}
	if o.grace <= 0 {
		o.grace = DefaultSweepGrace
	}
	if o.retryBase <= 0 {
		o.retryBase = DefaultRetryBase
	}
	if o.retryMax <= 0 {
		o.retryMax = DefaultRetryMax
	}
	if o.retryMax < o.retryBase {
		o.retryMax = o.retryBase
	}
	o.bg, o.bgCancel = context.WithCancel(context.Background())
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(&collector{o: o}); err != nil {
			return nil, fmt.Errorf("orchestrator: register metrics: %w", err)
		}
	}
	return o, nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newPilotID returns "p-" and 10 random base32 characters (50 bits): short
// enough to type, random enough never to collide in one installation.
func newPilotID() string {
	b := make([]byte, 7)
	rand.Read(b) // never returns an error; see crypto/rand
	return "p-" + idEncoding.EncodeToString(b)[:10]
}

// Submit parses one pilot file, which must hold exactly one pilot block, and
// stores it as a draft. An invalid file returns *pilots.DiagnosticsError; a
// file with no or several pilots EINVALID; a name already in use ECONFLICT.
func (o *Orchestrator) Submit(ctx context.Context, actor, filename string, src []byte) (pilots.Pilot, error) {
	if filename == "" {
		filename = "pilot.hcl"
	}
	specs, diags := pilotfile.Parse(filename, src, pilotfile.Options{})
	if diags.HasErrors() {
		return pilots.Pilot{}, &pilots.DiagnosticsError{Diagnostics: pilotfile.Domain(diags)}
	}
	if len(specs) != 1 {
		return pilots.Pilot{}, pilots.Errorf(pilots.EINVALID,
			"a submitted file must hold exactly one pilot block; %s holds %d", filename, len(specs))
	}
	spec := specs[0]
	sum := sha256.Sum256(src)
	now := o.now()
	p := pilots.Pilot{
		ID:         o.newID(),
		Name:       spec.Name,
		Status:     pilots.StatusDraft,
		Reason:     "submitted",
		Spec:       spec,
		Source:     append([]byte(nil), src...),
		SourceHash: hex.EncodeToString(sum[:]),
		CreatedAt:  now,
		UpdatedAt:  now,
		CreatedBy:  actor,
	}
	ev := pilots.Event{
		PilotID: p.ID,
		Time:    now,
		Actor:   actor,
		Kind:    pilots.EventTransition,
		To:      string(pilots.StatusDraft),
		Reason:  "submitted",
	}
	if err := o.store.CreatePilot(ctx, p, ev); err != nil {
		return pilots.Pilot{}, fmt.Errorf("store pilot %q: %w", p.Name, err)
	}
	o.log.Info("pilot submitted", zap.String("pilot", p.ID), zap.String("name", p.Name), zap.String("actor", actor))
	return p, nil
}

// Pilots lists pilots, newest first.
func (o *Orchestrator) Pilots(ctx context.Context, filter pilots.PilotFilter) ([]pilots.Pilot, error) {
	return o.store.Pilots(ctx, filter)
}

// Pilot returns the pilot with the given id or name. Returns ENOTFOUND if
// there is none.
func (o *Orchestrator) Pilot(ctx context.Context, idOrName string) (pilots.Pilot, error) {
	return o.store.Pilot(ctx, idOrName)
}

// Approve moves a draft to scheduled; it starts at its start date, or at
// once when that has passed. Returns ECONFLICT for any other status.
func (o *Orchestrator) Approve(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	p, err := o.byHand(ctx, actor, idOrName, pilots.StatusScheduled, reason)
	if err == nil {
		o.kick(p.ID)
	}
	return p, err
}

// Start moves a draft or scheduled pilot (or a failed one, to retry at once)
// to provisioning and brings its testbeds up in the background; the pilot
// becomes running when they are up. Returns ECONFLICT for any other status.
func (o *Orchestrator) Start(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	p, err := o.byHand(ctx, actor, idOrName, pilots.StatusProvisioning, reason)
	if err == nil {
		o.kick(p.ID)
	}
	return p, err
}

// Close moves a provisioning, running or failed pilot to closing and closes
// it in the background: last measurements, surveys frozen, summary written,
// testbeds removed; then it is closed. Returns ECONFLICT for any other
// status.
func (o *Orchestrator) Close(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	p, err := o.byHand(ctx, actor, idOrName, pilots.StatusClosing, reason)
	if err == nil {
		o.kick(p.ID)
	}
	return p, err
}

// Withdraw moves a draft or scheduled pilot to withdrawn. Returns ECONFLICT
// for any other status.
func (o *Orchestrator) Withdraw(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return o.byHand(ctx, actor, idOrName, pilots.StatusWithdrawn, reason)
}

// Events returns a pilot's audit trail. Returns ENOTFOUND for an unknown
// pilot.
func (o *Orchestrator) Events(ctx context.Context, idOrName string, filter pilots.EventFilter) ([]pilots.Event, error) {
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	return o.store.Events(ctx, p.ID, filter)
}

// Ready returns nil when the store and the container runtime answer, and an
// error naming the one that does not.
func (o *Orchestrator) Ready(ctx context.Context) error {
	if err := o.store.Ping(ctx); err != nil {
		return &pilots.Error{Code: pilots.EUNAVAILABLE, Message: "the store does not answer", Err: err}
	}
	if err := o.runtime.Ping(ctx); err != nil {
		return &pilots.Error{Code: pilots.EUNAVAILABLE, Message: "the container runtime does not answer", Err: err}
	}
	return nil
}

// byHand performs a transition asked for by a person.
func (o *Orchestrator) byHand(ctx context.Context, actor, idOrName string, to pilots.Status, reason string) (pilots.Pilot, error) {
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	return o.transition(ctx, p, to, actor, reason)
}
