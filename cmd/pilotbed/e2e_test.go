package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

// The tests in this file drive the real program: run() or the built binary,
// on a real SQLite file and the real Docker Engine.

const e2eToken = "pbt_e2etokene2etokene2etokene2etoken"

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// tokenEnv is the environment of a server the CLI helpers can talk to.
var tokenEnv = map[string]string{"PILOTBED_BOOTSTRAP_TOKEN": e2eToken}

// server is a pilotbed serve started by a test or a benchmark.
type server struct {
	url  string
	out  *syncBuffer // stdout
	logs *syncBuffer // stderr
	// stop stops serve gracefully (SIGTERM equivalent) and returns what it
	// returned; later calls return the same at once.
	stop func() error
}

// launchServer runs `pilotbed serve` in-process on a free port with env
// and the extra serve flags, waits until it listens and stops it when the
// test ends.
func launchServer(tb testing.TB, dataDir string, env map[string]string, flags ...string) *server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.WithoutCancel(tb.Context()))
	done := make(chan error, 1)
	s := &server{out: &syncBuffer{}, logs: &syncBuffer{}}
	s.stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("serve did not return within 30s")
		}
	})
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, flags...)
	go func() {
		done <- run(ctx, args, mapenv(env), strings.NewReader(""), s.out, s.logs)
	}()
	// Polled often: the restart benchmark times start-up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(s.out.String()); m != nil {
			s.url = m[1]
			break
		}
		if time.Now().After(deadline) {
			cancel()
			tb.Fatalf("server did not listen within 30s; log:\n%s", s.logs.String())
		}
		select {
		case err := <-done:
			tb.Fatalf("server exited before listening: %v\n%s", err, s.logs.String())
		case <-time.After(2 * time.Millisecond):
		}
	}
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Errorf("graceful stop: %v", err)
		}
		if tb.Failed() {
			tb.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s
}

// shutdown stops the server and fails unless serve returns nil.
func (s *server) shutdown(tb testing.TB) {
	tb.Helper()
	if err := s.stop(); err != nil {
		tb.Fatalf("serve returned %v after a graceful stop", err)
	}
}

// startServer runs `pilotbed serve` in-process on a free port.
func startServer(t *testing.T, dataDir string) *server {
	t.Helper()
	return launchServer(t, dataDir, tokenEnv, "--log-level", "debug", "--reconcile-interval", "1s")
}

func mapenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// cliRun runs a client command against url and returns stdout, stderr and
// the exit code.
func cliRun(tb testing.TB, url string, args ...string) (string, string, int) {
	tb.Helper()
	var out, errb bytes.Buffer
	env := mapenv(map[string]string{"PILOTBED_SERVER": url, "PILOTBED_TOKEN": e2eToken})
	err := run(tb.Context(), args, env, strings.NewReader(""), &out, &errb)
	code := exitCode(err, &errb) // prints the error to errb
	return out.String(), errb.String(), code
}

