package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/pilotbed/pilotbed/internal/testenv"
	"github.com/pilotbed/pilotbed/testbeds"
)

// Integration tests against the real daemon. Each test owns a random
// instance name, so parallel runs never touch each other's objects, and
// removes everything labelled with it when it ends, failed or not.

func randomName(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// testRuntime returns a runtime with short probe and backoff settings, and
// registers the removal of every object of its instance.
func testRuntime(t *testing.T, cli *client.Client, instance string, tune func(*Options)) *Runtime {
	t.Helper()
	opts := Options{
		Client:           cli,
		Instance:         instance,
		Logger:           zaptest.NewLogger(t, zaptest.Level(zap.DebugLevel)),
		BackoffBase:      200 * time.Millisecond,
		BackoffMax:       time.Second,
		ProbeStartPeriod: 3 * time.Second,
		ProbeStartEvery:  50 * time.Millisecond,
		DefaultProbe:     testbeds.Health{Interval: 300 * time.Millisecond, Timeout: time.Second, Retries: 2},
		StopTimeout:      time.Second,
		CleanupTimeout:   time.Minute,
	}
	if tune != nil {
		tune(&opts)
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	t.Cleanup(func() { removeInstance(t, cli, instance) })
	return r
}

// integration starts an integration test: it needs the daemon and the demo
// image, runs in parallel, and gets a runtime of a fresh instance (tuned by
// tune, when not nil) whose events are collected.
func integration(t *testing.T, tune func(*Options)) (cli *client.Client, image, instance string, r *Runtime, ev *eventLog) {
	t.Helper()
	cli = testenv.Docker(t)
	image = testenv.DemoImage(t, cli)
	t.Parallel()
	instance = randomName("it-")
	r = testRuntime(t, cli, instance, tune)
	return cli, image, instance, r, collect(t, r)
}

func demoService(image, name, variant string) testbeds.Service {
	return testbeds.Service{
		Name:  name,
		Image: image,
		Port:  8080,
		Env:   map[string]string{"APP_TITLE": "Besökslogg " + name, "APP_VARIANT": variant, "DEMO_TEST_API": "1"},
		Limits: testbeds.Limits{
			MemoryBytes: 32 << 20, NanoCPUs: 250_000_000, PIDs: 64,
		},
		Health: testbeds.Health{HTTPPath: "/healthz", Port: 8080, Interval: 300 * time.Millisecond, Timeout: time.Second, Retries: 2},
		Hardening: testbeds.Hardening{
			CapDrop: []string{"ALL"}, NoNewPrivileges: true, ReadOnlyRootfs: true,
			Tmpfs: []string{"/tmp"}, LogMaxSize: "10m", LogMaxFiles: 3,
		},
	}
}

func demoPlan(instance, pilot, candidate, image, variant string, services ...string) testbeds.Plan {
	p := testbeds.Plan{
		ID:       testbeds.ID{Pilot: pilot, Candidate: candidate},
		Instance: instance,
		Network:  testbeds.Network{Name: testbeds.ObjectName("pb", instance, pilot, candidate), Internal: true},
		Entry:    services[0],
		Volumes:  []testbeds.Volume{{Name: "data"}, {Name: "archive", Keep: true}},
	}
	for _, s := range services {
		svc := demoService(image, s, variant)
		if s == services[0] {
			svc.Mounts = []testbeds.Mount{{Volume: "data", Path: "/data"}, {Volume: "archive", Path: "/archive"}}
		}
		svc.Hash = testbeds.HashService(svc)
		p.Services = append(p.Services, svc)
	}
	return p
}

// events collects a runtime's events for the test to wait on.
type eventLog struct {
	mu   sync.Mutex
	all  []testbeds.Event
	more chan struct{}
}

func collect(t *testing.T, r *Runtime) *eventLog {
	e := &eventLog{more: make(chan struct{}, 1)}
	ch := r.Events(t.Context())
	go func() {
		for ev := range ch {
			e.mu.Lock()
			e.all = append(e.all, ev)
			e.mu.Unlock()
			select {
			case e.more <- struct{}{}:
			default:
			}
		}
	}()
	return e
}

// wait returns once every (service, kind) in want was seen after index
// from, and the index to wait from next.
func (e *eventLog) wait(t *testing.T, from int, id testbeds.ID, timeout time.Duration, want ...string) int {
	t.Helper()
	deadline := time.After(timeout)
	for {
		e.mu.Lock()
		missing := map[string]bool{}
		for _, w := range want {
			missing[w] = true
		}
		last := from
		for i := from; i < len(e.all); i++ {
			ev := e.all[i]
			k := ev.Service + ":" + string(ev.Kind)
			if ev.ID == id && missing[k] {
				delete(missing, k)
				last = i + 1
			}
		}
		var log []string
		for _, ev := range e.all[from:] {
			log = append(log, fmt.Sprintf("%s/%s:%s(%s)", ev.ID, ev.Service, ev.Kind, ev.Message))
		}
		e.mu.Unlock()
		if len(missing) == 0 {
			return last
		}
		select {
		case <-e.more:
		case <-deadline:
			t.Fatalf("waited %s for %v of %s; saw %v", timeout, want, id, log)
		}
	}
}

func (e *eventLog) len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.all)
}

