package docker

import (
	"errors"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/testbeds"
)

func testPlan() testbeds.Plan {
	return testbeds.Plan{
		ID:       testbeds.ID{Pilot: "p1", Candidate: "a"},
		Instance: "inst",
		Network:  testbeds.Network{Name: "pb-p1-a", Internal: true},
		Entry:    "web",
		Services: []testbeds.Service{{
			Name:   "web",
			Image:  "pilotbed-demo:latest",
			Port:   8080,
			Env:    map[string]string{"B": "2", "A": "1"},
			Limits: testbeds.Limits{MemoryBytes: 64 << 20, NanoCPUs: 5e8, PIDs: 100},
			Mounts: []testbeds.Mount{{Volume: "data", Path: "/data"}},
			Hardening: testbeds.Hardening{
				CapDrop: []string{"ALL"}, CapAdd: []string{"net_bind_service"}, NoNewPrivileges: true,
				ReadOnlyRootfs: true, Tmpfs: []string{"/tmp"}, LogMaxSize: "10m", LogMaxFiles: 3,
			},
		}},
		Volumes: []testbeds.Volume{{Name: "data", Keep: true}},
	}
}

func TestNormalise(t *testing.T) {
	p, err := normalise(testPlan(), "inst")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Services[0]
	if got, want := s.ContainerName, "pb-p1-a-web"; got != want {
		t.Fatalf("ContainerName=%q, want %q", got, want)
	}
	if got, want := s.Hash, testbeds.HashService(testPlan().Services[0]); got != want {
		t.Fatalf("Hash=%q, want %q", got, want)
	}

	tests := []struct {
		name   string
		change func(*testbeds.Plan)
	}{
		{"no pilot", func(p *testbeds.Plan) { p.ID.Pilot = "" }},
		{"other instance", func(p *testbeds.Plan) { p.Instance = "other" }},
		{"no services", func(p *testbeds.Plan) { p.Services = nil }},
		{"no image", func(p *testbeds.Plan) { p.Services[0].Image = "" }},
		{"bad port", func(p *testbeds.Plan) { p.Services[0].Port = 70000 }},
		{"duplicate service", func(p *testbeds.Plan) { p.Services = append(p.Services, p.Services[0]) }},
		{"undeclared volume", func(p *testbeds.Plan) { p.Services[0].Mounts[0].Volume = "nope" }},
		{"relative mount", func(p *testbeds.Plan) { p.Services[0].Mounts[0].Path = "data" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan()
			p.Services[0].Mounts = append([]testbeds.Mount(nil), p.Services[0].Mounts...)
			tt.change(&p)
			if _, err := normalise(p, "inst"); !errors.Is(err, testbeds.ErrInvalidPlan) {
				t.Fatalf("err=%v, want ErrInvalidPlan", err)
			}
		})
	}
}

