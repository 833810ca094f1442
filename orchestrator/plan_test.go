package orchestrator

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

func planSpec() pilots.Spec {
	return pilots.Spec{
		Name:           "nattillsyn",
		Classification: pilots.Classification{Confidentiality: 1},
		Candidates: []pilots.Candidate{
			{
				Name:  "leverantor-a",
				Entry: "web",
				Services: []pilots.Service{{
					Name:        "web",
					Image:       "pilotbed-demo:latest",
					Port:        8080,
					Env:         map[string]string{"MODE": "pilot", "APP_TITLE": "A"},
					MemoryBytes: 128 << 20,
					CPUs:        0.25,
					PIDs:        64,
					ReadOnly:    true,
					CapAdd:      []string{"cap_net_bind_service"},
					Health:      &pilots.Health{HTTP: "/healthz", Interval: 5 * time.Second},
					Volumes:     []pilots.Volume{{Name: "data", Path: "/var/lib/app"}},
				}},
			},
			{
				Name:   "leverantor-b",
				Entry:  "web",
				Egress: true,
				Services: []pilots.Service{
					{Name: "web", Image: "b-web:1", Port: 80, Volumes: []pilots.Volume{{Name: "shared", Path: "/srv"}}},
					{Name: "worker", Image: "b-worker:1", Volumes: []pilots.Volume{{Name: "shared", Path: "/in", Keep: true}}},
				},
			},
		},
	}
}

func TestPlanTestbeds(t *testing.T) {
	plans := PlanTestbeds("p-abc123", planSpec(), DefaultInstance)
	if got, want := len(plans), 2; got != want {
		t.Fatalf("len(plans)=%d, want %d", got, want)
	}
	a := plans[0]
	webA := a.Services[0]
	webA.Hash = ""
	want := testbeds.Service{
		Name:          "web",
		ContainerName: "pb-p-abc123-leverantor-a-web",
		Image:         "pilotbed-demo:latest",
		Port:          8080,
		Env:           map[string]string{"MODE": "pilot", "APP_TITLE": "A"},
		Limits:        testbeds.Limits{MemoryBytes: 128 << 20, NanoCPUs: 250_000_000, PIDs: 64},
		Health: testbeds.Health{HTTPPath: "/healthz", Port: 8080, Interval: 5 * time.Second,
			Timeout: pilots.DefaultHealthTimeout, Retries: pilots.DefaultHealthRetries},
		Mounts: []testbeds.Mount{{Volume: "data", Path: "/var/lib/app"}},
		Hardening: testbeds.Hardening{
			CapDrop: []string{"ALL"}, CapAdd: []string{"NET_BIND_SERVICE"}, NoNewPrivileges: true,
			ReadOnlyRootfs: true, Tmpfs: []string{"/tmp"}, LogMaxSize: "10m", LogMaxFiles: 3,
		},
	}
	if diff := cmp.Diff(want, webA); diff != "" {
		t.Fatalf("service of candidate A (-want +got):\n%s", diff)
	}
	if got, want := a.Network, (testbeds.Network{Name: "pb-p-abc123-leverantor-a", Internal: true}); got != want {
		t.Fatalf("Network=%+v, want %+v", got, want)
	}
	if a.ID != (testbeds.ID{Pilot: "p-abc123", Candidate: "leverantor-a"}) || a.Entry != "web" || a.Instance != DefaultInstance {
		t.Fatalf("plan header = %+v %q %q", a.ID, a.Entry, a.Instance)
	}

	b := plans[1]
	if got, want := b.Network.Internal, false; got != want {
		t.Fatalf("candidate B with egress at confidentiality 1: Internal=%v, want %v", got, want)
	}
	if diff := cmp.Diff([]testbeds.Volume{{Name: "shared", Keep: true}}, b.Volumes); diff != "" {
		t.Fatalf("shared volume (-want +got):\n%s", diff)
	}
	worker := b.Services[1]
	wantLimits := testbeds.Limits{MemoryBytes: pilots.DefaultMemoryBytes, NanoCPUs: 500_000_000, PIDs: pilots.DefaultPIDs}
	if worker.Limits != wantLimits {
		t.Fatalf("default limits = %+v, want %+v", worker.Limits, wantLimits)
	}
	if worker.Health != (testbeds.Health{}) {
		t.Fatalf("service without port has Health %+v, want none", worker.Health)
	}
	if h := b.Services[0].Health; h.HTTPPath != "" || h.Port != 80 || h.Interval != pilots.DefaultHealthInterval {
		t.Fatalf("default health = %+v, want a TCP probe of 80 every %s", h, pilots.DefaultHealthInterval)
	}
	for _, p := range plans {
		for _, s := range p.Services {
			if s.Hash != testbeds.HashService(s) || len(s.Hash) != 64 {
				t.Fatalf("%s/%s: Hash=%q, want HashService of the service", p.ID, s.Name, s.Hash)
			}
		}
	}
}