func containerIDs(t *testing.T, tb testbeds.Testbed) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, s := range tb.Services {
		m[s.Name] = s.ContainerID
	}
	return m
}

func get(t *testing.T, u string) string {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func post(t *testing.T, u string) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Post(u, "", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	res.Body.Close()
}

func TestTestbedLifecycle(t *testing.T) {
	cli, image, instance, r, ev := integration(t, nil)
	ctx := t.Context()
	pilot := randomName("p")
	planA := demoPlan(instance, pilot, "a", image, "a", "web", "api")
	planB := demoPlan(instance, pilot, "b", image, "b", "web")

	tbA, err := r.Apply(ctx, planA)
	if err != nil {
		t.Fatalf("Apply A: %v", err)
	}
	tbB, err := r.Apply(ctx, planB)
	if err != nil {
		t.Fatalf("Apply B: %v", err)
	}
	ev.wait(t, 0, planA.ID, 30*time.Second, "web:healthy", "api:healthy")
	ev.wait(t, 0, planB.ID, 30*time.Second, "web:healthy")
	idsA := containerIDs(t, tbA)

	t.Run("hardening", func(t *testing.T) {
		for _, tb := range []testbeds.Testbed{tbA, tbB} {
			for _, s := range tb.Services {
				c, err := cli.ContainerInspect(ctx, s.ContainerID)
				if err != nil {
					t.Fatal(err)
				}
				h := c.HostConfig
				checks := []struct {
					what string
					ok   bool
				}{
					{"CapDrop ALL", len(h.CapDrop) == 1 && h.CapDrop[0] == "ALL"},
					{"no CapAdd", len(h.CapAdd) == 0},
					{"no-new-privileges", len(h.SecurityOpt) == 1 && strings.HasPrefix(h.SecurityOpt[0], "no-new-privileges")},
					{"memory", h.Memory == 32<<20 && h.MemorySwap == h.Memory},
					{"cpus", h.NanoCPUs == 250_000_000},
					{"pids", h.PidsLimit != nil && *h.PidsLimit == 64},
					{"log rotation", h.LogConfig.Type == "json-file" && h.LogConfig.Config["max-size"] == "10m" && h.LogConfig.Config["max-file"] == "3"},
					{"not privileged", !h.Privileged},
					{"own network", string(h.NetworkMode) == tb.Network},
					{"no host pid/ipc/uts", !h.PidMode.IsHost() && !h.IpcMode.IsHost() && !h.UTSMode.IsHost() && !h.NetworkMode.IsHost()},
					{"no published ports", len(h.PortBindings) == 0 && !h.PublishAllPorts && len(c.NetworkSettings.Ports) == 0 || allUnbound(c.NetworkSettings.Ports)},
					{"no binds", len(h.Binds) == 0},
					{"read-only root", h.ReadonlyRootfs},
					{"tmpfs", h.Tmpfs["/tmp"] != ""},
					{"no restart policy", h.RestartPolicy.Name == container.RestartPolicyDisabled || h.RestartPolicy.Name == ""},
					{"labels", c.Config.Labels[LabelInstance] == instance && c.Config.Labels[LabelPilot] == pilot && c.Config.Labels[LabelService] == s.Name && c.Config.Labels[LabelHash] == s.Hash},
				}
				for _, m := range c.Mounts {
					checks = append(checks, struct {
						what string
						ok   bool
					}{"volume mount " + m.Destination, m.Type == "volume" && !strings.Contains(m.Source, "docker.sock")})
				}
				for _, ch := range checks {
					if !ch.ok {
						t.Errorf("%s/%s: %s not enforced", tb.ID, s.Name, ch.what)
					}
				}
			}
			n, err := cli.NetworkInspect(ctx, tb.Network, network.InspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !n.Internal || n.Labels[LabelInstance] != instance || n.Labels[LabelCandidate] != tb.ID.Candidate {
				t.Errorf("network %s: Internal=%v labels=%v", n.Name, n.Internal, n.Labels)
			}
		}
	})

	t.Run("isolation", func(t *testing.T) {
		webA, err := r.Endpoint(ctx, planA.ID, "web")
		if err != nil {
			t.Fatal(err)
		}
		webB, err := r.Endpoint(ctx, planB.ID, "web")
		if err != nil {
			t.Fatal(err)
		}
		if body := get(t, webA+"/"); !strings.Contains(body, "Besökslogg web") {
			t.Fatalf("candidate A's page: %.200s", body)
		}
		hostB := strings.TrimPrefix(webB, "http://")
		tests := []struct {
			addr   string
			wantOK bool
		}{
			{"api:8080", true},    // a sibling service by name
			{hostB, false},        // another candidate
			{"web.b:8080", false}, // nor by any name
		}
		for _, tt := range tests {
			body := get(t, webA+"/_test/dial?addr="+url.QueryEscape(tt.addr))
			var res struct{ OK bool }
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				t.Fatalf("dial %s: %q", tt.addr, body)
			}
			if res.OK != tt.wantOK {
				t.Errorf("from candidate A, dial %s ok=%v, want %v (%s)", tt.addr, res.OK, tt.wantOK, body)
			}
		}
	})

	t.Run("apply again changes nothing", func(t *testing.T) {
		again, err := r.Apply(ctx, planA)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := containerIDs(t, again), idsA; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("containers %v, want %v", got, want)
		}
	})

	t.Run("changed service is recreated alone", func(t *testing.T) {
		changed := planA
		changed.Services = append([]testbeds.Service(nil), planA.Services...)
		api := demoService(image, "api", "a")
		api.Env = map[string]string{"APP_TITLE": "Ny titel", "APP_VARIANT": "a", "DEMO_TEST_API": "1"}
		api.Hash = testbeds.HashService(api)
		changed.Services[1] = api
		from := ev.len()
		tb, err := r.Apply(ctx, changed)
		if err != nil {
			t.Fatal(err)
		}
		got := containerIDs(t, tb)
		if got["web"] != idsA["web"] {
			t.Errorf("web recreated: %s -> %s", idsA["web"], got["web"])
		}
		if got["api"] == idsA["api"] {
			t.Errorf("api not recreated")
		}
		if _, err := cli.ContainerInspect(ctx, idsA["api"]); err == nil {
			t.Errorf("old api container %s still exists", idsA["api"])
		}
		c, err := cli.ContainerInspect(ctx, got["api"])
		if err != nil {
			t.Fatal(err)
		}
		if want := "/" + testbeds.ObjectName(planA.Network.Name, "api"); c.Name != want {
			t.Errorf("new api container named %q, want %q", c.Name, want)
		}
		ev.wait(t, from, planA.ID, 30*time.Second, "api:healthy")
		planA = changed
		idsA = got
	})

	outer := t
	t.Run("a new runtime adopts", func(t *testing.T) {
		r.Close()
		r2 := testRuntime(outer, cli, instance, nil)
		ev2 := collect(outer, r2)
		tbs, err := r2.Testbeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tbs) != 2 {
			t.Fatalf("Testbeds=%d, want 2", len(tbs))
		}
		tb, err := r2.Apply(ctx, planA)
		if err != nil {
			t.Fatal(err)
		}
		if got := containerIDs(t, tb); fmt.Sprint(got) != fmt.Sprint(idsA) {
			t.Fatalf("containers after adoption %v, want %v", got, idsA)
		}
		ev2.wait(t, 0, planA.ID, 30*time.Second, "web:adopted", "api:adopted", "web:healthy", "api:healthy")
		r = r2
	})

	t.Run("destroy leaves nothing", func(t *testing.T) {
		if err := r.Destroy(ctx, planA.ID, testbeds.DestroyOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := r.Destroy(ctx, planA.ID, testbeds.DestroyOptions{}); err != nil {
			t.Fatalf("second Destroy: %v", err)
		}
		if err := r.Destroy(ctx, planB.ID, testbeds.DestroyOptions{RemoveKept: true}); err != nil {
			t.Fatal(err)
		}
		f := filters.NewArgs(filters.Arg("label", LabelInstance+"="+instance))
		cs, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		ns, _ := cli.NetworkList(ctx, network.ListOptions{Filters: f})
		vs, _ := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
		if len(cs) != 0 || len(ns) != 0 {
			t.Fatalf("left %d containers, %d networks", len(cs), len(ns))
		}
		if len(vs.Volumes) != 1 || vs.Volumes[0].Labels[LabelCandidate] != "a" || vs.Volumes[0].Labels[LabelVolume] != "archive" {
			t.Fatalf("volumes left: %v, want only candidate a's kept archive", vs.Volumes)
		}
	})
}

