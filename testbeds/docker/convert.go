package docker

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/pilotbed/pilotbed/testbeds"
)

// Labels pilotbed puts on every container, network and volume it creates.
// They are the runtime's state: Testbeds, adoption and Sweep read them back.
const (
	LabelInstance  = "io.pilotbed.instance"
	LabelPilot     = "io.pilotbed.pilot"
	LabelCandidate = "io.pilotbed.candidate"
	LabelService   = "io.pilotbed.service" // containers only
	LabelHash      = "io.pilotbed.hash"    // containers: the service's spec hash
	LabelNetwork   = "io.pilotbed.network" // containers: the testbed network's name
	LabelInternal  = "io.pilotbed.internal"
	LabelVolume    = "io.pilotbed.volume" // volumes: the plan's volume name
	LabelKeep      = "io.pilotbed.keep"   // volumes kept by Destroy and Sweep
	LabelPort      = "io.pilotbed.port"   // containers: the service's port
)

// Tmpfs mount options for writable paths on a read-only root.
const tmpfsOptions = "rw,noexec,nosuid,nodev,size=64m"

// testbedLabels are the labels every object of a testbed carries.
func testbedLabels(instance string, id testbeds.ID) map[string]string {
	return map[string]string{
		LabelInstance:  instance,
		LabelPilot:     id.Pilot,
		LabelCandidate: id.Candidate,
	}
}

// normalise fills what a plan may leave out (names, hashes) and checks what
// the runtime cannot do without. The plan's slices are copied, never
// modified.
func normalise(p testbeds.Plan, instance string) (testbeds.Plan, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	if p.Instance == "" {
		p.Instance = instance
	}
	if p.Instance != instance {
		return p, fmt.Errorf("%w: plan of %s belongs to instance %q, this runtime is %q", testbeds.ErrInvalidPlan, p.ID, p.Instance, instance)
	}
	if p.Network.Name == "" {
		p.Network.Name = testbeds.ObjectName("pb", p.ID.Pilot, p.ID.Candidate)
	}
	if len(p.Services) == 0 {
		return p, fmt.Errorf("%w: testbed %s has no services", testbeds.ErrInvalidPlan, p.ID)
	}
	volumes := map[string]bool{}
	for _, v := range p.Volumes {
		if v.Name == "" {
			return p, fmt.Errorf("%w: testbed %s has a volume without a name", testbeds.ErrInvalidPlan, p.ID)
		}
		volumes[v.Name] = true
	}
	p.Services = slices.Clone(p.Services)
	for i := range p.Services {
		s := &p.Services[i]
		if s.Port < 0 || s.Port > 65535 {
			return p, fmt.Errorf("%w: service %q of testbed %s: port %d is outside 0..65535", testbeds.ErrInvalidPlan, s.Name, p.ID, s.Port)
		}
		for _, m := range s.Mounts {
			if !volumes[m.Volume] {
				return p, fmt.Errorf("%w: service %q of testbed %s mounts volume %q, which the plan does not declare", testbeds.ErrInvalidPlan, s.Name, p.ID, m.Volume)
			}
			if !strings.HasPrefix(m.Path, "/") {
				return p, fmt.Errorf("%w: service %q of testbed %s mounts volume %q at %q: want an absolute path", testbeds.ErrInvalidPlan, s.Name, p.ID, m.Volume, m.Path)
			}
		}
		if s.ContainerName == "" {
			s.ContainerName = testbeds.ObjectName(p.Network.Name, s.Name)
		}
		if s.Hash == "" {
			s.Hash = testbeds.HashService(*s)
		}
		if s.Health.Port == 0 && s.Health.HTTPPath == "" && s.Port > 0 && s.Health.Interval > 0 {
			s.Health.Port = s.Port
		}
	}
	return p, nil
}

// volumeName is the Docker volume of a plan's volume.
func volumeName(p testbeds.Plan, name string) string {
	return testbeds.ObjectName(p.Network.Name, name)
}

// networkCreate is how a testbed's network is created: a user-defined
// bridge, internal unless the plan allows egress, containers of the network
// reaching each other (ICC) but no other network.
func networkCreate(p testbeds.Plan) network.CreateOptions {
	labels := testbedLabels(p.Instance, p.ID)
	labels[LabelInternal] = strconv.FormatBool(p.Network.Internal)
	return network.CreateOptions{
		Driver:   "bridge",
		Internal: p.Network.Internal,
		Labels:   labels,
		Options: map[string]string{
			"com.docker.network.bridge.enable_icc": "true",
			// A candidate's network never gives its containers the host's
			// published ports or the default bridge's masquerading when internal.
			"com.docker.network.bridge.enable_ip_masquerade": strconv.FormatBool(!p.Network.Internal),
		},
	}
}

// volumeCreate is how a plan's volume is created.
func volumeCreate(p testbeds.Plan, v testbeds.Volume) volume.CreateOptions {
	labels := testbedLabels(p.Instance, p.ID)
	labels[LabelVolume] = v.Name
	labels[LabelKeep] = strconv.FormatBool(v.Keep)
	return volume.CreateOptions{Name: volumeName(p, v.Name), Driver: "local", Labels: labels}
}