func TestPlanEgressNeedsClassification(t *testing.T) {
	tests := []struct {
		confidentiality int
		egress          bool
		wantInternal    bool
	}{
		{0, true, false},
		{pilots.MaxEgressConfidentiality, true, false},
		{pilots.MaxEgressConfidentiality + 1, true, true},
		{4, true, true},
		{0, false, true},
	}
	for _, tt := range tests {
		spec := planSpec()
		spec.Classification.Confidentiality = tt.confidentiality
		spec.Candidates[1].Egress = tt.egress
		if got := PlanTestbeds("p1", spec, "")[1].Network.Internal; got != tt.wantInternal {
			t.Errorf("confidentiality %d egress %v: Internal=%v, want %v", tt.confidentiality, tt.egress, got, tt.wantInternal)
		}
	}
}

func TestPlanHashIgnoresUnrelatedChanges(t *testing.T) {
	base := PlanTestbeds("p1", planSpec(), "")[0].Services[0].Hash
	tests := []struct {
		name   string
		change func(*pilots.Spec)
		same   bool
	}{
		{"nothing", func(*pilots.Spec) {}, true},
		{"title", func(s *pilots.Spec) { s.Title = "Ny titel" }, true},
		{"other candidate", func(s *pilots.Spec) { s.Candidates[1].Services[0].Image = "b-web:2" }, true},
		{"health interval", func(s *pilots.Spec) { s.Candidates[0].Services[0].Health.Interval = time.Minute }, true},
		{"cap spelling", func(s *pilots.Spec) {
			s.Candidates[0].Services[0].CapAdd = []string{"NET_BIND_SERVICE", "net_bind_service"}
		}, true},
		{"env same content", func(s *pilots.Spec) {
			s.Candidates[0].Services[0].Env = map[string]string{"APP_TITLE": "A", "MODE": "pilot"}
		}, true},
		{"image", func(s *pilots.Spec) { s.Candidates[0].Services[0].Image = "pilotbed-demo:2" }, false},
		{"env value", func(s *pilots.Spec) { s.Candidates[0].Services[0].Env["MODE"] = "prod" }, false},
		{"memory", func(s *pilots.Spec) { s.Candidates[0].Services[0].MemoryBytes = 64 << 20 }, false},
		{"read only", func(s *pilots.Spec) { s.Candidates[0].Services[0].ReadOnly = false }, false},
		{"volume path", func(s *pilots.Spec) { s.Candidates[0].Services[0].Volumes[0].Path = "/data" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := planSpec()
			tt.change(&spec)
			got := PlanTestbeds("p1", spec, "")[0].Services[0].Hash
			if same := got == base; same != tt.same {
				t.Fatalf("hash unchanged=%v, want %v", same, tt.same)
			}
		})
	}
}

func TestPlanNames(t *testing.T) {
	long := strings.Repeat("mycket-lang-leverantor-", 5)
	tests := []struct {
		name      string
		pilot     string
		candidate string
		instance  string
		want      string
	}{
		{"default instance", "p-abc", "leverantor-a", DefaultInstance, "pb-p-abc-leverantor-a"},
		{"empty instance", "p-abc", "a", "", "pb-p-abc-a"},
		{"other instance", "p-abc", "a", "Staging_2", "pb-staging-2-p-abc-a"},
		{"unsafe characters", "P_ABC", "Leverantör Å", "", "pb-p-abc-leverantor-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := pilots.Spec{Candidates: []pilots.Candidate{{Name: tt.candidate, Services: []pilots.Service{{Name: "web", Image: "i"}}}}}
			p := PlanTestbeds(tt.pilot, spec, tt.instance)[0]
			if got := p.Network.Name; got != tt.want {
				t.Fatalf("Network.Name=%q, want %q", got, tt.want)
			}
			if got, want := p.Services[0].ContainerName, tt.want+"-web"; got != want {
				t.Fatalf("ContainerName=%q, want %q", got, want)
			}
		})
	}
	t.Run("long names", func(t *testing.T) {
		spec := pilots.Spec{Candidates: []pilots.Candidate{
			{Name: long + "a", Services: []pilots.Service{{Name: "web", Image: "i"}}},
			{Name: long + "b", Services: []pilots.Service{{Name: "web", Image: "i"}}},
		}}
		plans := PlanTestbeds("p-abc", spec, "")
		seen := map[string]bool{}
		for _, p := range plans {
			for _, n := range []string{p.Network.Name, p.Services[0].ContainerName} {
				if len(n) > 63 || strings.HasSuffix(n, "-") || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
					t.Fatalf("name %q is not a DNS label", n)
				}
				if seen[n] {
					t.Fatalf("name %q used twice", n)
				}
				seen[n] = true
			}
		}
	})
}