func allUnbound[K comparable, V any](ports map[K][]V) bool {
	for _, b := range ports {
		if len(b) > 0 {
			return false
		}
	}
	return true
}

func TestCrashRestartsWithinBudget(t *testing.T) {
	_, image, instance, r, ev := integration(t, func(o *Options) { o.RestartBudget = 2 })
	ctx := t.Context()
	plan := demoPlan(instance, randomName("p"), "a", image, "a", "web")
	if _, err := r.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	at := ev.wait(t, 0, plan.ID, 30*time.Second, "web:healthy")

	endpoint := func() string {
		u, err := r.Endpoint(ctx, plan.ID, "web")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	// Unhealthy: probes fail, the runtime restarts it.
	post(t, endpoint()+"/_test/unhealthy")
	at = ev.wait(t, at, plan.ID, 30*time.Second, "web:unhealthy", "web:restarted", "web:healthy")
	// A crash: the container exits, the runtime restarts it.
	post(t, endpoint()+"/_test/crash")
	at = ev.wait(t, at, plan.ID, 30*time.Second, "web:died", "web:restarted", "web:healthy")
	// The budget of two is spent: the third failure is the last.
	post(t, endpoint()+"/_test/crash")
	ev.wait(t, at, plan.ID, 30*time.Second, "web:died", "web:gave_up")

	tbs, err := r.Testbeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbs) != 1 || len(tbs[0].Services) != 1 {
		t.Fatalf("Testbeds=%+v", tbs)
	}
	st := tbs[0].Services[0]
	if st.State != testbeds.StateExited || st.Restarts != 2 || st.Health != testbeds.HealthUnhealthy {
		t.Fatalf("status=%+v, want exited, unhealthy, 2 restarts", st)
	}
	if _, err := r.Endpoint(ctx, plan.ID, "web"); !errors.Is(err, testbeds.ErrNotRunning) {
		t.Fatalf("Endpoint of a given-up service: %v, want ErrNotRunning", err)
	}
	// Applying the same plan again, as the orchestrator's reconcile does,
	// must not bypass the budget: the given-up service stays down.
	if _, err := r.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if tbs, err := r.Testbeds(ctx); err != nil || tbs[0].Services[0].State != testbeds.StateExited {
		t.Fatalf("after applying the same plan: %+v, %v; want the given-up service still exited", tbs, err)
	}
	// A changed plan is a new container with a fresh budget.
	from := ev.len()
	plan.Services[0].Env["APP_TITLE"] = "Rättad version"
	plan.Services[0].Hash = testbeds.HashService(plan.Services[0])
	if _, err := r.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, from, plan.ID, 30*time.Second, "web:healthy")
}

