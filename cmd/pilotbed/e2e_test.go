package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// server is a pilotbed serve started by a test.
type server struct {
	url  string
	stop func()      // graceful stop (SIGTERM equivalent)
	done chan error  // the result of serve
	out  *syncBuffer // stdout
	logs *syncBuffer // stderr
}

// startServer runs `pilotbed serve` in-process on a free port.
func startServer(t *testing.T, dataDir string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	s := &server{stop: cancel, done: make(chan error, 1), out: &syncBuffer{}, logs: &syncBuffer{}}
	env := map[string]string{"PILOTBED_BOOTSTRAP_TOKEN": e2eToken}
	go func() {
		s.done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "debug", "--reconcile-interval", "1s"},
			mapenv(env), strings.NewReader(""), s.out, s.logs)
	}()
	s.url = waitListen(t, s.out, s.done)
	t.Cleanup(func() {
		s.stop()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30s")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s
}

func waitListen(t *testing.T, out *syncBuffer, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("server exited before listening: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not listen within 30s; stdout:\n%s", out.String())
	return ""
}

func mapenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// cliRun runs a client command against url and returns stdout, stderr and
// the exit code.
func cliRun(t *testing.T, url string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := mapenv(map[string]string{"PILOTBED_SERVER": url, "PILOTBED_TOKEN": e2eToken})
	err := run(t.Context(), args, env, strings.NewReader(""), &out, &errb)
	code := exitCode(err, &errb) // prints the error to errb
	return out.String(), errb.String(), code
}

func mustCLI(t *testing.T, url string, args ...string) string {
	t.Helper()
	out, errs, code := cliRun(t, url, args...)
	if code != 0 {
		t.Fatalf("pilotbed %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
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

type testbedsJSON struct {
	Testbeds []struct {
		Candidate string   `json:"candidate"`
		Uptime    *float64 `json:"uptime"`
		Services  []struct {
			Name   string `json:"name"`
			State  string `json:"state"`
			Health string `json:"health"`
		} `json:"services"`
	} `json:"testbeds"`
}

func allHealthy(t *testing.T, url, name string) bool {
	t.Helper()
	out := mustCLI(t, url, "testbeds", name, "--output", "json")
	var tb testbedsJSON
	if err := json.Unmarshal([]byte(out), &tb); err != nil {
		t.Fatalf("decode testbeds: %v\n%s", err, out)
	}
	if len(tb.Testbeds) == 0 {
		return false
	}
	for _, c := range tb.Testbeds {
		for _, s := range c.Services {
			if s.State != "running" || s.Health != "healthy" {
				return false
			}
		}
	}
	return true
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

// instanceContainers lists the containers labelled with the data dir's
// instance id.
func instanceContainers(t *testing.T, cli *client.Client, dataDir string) []container.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "instance"))
	if err != nil {
		t.Fatalf("read instance id: %v", err)
	}
	f := filters.NewArgs(filters.Arg("label", "io.pilotbed.instance="+strings.TrimSpace(string(b))))
	cs, err := cli.ContainerList(t.Context(), container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	return cs
}

// cleanupInstance removes whatever the data dir's instance left behind, so
// a failed test does not leak containers into the next one.
func cleanupInstance(t *testing.T, cli *client.Client, dataDir string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		b, err := os.ReadFile(filepath.Join(dataDir, "instance"))
		if err != nil {
			return
		}
		f := filters.NewArgs(filters.Arg("label", "io.pilotbed.instance="+strings.TrimSpace(string(b))))
		cs, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		for _, c := range cs {
			_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
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

	srv.stop()
	if err := <-srv.done; err != nil {
		t.Fatalf("serve returned %v after a graceful stop", err)
	}
	srv.done <- nil // let the first server's cleanup finish at once

	srv2 := startServer(t, dataDir)
	eventually(t, "healthy testbeds after restart", 60*time.Second, func() bool { return allHealthy(t, srv2.url, "digital-nattillsyn") })
	if got, want := showPilot(t, srv2.url, "digital-nattillsyn").Status, "running"; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	after := containerIDs(t, cli, dataDir)
	if strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("containers changed across restart:\nbefore %v\nafter  %v", before, after)
	}
	var tb testbedsJSON
	if err := json.Unmarshal([]byte(mustCLI(t, srv2.url, "testbeds", "digital-nattillsyn", "--output", "json")), &tb); err != nil {
		t.Fatal(err)
	}
	for _, c := range tb.Testbeds {
		if c.Uptime == nil || *c.Uptime <= 0 {
			t.Errorf("candidate %s: uptime %v after restart, want a measured value", c.Candidate, c.Uptime)
		}
	}
}

func containerIDs(t *testing.T, cli *client.Client, dataDir string) []string {
	t.Helper()
	var ids []string
	for _, c := range instanceContainers(t, cli, dataDir) {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}
