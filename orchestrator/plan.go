package orchestrator

import (
	"math"
	"slices"
	"strings"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// Settings every testbed container gets, whatever the spec says.
const (
	planLogMaxSize  = "10m"
	planLogMaxFiles = 3
)

// PlanTestbeds translates a pilot's spec into one testbed plan per
// candidate, in the spec's order. It is pure: the same arguments give the
// same plans, which is what `pilotbed plan` prints and what the runtime is
// asked to converge to.
//
// Object names are "pb-<pilot>-<candidate>" for the network and
// "pb-<pilot>-<candidate>-<service>" for containers; an instance other than
// the default is put after "pb-" so two instances on one host never share a
// name. Names are lower-cased, reduced to [a-z0-9-] and cut to 63 bytes with
// a hash suffix when longer.
//
// A testbed's network is internal (no egress) unless the candidate asks for
// egress and the pilot's confidentiality level permits it. Every container
// drops all capabilities (the spec's allowlist adds some back), runs with
// no-new-privileges and rotated logs, and gets the default limits where the
// spec names none. Volumes are shared by name within a candidate; a volume is
// kept at close when any service declaring it says so.
func PlanTestbeds(pilotID string, spec pilots.Spec, instance string) []testbeds.Plan {
	prefix := []string{"pb"}
	if instance != "" && instance != DefaultInstance {
		prefix = append(prefix, instance)
	}
	egressAllowed := spec.Classification.Confidentiality <= pilots.MaxEgressConfidentiality
	plans := make([]testbeds.Plan, 0, len(spec.Candidates))
	for _, c := range spec.Candidates {
		netName := testbeds.ObjectName(append(slices.Clone(prefix), pilotID, c.Name)...)
		p := testbeds.Plan{
			ID:       testbeds.ID{Pilot: pilotID, Candidate: c.Name},
			Instance: instance,
			Network:  testbeds.Network{Name: netName, Internal: !(c.Egress && egressAllowed)},
			Entry:    c.Entry,
		}
		volumes := map[string]int{} // name -> index in p.Volumes
		for _, s := range c.Services {
			p.Services = append(p.Services, planService(netName, s))
			for _, v := range s.Volumes {
				if i, ok := volumes[v.Name]; ok {
					p.Volumes[i].Keep = p.Volumes[i].Keep || v.Keep
					continue
				}
				volumes[v.Name] = len(p.Volumes)
				p.Volumes = append(p.Volumes, testbeds.Volume{Name: v.Name, Keep: v.Keep})
			}
		}
		slices.SortFunc(p.Volumes, func(a, b testbeds.Volume) int { return strings.Compare(a.Name, b.Name) })
		plans = append(plans, p)
	}
	return plans
}

func planService(network string, s pilots.Service) testbeds.Service {
	out := testbeds.Service{
		Name:          s.Name,
		ContainerName: testbeds.ObjectName(network, s.Name),
		Image:         s.Image,
		Port:          s.Port,
		Env:           cloneEnv(s.Env),
		Command:       slices.Clone(s.Command),
		Limits: testbeds.Limits{
			MemoryBytes: orDefault(s.MemoryBytes, pilots.DefaultMemoryBytes),
			NanoCPUs:    int64(math.Round(orDefault(s.CPUs, pilots.DefaultCPUs) * 1e9)),
			PIDs:        orDefault(s.PIDs, pilots.DefaultPIDs),
		},
		Health: planHealth(s),
		Hardening: testbeds.Hardening{
			CapDrop:         []string{"ALL"},
			CapAdd:          testbeds.NormaliseCaps(s.CapAdd),
			NoNewPrivileges: true,
			ReadOnlyRootfs:  s.ReadOnly,
			LogMaxSize:      planLogMaxSize,
			LogMaxFiles:     planLogMaxFiles,
		},
	}
	if s.ReadOnly {
		// Most programs need somewhere to write temporary files.
		out.Hardening.Tmpfs = []string{"/tmp"}
	}
	for _, v := range s.Volumes {
		out.Mounts = append(out.Mounts, testbeds.Mount{Volume: v.Name, Path: v.Path})
	}
	slices.SortFunc(out.Mounts, func(a, b testbeds.Mount) int { return strings.Compare(a.Path, b.Path) })
	out.Hash = testbeds.HashService(out)
	return out
}

// planHealth fills the probe settings. A service with neither an HTTP path
// nor a port gets a zero Health: it counts as healthy while it runs.
func planHealth(s pilots.Service) testbeds.Health {
	h := pilots.Health{}
	if s.Health != nil {
		h = *s.Health
	}
	if s.Port == 0 {
		return testbeds.Health{}
	}
	out := testbeds.Health{
		HTTPPath: h.HTTP,
		Port:     s.Port,
		Interval: orDefault(h.Interval, pilots.DefaultHealthInterval),
		Timeout:  orDefault(h.Timeout, pilots.DefaultHealthTimeout),
		Retries:  orDefault(h.Retries, pilots.DefaultHealthRetries),
	}
	if out.HTTPPath != "" && !strings.HasPrefix(out.HTTPPath, "/") {
		out.HTTPPath = "/" + out.HTTPPath
	}
	return out
}

func orDefault[T ~int | ~int64 | ~float64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func cloneEnv(env map[string]string) map[string]string {
	if len(env) == 0 {
		return nil
	}
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}
