package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

// buildBinary builds pilotbed once for the subprocess tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pilotbed")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs `pilotbed serve` as a subprocess, so a test can kill it
// with SIGKILL the way a crash or an OOM kill would.
func startProcess(t *testing.T, bin, dataDir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--reconcile-interval", "1s", "--log-format", "json")
	cmd.Env = append(os.Environ(), "PILOTBED_BOOTSTRAP_TOKEN="+e2eToken)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not listen within 30s; log:\n%s", logs.String())
		return nil, ""
	}
}

func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	_ = cmd.Wait()
}

// TestKillDuringStartAndClose kills the server with SIGKILL right after a
// start and right after a close, and checks that a restarted server
// converges: one container per service after the start, nothing left after
// the close, and every lifecycle step recorded once.
func TestKillDuringStartAndClose(t *testing.T) {
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	bin := buildBinary(t)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	const name = "digital-nattillsyn"

	proc, url := startProcess(t, bin, dataDir)
	mustCLI(t, url, "pilots", "submit", example)
	mustCLI(t, url, "pilots", "start", name)
	kill9(t, proc) // while the testbeds are being created

	proc, url = startProcess(t, bin, dataDir)
	eventually(t, "running and healthy after the crash during start", 90*time.Second, func() bool {
		return showPilot(t, url, name).Status == "running" && allHealthy(t, url, name)
	})
	// Nothing duplicated: exactly one container per candidate service.
	seen := map[string]int{}
	for _, c := range instanceContainers(t, cli, dataDir) {
		seen[c.Labels["io.pilotbed.candidate"]+"/"+c.Labels["io.pilotbed.service"]]++
	}
	if got, want := len(seen), 2; got != want {
		t.Errorf("services with containers=%d (%v), want %d", got, seen, want)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s has %d containers, want 1", k, n)
		}
	}

	// Responses committed before the crash must survive it.
	out := mustCLI(t, url, "invite", name, "--cohort", "vaster", "--count", "5", "--output", "json")
	var inv struct {
		Invitations []struct{ URL string } `json:"invitations"`
	}
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatalf("decode invitations: %v\n%s", err, out)
	}
	mustCLI(t, url, "surveys", "open", name, "final")
	for _, i := range inv.Invitations {
		c := newClient(t)
		get(t, c, i.URL)
		submitFinal(t, c, i.URL, true)
	}

	mustCLI(t, url, "pilots", "close", name)
	kill9(t, proc) // while the pilot is closing

	_, url = startProcess(t, bin, dataDir)
	eventually(t, "closed after the crash during close", 90*time.Second, func() bool {
		return showPilot(t, url, name).Status == "closed"
	})
	// Nothing orphaned: no container, network or volume of the instance.
	if cs := instanceContainers(t, cli, dataDir); len(cs) != 0 {
		t.Errorf("containers left: %d", len(cs))
	}
	if n := countNetworks(t, cli, dataDir); n != 0 {
		t.Errorf("networks left: %d", n)
	}
	if n := countVolumes(t, cli, dataDir); n != 0 {
		t.Errorf("volumes left: %d", n)
	}
	// No committed response lost: all five are in the export.
	csv := mustCLI(t, url, "responses", name, "--format", "csv")
	if got, want := strings.Count(strings.TrimSpace(csv), "\n"), 5; got != want {
		t.Errorf("exported responses=%d, want %d:\n%s", got, want, csv)
	}
	// Every transition recorded once.
	out = mustCLI(t, url, "events", name, "--kind", "transition", "--output", "json")
	for _, to := range []string{`"to":"running"`, `"to":"closing"`, `"to":"closed"`} {
		if got := strings.Count(strings.ReplaceAll(out, " ", ""), to); got != 1 {
			t.Errorf("transition %s recorded %d times, want 1", to, got)
		}
	}
}

func countNetworks(t *testing.T, cli *client.Client, dataDir string) int {
	t.Helper()
	ns, err := cli.NetworkList(context.WithoutCancel(t.Context()), network.ListOptions{Filters: instanceFilter(t, dataDir)})
	if err != nil {
		t.Fatalf("list networks: %v", err)
	}
	return len(ns)
}

func countVolumes(t *testing.T, cli *client.Client, dataDir string) int {
	t.Helper()
	vs, err := cli.VolumeList(context.WithoutCancel(t.Context()), volume.ListOptions{Filters: instanceFilter(t, dataDir)})
	if err != nil {
		t.Fatalf("list volumes: %v", err)
	}
	return len(vs.Volumes)
}
