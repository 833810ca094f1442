package testbeds

import "errors"

// Errors a Runtime wraps so callers can tell causes apart with errors.Is
// without knowing the runtime. The wrapping error names the object and the
// remedy for people.
var (
	// ErrUnavailable: the runtime cannot be reached (daemon stopped, socket
	// missing). Callers mark testbeds unknown and retry later.
	ErrUnavailable = errors.New("container runtime unavailable")
	// ErrImageMissing: a service's image is not present and cannot be
	// pulled; it has to be built on the host first.
	ErrImageMissing = errors.New("image not present")
	// ErrAddressPools: the host has no free address range for a new
	// testbed network.
	ErrAddressPools = errors.New("no free network address pool")
	// ErrOutOfMemory: a container was killed or refused for lack of memory.
	ErrOutOfMemory = errors.New("out of memory")
	// ErrNoDisk: the host ran out of disk space.
	ErrNoDisk = errors.New("no space left on device")
	// ErrNotRunning: a service has no running container to reach.
	ErrNotRunning = errors.New("service not running")
	// ErrInvalidPlan: a plan a runtime cannot carry out as given.
	ErrInvalidPlan = errors.New("invalid testbed plan")
)