func TestConvertService(t *testing.T) {
	p, err := normalise(testPlan(), "inst")
	if err != nil {
		t.Fatal(err)
	}
	spec := convertService(p, p.Services[0], 10*time.Second)

	if got, want := spec.Name, "pb-p1-a-web"; got != want {
		t.Fatalf("Name=%q, want %q", got, want)
	}
	wantLabels := map[string]string{
		LabelInstance: "inst", LabelPilot: "p1", LabelCandidate: "a", LabelService: "web",
		LabelHash: p.Services[0].Hash, LabelNetwork: "pb-p1-a", LabelPort: "8080",
	}
	if diff := cmp.Diff(wantLabels, spec.Config.Labels); diff != "" {
		t.Fatalf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"A=1", "B=2"}, spec.Config.Env); diff != "" {
		t.Fatalf("env (-want +got):\n%s", diff)
	}
	h := spec.HostConfig
	pids := int64(100)
	checks := []struct {
		name      string
		got, want any
	}{
		{"CapDrop", []string(h.CapDrop), []string{"ALL"}},
		{"CapAdd", []string(h.CapAdd), []string{"NET_BIND_SERVICE"}},
		{"SecurityOpt", h.SecurityOpt, []string{"no-new-privileges:true"}},
		{"Memory", h.Memory, int64(64 << 20)},
		{"MemorySwap", h.MemorySwap, int64(64 << 20)},
		{"NanoCPUs", h.NanoCPUs, int64(5e8)},
		{"PidsLimit", h.PidsLimit, &pids},
		{"LogConfig", h.LogConfig, container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "10m", "max-file": "3"}}},
		{"Privileged", h.Privileged, false},
		{"PublishAllPorts", h.PublishAllPorts, false},
		{"PortBindings", len(h.PortBindings), 0},
		{"Binds", len(h.Binds), 0},
		{"NetworkMode", h.NetworkMode, container.NetworkMode("pb-p1-a")},
		{"PidMode", h.PidMode, container.PidMode("")},
		{"IpcMode", h.IpcMode, container.IPCModePrivate},
		{"UTSMode", h.UTSMode, container.UTSMode("")},
		{"ReadonlyRootfs", h.ReadonlyRootfs, true},
		{"Tmpfs", h.Tmpfs, map[string]string{"/tmp": tmpfsOptions}},
		{"RestartPolicy", h.RestartPolicy.Name, container.RestartPolicyDisabled},
		{"Mounts", h.Mounts, []mount.Mount{{Type: mount.TypeVolume, Source: "pb-p1-a-data", Target: "/data"}}},
		{"Aliases", spec.Networking.EndpointsConfig["pb-p1-a"].Aliases, []string{"web"}},
		{"ExposedPorts", len(spec.Config.ExposedPorts), 0},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestConvertHardensForgetfulPlans(t *testing.T) {
	p, err := normalise(testPlan(), "inst")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Services[0]
	s.Hardening.CapDrop = nil
	s.Limits.PIDs = 0
	spec := convertService(p, s, time.Second)
	if diff := cmp.Diff([]string{"ALL"}, []string(spec.HostConfig.CapDrop)); diff != "" {
		t.Fatalf("CapDrop (-want +got):\n%s", diff)
	}
	if spec.HostConfig.PidsLimit != nil {
		t.Fatalf("PidsLimit=%v, want unset for 0", *spec.HostConfig.PidsLimit)
	}
}

func TestNetworkAndVolumeCreate(t *testing.T) {
	p, err := normalise(testPlan(), "inst")
	if err != nil {
		t.Fatal(err)
	}
	n := networkCreate(p)
	if !n.Internal || n.Driver != "bridge" {
		t.Fatalf("network Internal=%v Driver=%q, want internal bridge", n.Internal, n.Driver)
	}
	if got, want := n.Labels[LabelInstance]+"/"+n.Labels[LabelPilot]+"/"+n.Labels[LabelCandidate], "inst/p1/a"; got != want {
		t.Fatalf("network labels %v, want %s", n.Labels, want)
	}
	v := volumeCreate(p, p.Volumes[0])
	if got, want := v.Name, "pb-p1-a-data"; got != want {
		t.Fatalf("volume Name=%q, want %q", got, want)
	}
	if v.Labels[LabelKeep] != "true" || v.Labels[LabelVolume] != "data" || v.Labels[LabelInstance] != "inst" {
		t.Fatalf("volume labels %v", v.Labels)
	}
}

func TestIDOfAndState(t *testing.T) {
	tests := []struct {
		labels map[string]string
		ok     bool
	}{
		{map[string]string{LabelInstance: "inst", LabelPilot: "p", LabelCandidate: "c"}, true},
		{map[string]string{LabelInstance: "other", LabelPilot: "p", LabelCandidate: "c"}, false},
		{map[string]string{LabelPilot: "p", LabelCandidate: "c"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if _, ok := idOf(tt.labels, "inst"); ok != tt.ok {
			t.Errorf("idOf(%v) ok=%v, want %v", tt.labels, ok, tt.ok)
		}
	}
	states := map[string]testbeds.State{
		"running": testbeds.StateRunning, "exited": testbeds.StateExited, "created": testbeds.StateCreating,
		"restarting": testbeds.StateRestarting, "dead": testbeds.StateExited, "weird": testbeds.StateUnknown,
	}
	for in, want := range states {
		if got := stateOf(in); got != want {
			t.Errorf("stateOf(%q)=%s, want %s", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{"could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network", testbeds.ErrAddressPools},
		{"write /var/lib/docker/x: no space left on device", testbeds.ErrNoDisk},
		{"cannot allocate memory", testbeds.ErrOutOfMemory},
	}
	for _, tt := range tests {
		if err := classify(errors.New(tt.msg), "do it"); !errors.Is(err, tt.want) {
			t.Errorf("classify(%q)=%v, want %v", tt.msg, err, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	r := &Runtime{opts: Options{BackoffBase: time.Second, BackoffMax: 10 * time.Second}}
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		got := r.backoff(n)
		if got < want || got > want+want/10 {
			t.Errorf("backoff(%d)=%s, want %s plus up to 10%%", n, got, want)
		}
	}
}
