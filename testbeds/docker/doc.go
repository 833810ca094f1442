// Package docker runs testbeds on one Docker Engine through its API: one
// user-defined bridge network per testbed, one hardened container per
// service, named volumes, and labels on every object so the state can be
// rebuilt from the daemon after pilotbed restarts.
//
// # Objects and labels
//
// Every container, network and volume carries io.pilotbed.instance,
// io.pilotbed.pilot and io.pilotbed.candidate; containers add
// io.pilotbed.service, io.pilotbed.hash (the service's normalised spec
// hash), io.pilotbed.network and io.pilotbed.port; volumes add
// io.pilotbed.volume and io.pilotbed.keep. Listing is always filtered by
// the instance label, so objects of another pilotbed instance and
// unlabelled objects are never seen, let alone removed. A name held by an
// object this instance does not own is reported as an error and left alone.
//
// Apply adopts a running container whose hash matches, starts a stopped
// one, and replaces a drifted one by creating and starting the new
// container first (under a temporary name while the old one holds the
// name), then removing the old one and renaming the new one. Services are
// converged in parallel.
//
// # Isolation
//
// A testbed's network is a user-defined bridge, created with Internal set
// unless the plan allows egress: an internal bridge has no default route
// and no masquerading, so its containers reach nothing outside it. Docker's
// own isolation rules (the DOCKER-ISOLATION chains) drop traffic between
// different bridge networks, so candidates cannot reach each other or other
// pilots. Services of one testbed reach each other by service name, a
// network alias on the testbed network. No port is ever published on the
// host.
//
// # How pilotbed reaches a testbed
//
// pilotbed runs on the Docker host and talks to a container at its address
// on the testbed network (Endpoint returns "http://<ip>:<port>"). This
// works for internal networks too: Docker still gives the bridge an address
// on the host (the network's gateway), so the host routes to the subnet
// directly, while the containers have no route out. Probes and the
// gateway's reverse proxy both use this path; it has been checked on the
// Docker 20.10 host pilotbed is developed on (cgroup v1, fuse-overlayfs).
// Nothing is opened towards the host's other interfaces. When pilotbed
// itself runs in a container, that container has to be attached to the
// testbed networks (or run with the host's network) for this to work;
// that deployment is not handled yet.
//
// # Supervision
//
// Apply starts one prober per service (an HTTP GET of the health path, 2xx
// or 3xx meaning healthy, or a TCP connect to the port), fast until the
// service is first healthy, then at its interval. Failures within the start
// period do not count; Retries consecutive failures make the service
// unhealthy. A watcher follows the daemon's die and oom events for this
// instance. A container that died or turned unhealthy is restarted after an
// exponential backoff, at most RestartBudget times per RestartWindow; then
// the runtime gives up (a gave_up event) until the testbed is applied
// again. Every change is an Event; consumers derive uptime from the
// healthy and unhealthy events. When the daemon goes away every service is
// reported unknown; when it returns, containers that died meanwhile are
// restarted and probing resumes. Close stops supervision and leaves the
// containers running, for a later Runtime of the same instance to adopt.
//
// # Errors
//
// Errors wrap the testbeds sentinels (ErrUnavailable, ErrImageMissing,
// ErrAddressPools, ErrOutOfMemory, ErrNoDisk, ErrNotRunning,
// ErrInvalidPlan) and say what to do: a missing image is built locally
// (there is no registry), exhausted address pools are freed with
// `docker network prune` or widened with default-address-pools in
// daemon.json.
package docker
