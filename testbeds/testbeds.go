package testbeds

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
)

// ID names one testbed: one candidate of one pilot.
type ID struct {
	Pilot     string // the pilot's id
	Candidate string
}

func (id ID) String() string { return id.Pilot + "/" + id.Candidate }

// Compare orders ids by pilot, then candidate; runtimes list testbeds in
// this order.
func (id ID) Compare(other ID) int {
	return cmp.Or(strings.Compare(id.Pilot, other.Pilot), strings.Compare(id.Candidate, other.Candidate))
}

// Plan is everything a runtime needs to create one candidate's testbed. It is
// produced by a pure function from the pilot's spec, so `pilotbed plan`
// shows exactly what the runtime will be asked to do.
type Plan struct {
	ID       ID
	Instance string // the pilotbed instance that owns the testbed
	Network  Network
	Entry    string // the service participants reach
	Services []Service
	Volumes  []Volume
}

// Validate checks what every runtime needs of a plan: an id with a pilot
// and a candidate, and services with distinct names and an image. Returns
// an error wrapping ErrInvalidPlan otherwise; a runtime may check more.
func (p Plan) Validate() error {
	if p.ID.Pilot == "" || p.ID.Candidate == "" {
		return fmt.Errorf("%w: testbed id %q needs a pilot and a candidate", ErrInvalidPlan, p.ID)
	}
	seen := map[string]bool{}
	for _, s := range p.Services {
		switch {
		case s.Name == "":
			return fmt.Errorf("%w: testbed %s has a service without a name", ErrInvalidPlan, p.ID)
		case seen[s.Name]:
			return fmt.Errorf("%w: testbed %s has service %q twice", ErrInvalidPlan, p.ID, s.Name)
		case s.Image == "":
			return fmt.Errorf("%w: service %q of testbed %s has no image", ErrInvalidPlan, s.Name, p.ID)
		}
		seen[s.Name] = true
	}
	return nil
}

// Network is the testbed's own network.
type Network struct {
	Name     string
	Internal bool // no route out of the testbed
}

// Service is one container of a testbed.
type Service struct {
	Name string
	// ContainerName is the runtime object's name, unique on the host; a
	// runtime derives one from the network name and Name when empty.
	ContainerName string
	Image         string
	Port          int
	Env           map[string]string
	Command       []string
	Limits        Limits
	Health        Health
	Mounts        []Mount
	Hardening     Hardening
	// Hash identifies the normalised service spec; a runtime recreates a
	// container whose hash differs.
	Hash string
}

// Limits bound a container's resources.
type Limits struct {
	MemoryBytes int64 // memory, and memory+swap, in bytes
	NanoCPUs    int64 // CPU in units of 1e-9 cores
	PIDs        int64
}

// Health says how pilotbed probes a service.
type Health struct {
	HTTPPath string // GET this path; empty means a TCP connect to Port
	Port     int
	Interval time.Duration
	Timeout  time.Duration
	Retries  int // consecutive failures before unhealthy
}

// Mount puts a testbed volume at a path.
type Mount struct {
	Volume string // name of a Volume of the plan
	Path   string
}

// Volume is a named volume of the testbed.
type Volume struct {
	Name string
	Keep bool // survives Destroy unless DestroyOptions.RemoveKept
}

// Hardening is the security posture of a container. A plan always states
// it in full so what is enforced can be shown and inspected.
type Hardening struct {
	CapDrop         []string // always ["ALL"]
	CapAdd          []string // the spec's allowlist
	NoNewPrivileges bool
	ReadOnlyRootfs  bool
	Tmpfs           []string // writable paths on a read-only root
	LogMaxSize      string   // e.g. "10m"
	LogMaxFiles     int
	User            string // empty keeps the image's user
}

// State of a container as the runtime sees it.
type State string

// Container states.
const (
	StateCreating   State = "creating"
	StateRunning    State = "running"
	StateRestarting State = "restarting"
	StateExited     State = "exited"
	StateMissing    State = "missing"
	StateUnknown    State = "unknown" // the runtime cannot be reached
)

