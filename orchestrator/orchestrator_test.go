package orchestrator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

// start is just after the declared start of the test pilot (midnight in
// Stockholm).
var start = time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)

const pilotHCL = `
pilot "nattillsyn" {
  title   = "Digital nattillsyn"
  owner   = "Vård- och omsorgsförvaltningen"
  contact = "testledare@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  retention {
    keep     = "365d"
    decision = "KS 2026/123"
  }

  candidate "a" {
    vendor = "Leverantör A AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
      volume "data" {
        path = "/var/lib/app"
        keep = true
      }
    }
    service "db" {
      image = "pilotbed-demo:latest"
      port  = 5432
    }
  }

  candidate "b" {
    vendor = "Leverantör B AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }
}
`

// clock is a fake time source tests move forward by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// flaky wraps the fake runtime so Apply can fail with a cause that is not
// unavailability, as a missing image would.
type flaky struct {
	*fake.Runtime
	applyErr atomic.Pointer[error]
}

func (f *flaky) Apply(ctx context.Context, plan testbeds.Plan) (testbeds.Testbed, error) {
	if p := f.applyErr.Load(); p != nil {
		return testbeds.Testbed{}, *p
	}
	return f.Runtime.Apply(ctx, plan)
}

func (f *flaky) failApply(err error) {
	if err == nil {
		f.applyErr.Store(nil)
		return
	}
	f.applyErr.Store(&err)
}

type env struct {
	o       *Orchestrator
	store   *sqlstore.Store
	rt      *flaky
	clock   *clock
	dataDir string
	reg     *prometheus.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	c := &clock{t: start.Add(-30 * 24 * time.Hour)}
	st, err := sqlstore.Open(t.Context(), filepath.Join(dir, "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = c.Now
	t.Cleanup(func() { st.Close() })
	rt := &flaky{Runtime: fake.New(fake.Options{Instance: "test", Now: c.Now})}
	e := &env{store: st, rt: rt, clock: c, dataDir: filepath.Join(dir, "data"), reg: prometheus.NewRegistry()}
	e.o = e.newOrchestrator(t, e.reg)
	return e
}

// newOrchestrator returns an orchestrator on the env's store and runtime, as
// a restarted server would have.
func (e *env) newOrchestrator(t *testing.T, reg prometheus.Registerer) *Orchestrator {
	t.Helper()
	n := 0
	var mu sync.Mutex
	return e.orchestratorWith(t, Config{
		Registerer: reg,
		DataDir:    e.dataDir,
		NewID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("p-test%06d", n)
		},
	})
}

// orchestratorWith returns an orchestrator on the env's store, runtime and
// clock with the other settings of cfg.
func (e *env) orchestratorWith(t *testing.T, cfg Config) *Orchestrator {
	t.Helper()
	cfg.Store, cfg.Runtime, cfg.Instance, cfg.Now = e.store, e.rt, "test", e.clock.Now
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Wait)
	return o
}

// runInBackground runs o's scheduler until stop is called; stop checks
// that Run returned nil.
func runInBackground(t *testing.T, o *Orchestrator) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	return func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run=%v, want nil on shutdown", err)
		}
	}
}