func TestSweepOnlyOwnOrphansAfterGrace(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cli, image, mine, r, _ := integration(t, func(o *Options) { o.Now = clock })
	ctx := t.Context()
	theirs := randomName("it-")
	other := testRuntime(t, cli, theirs, nil)
	pilot := randomName("p")
	wanted := demoPlan(mine, pilot, "a", image, "a", "web")
	orphan := demoPlan(mine, pilot, "b", image, "b", "web")
	foreign := demoPlan(theirs, pilot, "c", image, "a", "web")
	for _, ap := range []struct {
		r *Runtime
		p testbeds.Plan
	}{{r, wanted}, {r, orphan}, {other, foreign}} {
		if _, err := ap.r.Apply(ctx, ap.p); err != nil {
			t.Fatal(err)
		}
	}
	// An unlabelled container of someone else's.
	stranger, err := cli.ContainerCreate(ctx, &container.Config{Image: image}, &container.HostConfig{NetworkMode: "none"}, nil, nil, randomName("stranger-"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cli.ContainerRemove(context.Background(), stranger.ID, container.RemoveOptions{Force: true})
	})

	keep := []testbeds.ID{wanted.ID}
	ids := func(rt *Runtime) string {
		tbs, err := rt.Testbeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tb := range tbs {
			out = append(out, tb.ID.Candidate)
		}
		return strings.Join(out, ",")
	}
	if err := r.Sweep(ctx, keep, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(r), "a,b"; got != want {
		t.Fatalf("within grace: testbeds %s, want %s", got, want)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if err := r.Sweep(ctx, keep, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := ids(r), "a"; got != want {
		t.Fatalf("after grace: testbeds %s, want %s", got, want)
	}
	if got, want := ids(other), "c"; got != want {
		t.Fatalf("other instance's testbeds %s, want %s", got, want)
	}
	if _, err := cli.ContainerInspect(ctx, stranger.ID); err != nil {
		t.Fatalf("unlabelled container: %v", err)
	}
	vs, _ := cli.VolumeList(ctx, volume.ListOptions{Filters: ownerFilter(mine, orphan.ID)})
	if len(vs.Volumes) != 1 || vs.Volumes[0].Labels[LabelKeep] != "true" {
		t.Fatalf("orphan's volumes after sweep: %v, want only the kept one", vs.Volumes)
	}
}

func TestApplyErrors(t *testing.T) {
	cli, image, instance, r, _ := integration(t, nil)
	ctx := t.Context()

	t.Run("image missing", func(t *testing.T) {
		p := demoPlan(instance, randomName("p"), "a", "pilotbed-absent:0", "a", "web")
		_, err := r.Apply(ctx, p)
		if !errors.Is(err, testbeds.ErrImageMissing) || !strings.Contains(err.Error(), "make demo-image") {
			t.Fatalf("err=%v, want ErrImageMissing naming the remedy", err)
		}
		if err := r.Destroy(ctx, p.ID, testbeds.DestroyOptions{}); err != nil {
			t.Fatalf("Destroy after a failed Apply: %v", err)
		}
	})
	t.Run("name held by a stranger", func(t *testing.T) {
		p := demoPlan(instance, randomName("p"), "a", image, "a", "web")
		name := testbeds.ObjectName(p.Network.Name, "web")
		c, err := cli.ContainerCreate(ctx, &container.Config{Image: image}, &container.HostConfig{NetworkMode: "none"}, nil, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
		_, err = r.Apply(ctx, p)
		if err == nil || !strings.Contains(err.Error(), "does not own") {
			t.Fatalf("err=%v, want a name conflict with an object not owned", err)
		}
		if _, err := cli.ContainerInspect(ctx, c.ID); err != nil {
			t.Fatalf("the stranger's container was touched: %v", err)
		}
	})
	t.Run("unreachable daemon", func(t *testing.T) {
		dead, err := client.NewClientWithOpts(client.WithHost("unix:///nonexistent/docker.sock"), client.WithAPIVersionNegotiation())
		if err != nil {
			t.Fatal(err)
		}
		rt, err := New(Options{Client: dead, Instance: instance})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		if err := rt.Ping(ctx); !errors.Is(err, testbeds.ErrUnavailable) {
			t.Fatalf("Ping err=%v, want ErrUnavailable", err)
		}
		if _, err := rt.Testbeds(ctx); !errors.Is(err, testbeds.ErrUnavailable) {
			t.Fatalf("Testbeds err=%v, want ErrUnavailable", err)
		}
	})
}

func TestOOMKillIsReported(t *testing.T) {
	_, image, instance, r, ev := integration(t, nil)
	ctx := t.Context()
	plan := demoPlan(instance, randomName("p"), "a", image, "a", "web")
	if _, err := r.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	at := ev.wait(t, 0, plan.ID, 30*time.Second, "web:healthy")
	u, err := r.Endpoint(ctx, plan.ID, "web")
	if err != nil {
		t.Fatal(err)
	}
	post(t, u+"/_test/leak")
	ev.wait(t, at, plan.ID, 30*time.Second, "web:oom", "web:died", "web:restarted", "web:healthy")
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, e := range ev.all[at:] {
		if e.Kind == testbeds.EventDied && !strings.Contains(e.Message, "lack of memory") {
			t.Errorf("died message %q does not name the memory limit", e.Message)
		}
	}
}