// containerSpec is everything ContainerCreate takes for one service.
type containerSpec struct {
	Config     *container.Config
	HostConfig *container.HostConfig
	Networking *network.NetworkingConfig
	Name       string
}

// seconds is d in whole seconds, the unit of Docker's stop timeouts.
func seconds(d time.Duration) int {
	return int(d.Round(time.Second) / time.Second)
}

// convertService turns a service of a normalised plan into a hardened
// container: all capabilities dropped but the allowlist, no-new-privileges,
// memory equal to memory+swap, CPU and PID limits, rotated json-file logs,
// named volumes only, no published ports, never privileged, no host
// namespaces and no restart policy (pilotbed restarts within its budget).
func convertService(p testbeds.Plan, s testbeds.Service, stopTimeout time.Duration) containerSpec {
	labels := testbedLabels(p.Instance, p.ID)
	labels[LabelService] = s.Name
	labels[LabelHash] = s.Hash
	labels[LabelNetwork] = p.Network.Name
	labels[LabelPort] = strconv.Itoa(s.Port)

	env := make([]string, 0, len(s.Env))
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		env = append(env, k+"="+s.Env[k])
	}
	stopSeconds := seconds(stopTimeout)
	cfg := &container.Config{
		Hostname:    s.Name,
		User:        s.Hardening.User,
		Env:         env,
		Cmd:         slices.Clone(s.Command),
		Image:       s.Image,
		Labels:      labels,
		StopTimeout: &stopSeconds,
	}

	capDrop := testbeds.NormaliseCaps(s.Hardening.CapDrop)
	if !slices.Contains(capDrop, "ALL") {
		// The contract says always ALL; a plan that forgot is hardened anyway.
		capDrop = append([]string{"ALL"}, capDrop...)
	}
	securityOpt := []string{"no-new-privileges:true"}
	if !s.Hardening.NoNewPrivileges {
		securityOpt = nil
	}
	logOpts := map[string]string{}
	if s.Hardening.LogMaxSize != "" {
		logOpts["max-size"] = s.Hardening.LogMaxSize
	}
	if s.Hardening.LogMaxFiles > 0 {
		logOpts["max-file"] = strconv.Itoa(s.Hardening.LogMaxFiles)
	}
	var pids *int64
	if s.Limits.PIDs > 0 {
		pids = &s.Limits.PIDs
	}
	host := &container.HostConfig{
		NetworkMode:     container.NetworkMode(p.Network.Name),
		RestartPolicy:   container.RestartPolicy{Name: container.RestartPolicyDisabled},
		CapDrop:         capDrop,
		CapAdd:          testbeds.NormaliseCaps(s.Hardening.CapAdd),
		SecurityOpt:     securityOpt,
		ReadonlyRootfs:  s.Hardening.ReadOnlyRootfs,
		Privileged:      false,
		PublishAllPorts: false,
		IpcMode:         container.IPCModePrivate,
		LogConfig:       container.LogConfig{Type: "json-file", Config: logOpts},
		Resources: container.Resources{
			Memory:     s.Limits.MemoryBytes,
			MemorySwap: s.Limits.MemoryBytes, // no swap beyond the memory limit
			NanoCPUs:   s.Limits.NanoCPUs,
			PidsLimit:  pids,
		},
	}
	if len(s.Hardening.Tmpfs) > 0 {
		host.Tmpfs = map[string]string{}
		for _, path := range s.Hardening.Tmpfs {
			host.Tmpfs[path] = tmpfsOptions
		}
	}
	for _, m := range s.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{
			Type:   mount.TypeVolume,
			Source: volumeName(p, m.Volume),
			Target: m.Path,
		})
	}
	return containerSpec{
		Name:       s.ContainerName,
		Config:     cfg,
		HostConfig: host,
		Networking: &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			// The alias lets services of one testbed find each other by name.
			p.Network.Name: {Aliases: []string{s.Name}},
		}},
	}
}

// ownerFilter selects the objects of this instance, and of one testbed when
// id is not zero.
func ownerFilter(instance string, id testbeds.ID) filters.Args {
	f := filters.NewArgs(filters.Arg("label", LabelInstance+"="+instance))
	if id.Pilot != "" {
		f.Add("label", LabelPilot+"="+id.Pilot)
	}
	if id.Candidate != "" {
		f.Add("label", LabelCandidate+"="+id.Candidate)
	}
	return f
}

// idOf reads a testbed id from labels; ok is false for objects of another
// instance or without pilotbed's labels.
func idOf(labels map[string]string, instance string) (testbeds.ID, bool) {
	id := testbeds.ID{Pilot: labels[LabelPilot], Candidate: labels[LabelCandidate]}
	return id, labels[LabelInstance] == instance && id.Pilot != "" && id.Candidate != ""
}

// stateOf maps Docker's container state to the contract's.
func stateOf(dockerState string) testbeds.State {
	switch dockerState {
	case container.StateRunning, container.StatePaused:
		return testbeds.StateRunning
	case container.StateRestarting:
		return testbeds.StateRestarting
	case container.StateCreated:
		return testbeds.StateCreating
	case container.StateExited, container.StateDead, container.StateRemoving:
		return testbeds.StateExited
	}
	return testbeds.StateUnknown
}