// eventually polls cond for up to five seconds and fails with msg when it
// does not hold by then.
func eventually(t *testing.T, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// start starts a pilot by hand and waits for its testbeds to be brought up.
func (e *env) start(t *testing.T, id string) {
	t.Helper()
	if _, err := e.o.Start(t.Context(), "alice", id, ""); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
}

// record consumes runtime events into the store until the test ends, as
// Run does.
func (e *env) record(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := e.rt.Events(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.o.consume(ctx, ch)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func (e *env) submit(t *testing.T) pilots.Pilot {
	t.Helper()
	p, err := e.o.Submit(t.Context(), "alice", "pilot.hcl", []byte(pilotHCL))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return p
}

func (e *env) status(t *testing.T, id string) pilots.Status {
	t.Helper()
	p, err := e.o.Pilot(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Status
}

func (e *env) tick(t *testing.T) {
	t.Helper()
	if err := e.o.Tick(t.Context()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
}

func (e *env) events(t *testing.T, id, kind string) []pilots.Event {
	t.Helper()
	evs, err := e.o.Events(t.Context(), id, pilots.EventFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// waitEvent waits until the store holds a testbed event of the service with
// the given To, so a test can move the clock only after it was recorded.
func (e *env) waitEvent(t *testing.T, id, candidate, service, to string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range e.events(t, id, pilots.EventTestbed) {
			if ev.Candidate == candidate && ev.Service == service && ev.To == to {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no testbed event %s/%s -> %s recorded", candidate, service, to)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := pilots.ErrorCode(err); got != code {
		t.Fatalf("error code=%q (%v), want %q", got, err, code)
	}
}

type step struct {
	from, to pilots.Status
	actor    string
	at       time.Time
}

func transitions(t *testing.T, e *env, id string) []step {
	t.Helper()
	var out []step
	for _, ev := range e.events(t, id, pilots.EventTransition) {
		out = append(out, step{pilots.Status(ev.From), pilots.Status(ev.To), ev.Actor, ev.Time.UTC()})
	}
	return out
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	submitted := e.clock.Now()
	p := e.submit(t)
	if got, want := p.Status, pilots.StatusDraft; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	sum := sha256.Sum256([]byte(pilotHCL))
	if !strings.HasPrefix(p.ID, "p-") || p.SourceHash != hex.EncodeToString(sum[:]) || p.Name != "nattillsyn" || string(p.Source) != pilotHCL {
		t.Fatalf("pilot=%+v, want id, name and source hash", p)
	}

	approved := e.clock.Add(time.Hour)
	if _, err := e.o.Approve(ctx, "bob", p.Name, "steering group 2026-12-01"); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	e.o.Wait()
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusScheduled; got != want {
		t.Fatalf("before start: Status=%v, want %v", got, want)
	}

	started := start
	e.clock.Set(started)
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("after start: Status=%v, want %v", got, want)
	}
	tbs, err := e.rt.Testbeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tbs), 2; got != want {
		t.Fatalf("testbeds=%d, want %d", got, want)
	}

	ended := time.Date(2027, 4, 1, 12, 0, 0, 0, time.UTC)
	e.clock.Set(ended)
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusClosed; got != want {
		t.Fatalf("after end: Status=%v, want %v", got, want)
	}

	want := []step{
		{"", pilots.StatusDraft, "alice", submitted},
		{pilots.StatusDraft, pilots.StatusScheduled, "bob", approved},
		{pilots.StatusScheduled, pilots.StatusProvisioning, ActorScheduler, started},
		{pilots.StatusProvisioning, pilots.StatusRunning, ActorScheduler, started},
		{pilots.StatusRunning, pilots.StatusClosing, ActorScheduler, ended},
		{pilots.StatusClosing, pilots.StatusClosed, ActorScheduler, ended},
	}
	got := transitions(t, e, p.ID)
	if len(got) != len(want) {
		t.Fatalf("transitions=%+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].from != want[i].from || got[i].to != want[i].to || got[i].actor != want[i].actor || !got[i].at.Equal(want[i].at) {
			t.Errorf("transition %d=%+v, want %+v", i, got[i], want[i])
		}
	}

	var steps []string
	for _, ev := range e.events(t, p.ID, pilots.EventClose) {
		steps = append(steps, ev.To)
	}
	if got, want := strings.Join(steps, ","), "measured,surveys_frozen,summary_written,report_written,testbeds_removed,retention_applied"; got != want {
		t.Errorf("close steps=%s, want %s", got, want)
	}
	if tbs, err := e.rt.Testbeds(ctx); err != nil || len(tbs) != 0 {
		t.Errorf("testbeds after close=%v, %v; want none", tbs, err)
	}
	if _, err := os.Stat(SummaryPath(e.dataDir, p.ID)); err != nil {
		t.Errorf("close summary: %v", err)
	}
}

func TestDraftNeverStartsByItself(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	e.clock.Set(start.Add(7 * 24 * time.Hour))
	e.tick(t)
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusDraft; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	if got := e.rt.Calls().Apply; got != 0 {
		t.Fatalf("Apply calls=%d, want 0", got)
	}
}

func TestApproveAfterStartStartsAtOnce(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	e.clock.Set(start.Add(time.Hour))
	if _, err := e.o.Approve(t.Context(), "bob", p.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
}

func TestRefusedTransitions(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.submit(t)

	tests := []struct {
		name    string
		do      func() error
		code    string
		message string
	}{
		{
			name:    "close a draft",
			do:      func() error { _, err := e.o.Close(ctx, "bob", p.ID, ""); return err },
			code:    pilots.ECONFLICT,
			message: `pilot "nattillsyn" is draft; only a provisioning, running or failed pilot can be closed`,
		},
		{
			name: "start, then withdraw a running pilot",
			do: func() error {
				if _, err := e.o.Start(ctx, "bob", p.ID, ""); err != nil {
					return err
				}
				e.o.Wait()
				_, err := e.o.Withdraw(ctx, "bob", p.ID, "")
				return err
			},
			code:    pilots.ECONFLICT,
			message: `pilot "nattillsyn" is running; only a draft or scheduled pilot can be withdrawn`,
		},
		{
			name:    "approve a running pilot",
			do:      func() error { _, err := e.o.Approve(ctx, "bob", p.ID, ""); return err },
			code:    pilots.ECONFLICT,
			message: `pilot "nattillsyn" is running; only a draft pilot can be approved`,
		},
		{
			name:    "start a running pilot",
			do:      func() error { _, err := e.o.Start(ctx, "bob", p.Name, ""); return err },
			code:    pilots.ECONFLICT,
			message: `pilot "nattillsyn" is running; only a draft, scheduled or failed pilot can be started`,
		},
		{
			name:    "unknown pilot",
			do:      func() error { _, err := e.o.Start(ctx, "bob", "nope", ""); return err },
			code:    pilots.ENOTFOUND,
			message: `no pilot "nope"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			wantCode(t, err, tt.code)
			if got := pilots.ErrorMessage(err); got != tt.message {
				t.Fatalf("message=%q, want %q", got, tt.message)
			}
		})
	}
}

func TestWithdraw(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	got, err := e.o.Withdraw(t.Context(), "alice", p.ID, "budget cut")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pilots.StatusWithdrawn || got.Reason != "budget cut" {
		t.Fatalf("pilot=%v %q, want withdrawn with reason", got.Status, got.Reason)
	}
	tbs, err := e.o.Testbeds(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[0].Services[0].State, stateNone; got != want {
		t.Fatalf("State=%s, want %s", got, want)
	}
}

func TestStartByHand(t *testing.T) {
	e := newEnv(t)
	e.record(t)
	ctx := t.Context()
	p := e.submit(t)

	tbs, err := e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[0].Services[0].State, statePending; got != want {
		t.Fatalf("draft: State=%s, want %s", got, want)
	}

	got, err := e.o.Start(ctx, "alice", p.Name, "early start agreed")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if got.Status != pilots.StatusProvisioning {
		t.Fatalf("Start returned %v, want provisioning", got.Status)
	}
	e.o.Wait()
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}

	idA := testbeds.ID{Pilot: p.ID, Candidate: "a"}
	if err := e.rt.SetHealth(idA, "web", testbeds.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	e.waitEvent(t, p.ID, "a", "web", "healthy")
	e.clock.Add(3 * time.Hour)
	if err := e.rt.SetHealth(idA, "web", testbeds.HealthUnhealthy); err != nil {
		t.Fatal(err)
	}
	e.waitEvent(t, p.ID, "a", "web", "unhealthy")
	e.clock.Add(time.Hour)

	tbs, err = e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(tbs), 2; got != want {
		t.Fatalf("testbeds=%d, want %d", got, want)
	}
	a := tbs[0]
	if a.Candidate != "a" || len(a.Services) != 2 {
		t.Fatalf("testbed a=%+v, want 2 services", a)
	}
	web := a.Services[0]
	if web.Name != "web" || !web.Entry || web.State != "running" || web.Health != "unhealthy" || web.Image != "pilotbed-demo:latest" {
		t.Errorf("web=%+v, want running unhealthy entry", web)
	}
	if a.Uptime == nil || *a.Uptime != 0.75 {
		t.Errorf("uptime=%v, want 0.75", a.Uptime)
	}
	if tbs[1].Uptime != nil {
		t.Errorf("uptime of b=%v, want nil before any probe", *tbs[1].Uptime)
	}

	// A container gone from the runtime shows as missing.
	if err := e.rt.Destroy(ctx, testbeds.ID{Pilot: p.ID, Candidate: "b"}, testbeds.DestroyOptions{}); err != nil {
		t.Fatal(err)
	}
	tbs, err = e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[1].Services[0].State, string(testbeds.StateMissing); got != want {
		t.Errorf("destroyed b: State=%s, want %s", got, want)
	}
	// The next tick converges it back.
	e.tick(t)
	tbs, err = e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[1].Services[0].State, string(testbeds.StateRunning); got != want {
		t.Errorf("after tick: State=%s, want %s", got, want)
	}
}

func TestSubmitInvalid(t *testing.T) {
	e := newEnv(t)
	two := pilotHCL + strings.ReplaceAll(pilotHCL, `pilot "nattillsyn"`, `pilot "other"`)
	tests := []struct {
		name string
		src  string
		diag bool   // want *pilots.DiagnosticsError
		code string // else this code
	}{
		{name: "syntax error", src: `pilot "x" {`, diag: true},
		{name: "unknown attribute", src: strings.Replace(pilotHCL, `title`, `titel`, 1), diag: true},
		{name: "two pilots", src: two, code: pilots.EINVALID},
		{name: "no pilot", src: "", diag: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.o.Submit(t.Context(), "alice", "pilot.hcl", []byte(tt.src))
			var de *pilots.DiagnosticsError
			if tt.diag {
				if !errors.As(err, &de) || len(de.Diagnostics) == 0 {
					t.Fatalf("err=%v, want diagnostics", err)
				}
				return
			}
			if errors.As(err, &de) {
				t.Fatalf("err=%v, want code %s", err, tt.code)
			}
			wantCode(t, err, tt.code)
		})
	}
	list, err := e.o.Pilots(t.Context(), pilots.PilotFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("pilots=%d, want none stored", len(list))
	}
}

func TestSubmitDuplicateName(t *testing.T) {
	e := newEnv(t)
	e.submit(t)
	_, err := e.o.Submit(t.Context(), "alice", "pilot.hcl", []byte(pilotHCL))
	wantCode(t, err, pilots.ECONFLICT)
}

func TestProvisionFailureRetried(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.submit(t)
	e.rt.failApply(errors.New("image pilotbed-demo:latest not present"))
	e.start(t, p.ID)
	got, err := e.o.Pilot(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != pilots.StatusFailed || !strings.Contains(got.Reason, "not present") {
		t.Fatalf("pilot=%s %q, want failed with the cause", got.Status, got.Reason)
	}

	// Backoff: 10s after the first failure, 20s after the second.
	checks := []struct {
		advance time.Duration
		want    pilots.Status
	}{
		{5 * time.Second, pilots.StatusFailed},
		{6 * time.Second, pilots.StatusFailed}, // retried, failed again
		{15 * time.Second, pilots.StatusFailed},
	}
	for i, c := range checks {
		e.clock.Add(c.advance)
		e.tick(t)
		if got := e.status(t, p.ID); got != c.want {
			t.Fatalf("check %d: Status=%v, want %v", i, got, c.want)
		}
	}
	e.rt.failApply(nil)
	e.clock.Add(5 * time.Second) // 20s since the second failure
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("after recovery: Status=%v, want %v", got, want)
	}

	var failed, retries int
	for _, s := range transitions(t, e, p.ID) {
		switch {
		case s.to == pilots.StatusFailed:
			failed++
		case s.from == pilots.StatusFailed && s.to == pilots.StatusProvisioning:
			retries++
			if s.actor != ActorScheduler {
				t.Errorf("retry actor=%s, want %s", s.actor, ActorScheduler)
			}
		}
	}
	if failed != 2 || retries != 2 {
		t.Fatalf("failures=%d retries=%d, want 2 and 2", failed, retries)
	}
}

func TestRuntimeUnreachable(t *testing.T) {
	e := newEnv(t)
	e.record(t)
	ctx := t.Context()
	p := e.submit(t)
	e.start(t, p.ID)

	reachability := func() []string {
		var out []string
		for _, ev := range e.events(t, p.ID, pilots.EventTestbed) {
			if ev.Service == "" && ev.Candidate == "" {
				out = append(out, ev.To)
			}
		}
		return out
	}

	e.rt.Fail(errors.New("dial unix /var/run/docker.sock: connect: connection refused"))
	for range 3 {
		e.clock.Add(15 * time.Second)
		if err := e.o.Tick(ctx); err != nil {
			t.Fatalf("Tick while unreachable: %v", err)
		}
	}
	if got, want := strings.Join(reachability(), ","), runtimeUnreachable; got != want {
		t.Fatalf("reachability events=%s, want %s", got, want)
	}
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	tbs, err := e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatalf("Testbeds while unreachable: %v", err)
	}
	for _, tb := range tbs {
		for _, s := range tb.Services {
			if s.State != "unknown" || s.Health != "unknown" {
				t.Errorf("%s/%s: state=%s health=%s, want unknown", tb.Candidate, s.Name, s.State, s.Health)
			}
		}
	}
	if err := e.o.Ready(ctx); err == nil || !strings.Contains(err.Error(), "container runtime") {
		t.Errorf("Ready=%v, want an error naming the container runtime", err)
	}

	e.rt.Fail(nil)
	e.clock.Add(15 * time.Second)
	e.tick(t)
	if got, want := strings.Join(reachability(), ","), runtimeUnreachable+","+runtimeReachable; got != want {
		t.Fatalf("reachability events=%s, want %s", got, want)
	}
	tbs, err = e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[0].Services[0].State, "running"; got != want {
		t.Fatalf("after recovery: State=%s, want %s", got, want)
	}
	if err := e.o.Ready(ctx); err != nil {
		t.Fatalf("Ready after recovery: %v", err)
	}
}

func TestStartWhileUnreachable(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	e.rt.Fail(errors.New("connection refused"))
	e.start(t, p.ID)
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusProvisioning; got != want {
		t.Fatalf("while unreachable: Status=%v, want %v (not failed)", got, want)
	}
	e.rt.Fail(nil)
	e.tick(t)
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("after recovery: Status=%v, want %v", got, want)
	}
}

func TestRestartAdoptsWithoutRecreating(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.submit(t)
	e.start(t, p.ID)
	containers := func() map[string]string {
		tbs, err := e.rt.Testbeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tb := range tbs {
			for _, s := range tb.Services {
				m[tb.ID.String()+"/"+s.Name] = s.ContainerID
			}
		}
		return m
	}
	before := containers()
	calls := e.rt.Calls()

	// A new orchestrator on the same store and runtime, as after a restart.
	o2 := e.newOrchestrator(t, nil)
	stop := runInBackground(t, o2)
	eventually(t, func() bool { return e.rt.Calls().Sweep != calls.Sweep }, func() string { return "no reconcile after restart" })
	stop()

	after := e.rt.Calls()
	if after.Apply <= calls.Apply {
		t.Errorf("Apply calls=%d, want more than %d: the restart reconciles", after.Apply, calls.Apply)
	}
	if after.Created != calls.Created || after.Removed != calls.Removed || after.Destroy != calls.Destroy {
		t.Errorf("calls after restart=%+v, before %+v: want nothing created, removed or destroyed", after, calls)
	}
	got := containers()
	if len(got) != len(before) {
		t.Fatalf("containers=%v, want %v", got, before)
	}
	for k, v := range before {
		if got[k] != v {
			t.Errorf("container %s=%s, want %s", k, got[k], v)
		}
	}
	if got, want := e.status(t, p.ID), pilots.StatusRunning; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
}

func TestRunSchedulesAndRecords(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.submit(t)
	if _, err := e.o.Approve(ctx, "bob", p.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	o := e.newOrchestrator(t, nil)
	o.interval = 10 * time.Millisecond
	defer runInBackground(t, o)()

	e.clock.Set(start)
	eventually(t, func() bool { return e.status(t, p.ID) == pilots.StatusRunning }, func() string {
		return fmt.Sprintf("Status=%v, want running after the start date", e.status(t, p.ID))
	})
	if err := e.rt.SetHealth(testbeds.ID{Pilot: p.ID, Candidate: "b"}, "web", testbeds.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	e.waitEvent(t, p.ID, "b", "web", "healthy")
	for _, ev := range e.events(t, p.ID, pilots.EventTestbed) {
		if ev.Candidate == "b" && ev.Service == "web" && ev.To == "healthy" {
			if ev.From != "starting" || ev.Actor != ActorRuntime || !strings.HasPrefix(ev.Reason, "healthy") {
				t.Errorf("event=%+v, want from starting by the runtime", ev)
			}
		}
	}
}

func TestCloseByHand(t *testing.T) {
	e := newEnv(t)
	e.record(t)
	ctx := t.Context()
	p := e.submit(t)
	e.start(t, p.ID)
	idA := testbeds.ID{Pilot: p.ID, Candidate: "a"}
	if err := e.rt.SetHealth(idA, "web", testbeds.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	e.waitEvent(t, p.ID, "a", "web", "healthy")
	e.clock.Add(time.Hour)
	if err := e.rt.SetHealth(idA, "web", testbeds.HealthUnhealthy); err != nil {
		t.Fatal(err)
	}
	e.waitEvent(t, p.ID, "a", "web", "unhealthy")
	e.clock.Add(time.Hour)

	got, err := e.o.Close(ctx, "alice", p.ID, "enough data")
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got.Status != pilots.StatusClosing {
		t.Fatalf("Close returned %v, want closing", got.Status)
	}
	e.o.Wait()
	if got, want := e.status(t, p.ID), pilots.StatusClosed; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	if got, want := e.rt.Calls().Destroy, 2; got != want {
		t.Errorf("Destroy calls=%d, want %d", got, want)
	}
	if got, want := strings.Join(e.rt.Volumes(idA), ","), "data"; got != want {
		t.Errorf("volumes left of a=%s, want %s (keep = true)", got, want)
	}

	b, err := os.ReadFile(SummaryPath(e.dataDir, p.ID))
	if err != nil {
		t.Fatal(err)
	}
	var sum CloseSummary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("close.json: %v", err)
	}
	if sum.Pilot != p.ID || len(sum.Candidates) != 2 || !sum.Start.Equal(p.Spec.Start) {
		t.Fatalf("summary=%+v", sum)
	}
	a := sum.Candidates[0]
	if a.Uptime == nil || *a.Uptime != 0.5 || len(a.Incidents) != 1 {
		t.Errorf("candidate a=%+v, want uptime 0.5 and one incident", a)
	}
	if sum.Candidates[1].Uptime != nil {
		t.Errorf("candidate b uptime=%v, want null", *sum.Candidates[1].Uptime)
	}
	if sum.Retention.Keep != "365d" || sum.Retention.Decision != "KS 2026/123" {
		t.Errorf("retention=%+v", sum.Retention)
	}

	// A closed pilot's testbeds are gone and its uptime stays as measured.
	e.clock.Add(24 * time.Hour)
	tbs, err := e.o.Testbeds(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tbs[0].Services[0].State, stateRemoved; got != want {
		t.Errorf("State=%s, want %s", got, want)
	}
	if tbs[0].Uptime == nil || *tbs[0].Uptime != 0.5 {
		t.Errorf("uptime after close=%v, want 0.5", tbs[0].Uptime)
	}
}

func TestCloseResumes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := e.submit(t)
	e.start(t, p.ID)
	// The runtime goes away during close: the store steps are done, removal
	// waits, and the pilot stays closing.
	e.rt.Fail(errors.New("connection refused"))
	e.tick(t)
	if _, err := e.o.Close(ctx, "alice", p.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	if got, want := e.status(t, p.ID), pilots.StatusClosing; got != want {
		t.Fatalf("while unreachable: Status=%v, want %v", got, want)
	}
	// A restarted server finishes the close.
	e.rt.Fail(nil)
	o2 := e.newOrchestrator(t, nil)
	if err := o2.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := e.status(t, p.ID), pilots.StatusClosed; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	var steps []string
	for _, ev := range e.events(t, p.ID, pilots.EventClose) {
		steps = append(steps, ev.To)
	}
	if got, want := strings.Join(steps, ","), "measured,surveys_frozen,summary_written,report_written,testbeds_removed,retention_applied"; got != want {
		t.Errorf("close steps=%s, want %s: each once", got, want)
	}
}

func TestConcurrentStart(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	const n = 8
	var (
		wg        sync.WaitGroup
		ok, confl atomic.Int32
	)
	for range n {
		wg.Go(func() {
			_, err := e.o.Start(context.Background(), "alice", p.ID, "")
			switch pilots.ErrorCode(err) {
			case "":
				ok.Add(1)
			case pilots.ECONFLICT:
				confl.Add(1)
			default:
				t.Errorf("Start: %v", err)
			}
		})
	}
	wg.Wait()
	e.o.Wait()
	if ok.Load() != 1 || confl.Load() != n-1 {
		t.Fatalf("successes=%d conflicts=%d, want 1 and %d", ok.Load(), confl.Load(), n-1)
	}
	started := 0
	for _, s := range transitions(t, e, p.ID) {
		if s.to == pilots.StatusProvisioning {
			started++
		}
	}
	if started != 1 {
		t.Fatalf("transitions to provisioning=%d, want 1", started)
	}
	if got, want := e.rt.Calls().Created, 3; got != want {
		t.Fatalf("containers created=%d, want %d", got, want)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	p := e.submit(t)
	e.submitOther(t)
	if _, err := e.o.Start(t.Context(), "alice", p.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	got := gauges(t, e.reg)
	want := map[string]float64{
		`pilotbed_pilots{status="draft"}`:                 1,
		`pilotbed_pilots{status="running"}`:               1,
		`pilotbed_pilots{status="closed"}`:                0,
		`pilotbed_testbed_containers{state="running"}`:    3,
		`pilotbed_testbed_containers{state="restarting"}`: 0,
		`pilotbed_runtime_up`:                             1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s=%v (present %v), want %v", k, g, ok, v)
		}
	}
}

// gauges flattens gathered gauges to "name{label="value"}" -> value.
func gauges(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			if lp := m.GetLabel(); len(lp) > 0 {
				key += fmt.Sprintf("{%s=%q}", lp[0].GetName(), lp[0].GetValue())
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

func (e *env) submitOther(t *testing.T) {
	t.Helper()
	src := strings.ReplaceAll(pilotHCL, `pilot "nattillsyn"`, `pilot "other"`)
	if _, err := e.o.Submit(t.Context(), "alice", "other.hcl", []byte(src)); err != nil {
		t.Fatal(err)
	}
}

func TestReady(t *testing.T) {
	e := newEnv(t)
	if err := e.o.Ready(t.Context()); err != nil {
		t.Fatalf("Ready=%v, want nil", err)
	}
	e.store.Close()
	err := e.o.Ready(t.Context())
	if err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("Ready=%v, want an error naming the store", err)
	}
}