func mustCLI(tb testing.TB, url string, args ...string) string {
	tb.Helper()
	out, errs, code := cliRun(tb, url, args...)
	if code != 0 {
		tb.Fatalf("pilotbed %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

type pilotJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func showPilot(t *testing.T, url, name string) pilotJSON {
	t.Helper()
	var p pilotJSON
	out := mustCLI(t, url, "pilots", "show", name, "--output", "json")
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("decode pilots show: %v\n%s", err, out)
	}
	return p
}

// allHealthy reports whether the pilot has testbeds and every service of
// them is running and healthy.
func allHealthy(t *testing.T, url, name string) bool {
	t.Helper()
	return everyService(relTestbeds(t, url, name), func(s relService) bool {
		return s.State == "running" && s.Health == "healthy"
	})
}

func eventually(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

// readInstanceFilter is the label filter of the data dir's instance.
func readInstanceFilter(dataDir string) (filters.Args, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "instance"))
	if err != nil {
		return filters.Args{}, fmt.Errorf("read instance id: %w", err)
	}
	return filters.NewArgs(filters.Arg("label", "io.pilotbed.instance="+strings.TrimSpace(string(b)))), nil
}

func instanceFilter(tb testing.TB, dataDir string) filters.Args {
	tb.Helper()
	f, err := readInstanceFilter(dataDir)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// instanceContainers lists the containers labelled with the data dir's
// instance id.
func instanceContainers(tb testing.TB, cli *client.Client, dataDir string) []container.Summary {
	tb.Helper()
	cs, err := cli.ContainerList(tb.Context(), container.ListOptions{All: true, Filters: instanceFilter(tb, dataDir)})
	if err != nil {
		tb.Fatalf("list containers: %v", err)
	}
	return cs
}

// containerIDs lists the ids of the instance's containers, sorted.
func containerIDs(tb testing.TB, cli *client.Client, dataDir string) []string {
	tb.Helper()
	var ids []string
	for _, c := range instanceContainers(tb, cli, dataDir) {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// cleanupInstance removes whatever the data dir's instance left behind
// when the test ends, failed or not, so it does not leak containers into
// the next one. Call it before starting the server: cleanups run last in
// first out, so the server stops before its containers are removed.
func cleanupInstance(tb testing.TB, cli *client.Client, dataDir string) {
	tb.Cleanup(func() {
		// The test's context is gone by now; removal must still run.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		f, err := readInstanceFilter(dataDir)
		if err != nil {
			return // no instance was created
		}
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		if err != nil {
			tb.Errorf("list containers to remove: %v", err)
		}
		for _, c := range cs {
			if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
				tb.Errorf("remove container %s: %v", c.ID[:12], err)
			}
		}
		ns, _ := cli.NetworkList(ctx, network.ListOptions{Filters: f})
		for _, n := range ns {
			_ = cli.NetworkRemove(ctx, n.ID)
		}
		vs, _ := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
		for _, v := range vs.Volumes {
			_ = cli.VolumeRemove(ctx, v.Name, true)
		}
	})
}

const example = "../../examples/nattillsyn.hcl"

// TestEndToEnd drives the whole program on real SQLite and real Docker:
// submit an example, start it, see its testbeds healthy, close it, see them
// gone, and find every transition in the audit trail.
func TestEndToEnd(t *testing.T) {
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	srv := startServer(t, dataDir)

	out := mustCLI(t, srv.url, "pilots", "submit", example, "--output", "json")
	var sub pilotJSON
	if err := json.Unmarshal([]byte(out), &sub); err != nil {
		t.Fatalf("decode submit: %v\n%s", err, out)
	}
	if got, want := sub.Status, "draft"; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	mustCLI(t, srv.url, "pilots", "start", sub.Name, "--reason", "end-to-end test")
	eventually(t, "pilot running with healthy testbeds", 90*time.Second, func() bool {
		return showPilot(t, srv.url, sub.Name).Status == "running" && allHealthy(t, srv.url, sub.Name)
	})
	if got, want := len(instanceContainers(t, cli, dataDir)), 2; got != want {
		t.Fatalf("containers=%d, want %d (one per candidate service)", got, want)
	}

	mustCLI(t, srv.url, "pilots", "close", sub.Name)
	eventually(t, "pilot closed", 90*time.Second, func() bool {
		return showPilot(t, srv.url, sub.Name).Status == "closed"
	})
	if cs := instanceContainers(t, cli, dataDir); len(cs) != 0 {
		t.Errorf("containers left after close: %d", len(cs))
	}

	var evs struct {
		Events []struct {
			Kind, From, To, Actor string
		} `json:"events"`
	}
	out = mustCLI(t, srv.url, "events", sub.Name, "--kind", "transition", "--output", "json")
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatalf("decode events: %v\n%s", err, out)
	}
	var got []string
	for _, e := range evs.Events {
		got = append(got, e.To)
		if e.Actor == "" {
			t.Errorf("transition to %s has no actor", e.To)
		}
	}
	if want := "draft provisioning running closing closed"; strings.Join(got, " ") != want {
		t.Errorf("transitions=%q, want %q", strings.Join(got, " "), want)
	}
}

// TestRestartAdopts stops a server with a running pilot and starts a new
// one on the same data: no container is recreated, the pilot stays running
// and uptime continues.
func TestRestartAdopts(t *testing.T) {
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)

	srv := startServer(t, dataDir)
	mustCLI(t, srv.url, "pilots", "submit", example)
	mustCLI(t, srv.url, "pilots", "start", "digital-nattillsyn")
	eventually(t, "healthy testbeds", 90*time.Second, func() bool { return allHealthy(t, srv.url, "digital-nattillsyn") })
	before := containerIDs(t, cli, dataDir)

	srv.shutdown(t)

	srv2 := startServer(t, dataDir)
	eventually(t, "healthy testbeds after restart", 60*time.Second, func() bool { return allHealthy(t, srv2.url, "digital-nattillsyn") })
	if got, want := showPilot(t, srv2.url, "digital-nattillsyn").Status, "running"; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	after := containerIDs(t, cli, dataDir)
	if strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("containers changed across restart:\nbefore %v\nafter  %v", before, after)
	}
	tbs := relTestbeds(t, srv2.url, "digital-nattillsyn")
	if len(tbs) == 0 {
		t.Fatalf("no testbeds after restart")
	}
	for _, c := range tbs {
		if c.Uptime == nil || *c.Uptime <= 0 {
			t.Errorf("candidate %s: uptime %v after restart, want a measured value", c.Candidate, c.Uptime)
		}
	}
}