// HealthStatus is the probe verdict on a service.
type HealthStatus string

// Health statuses, as the API reports them.
const (
	HealthStarting  HealthStatus = "starting"
	HealthHealthy   HealthStatus = "healthy"
	HealthUnhealthy HealthStatus = "unhealthy"
	HealthUnknown   HealthStatus = "unknown"
)

// Testbed is the observed state of one testbed.
type Testbed struct {
	ID       ID
	Network  string
	Services []ServiceStatus
}

// ServiceStatus is the observed state of one service.
type ServiceStatus struct {
	Name        string
	ContainerID string
	State       State
	Health      HealthStatus
	Hash        string // the spec hash the running container was created from
	Restarts    int
	Since       time.Time // when State or Health last changed
	Message     string    // the cause of the last failure, for people
}

// EventKind classifies a runtime event.
type EventKind string

// Event kinds.
const (
	EventCreated   EventKind = "created"
	EventStarted   EventKind = "started"
	EventHealthy   EventKind = "healthy"
	EventUnhealthy EventKind = "unhealthy"
	EventDied      EventKind = "died"
	EventOOM       EventKind = "oom"
	EventRestarted EventKind = "restarted"
	EventGaveUp    EventKind = "gave_up" // restart budget spent
	EventRemoved   EventKind = "removed"
	EventAdopted   EventKind = "adopted"
	EventUnknown   EventKind = "unknown" // the runtime became unreachable
)

// Event is something a runtime observed about a service of a testbed.
type Event struct {
	Time    time.Time
	ID      ID
	Service string
	Kind    EventKind
	Health  HealthStatus // the service's health after the event
	Message string
}

// DestroyOptions tune Destroy.
type DestroyOptions struct {
	RemoveKept bool // also remove volumes marked Keep
}

// Runtime runs testbeds. Implementations are safe for concurrent use.
//
// Lifecycle: Apply creates or converges a testbed to its plan; the runtime
// then supervises it (probes health, restarts failed containers within a
// budget, reports Events) until Destroy. A runtime that restarts adopts the
// testbeds its instance owns from their labels and resumes supervising them
// once Apply is called again with an unchanged plan.
type Runtime interface {
	// Ping checks that the runtime is reachable. Returns an error naming the
	// cause when it is not.
	Ping(ctx context.Context) error

	// Apply makes the testbed match the plan and returns its state. It is
	// idempotent: applying the same plan again changes nothing, and a
	// changed plan recreates only the services whose hash changed, starting
	// the new container before removing the old one. Existing objects with
	// the plan's names are adopted or replaced, never reported as conflicts.
	// Apply returns once every container is started; health follows as
	// Events.
	Apply(ctx context.Context, plan Plan) (Testbed, error)

	// Destroy removes the testbed's containers, network and volumes (kept
	// volumes only with RemoveKept). It is idempotent and safe after a
	// failed or partial Apply: a testbed that does not exist is no error.
	Destroy(ctx context.Context, id ID, opts DestroyOptions) error

	// Testbeds returns the state of every testbed this instance owns,
	// rebuilt from the runtime's labels, not from memory.
	Testbeds(ctx context.Context) ([]Testbed, error)

	// Sweep removes what this instance owns but is not in keep, once it has
	// been unwanted for longer than grace. It never touches objects of
	// another instance or objects without pilotbed's labels.
	Sweep(ctx context.Context, keep []ID, grace time.Duration) error

	// Events delivers runtime events until ctx ends. Several subscribers
	// each get every event; a slow subscriber may miss events, never block
	// the runtime.
	Events(ctx context.Context) <-chan Event

	// Dial address of a service for HTTP from pilotbed's own process (the
	// gateway), e.g. "http://172.18.0.3:8080". Returns an error when the
	// service is not running.
	Endpoint(ctx context.Context, id ID, service string) (string, error)

	// Close stops supervising. Testbeds keep running, to be adopted later.
	Close() error
}
