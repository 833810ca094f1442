package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/internal/testenv"
)

// The restart target: a server with 20 running testbed containers stops
// gracefully and a new one starts on the same data directory. The new one
// must adopt every container (none recreated) and report all of them
// running and healthy within 2 s. Run by `make bench` only:
//
//	go test -run '^$' -bench RestartAdopt -benchtime 3x ./cmd/pilotbed/

const (
	restartPilotName  = "omstart"
	restartCandidates = 10 // x 2 services = 20 containers
)

// restartPilot is a pilot of n candidates with two small health-checked
// services each, all on the demo image.
func restartPilot(image string, n int) string {
	var b strings.Builder
	b.WriteString(`pilot "` + restartPilotName + `" {
  title   = "Omstart med tjugo behållare"
  owner   = "Prestandamätning"
  contact = "bench@example.org"
  start   = "2027-01-11"
  end     = "2027-03-31"
  retention {
    keep     = "30d"
    decision = "bench"
  }
  privacy {
    legal_basis = "bench"
  }
`)
	for i := range n {
		fmt.Fprintf(&b, `
  candidate "c%02d" {
    vendor = "Leverantör %d"
    entry  = "web"
`, i, i)
		for _, svc := range []string{"web", "api"} {
			fmt.Fprintf(&b, `    service %q {
      image  = %q
      port   = 8080
      memory = "32MiB"
      health {
        http     = "/healthz"
        interval = "2s"
      }
    }
`, svc, image)
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// benchServer is a `pilotbed serve` run in-process by a benchmark.
type benchServer struct {
	url  string
	stop context.CancelFunc
	done chan error
	logs *syncBuffer
}

// startBenchServer runs serve on dataDir with production defaults (only
// the address and the log level differ) and waits until it listens.
func startBenchServer(tb testing.TB, dataDir string) *benchServer {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.WithoutCancel(tb.Context()))
	s := &benchServer{stop: cancel, done: make(chan error, 1), logs: &syncBuffer{}}
	out := &syncBuffer{}
	env := mapenv(map[string]string{"PILOTBED_BOOTSTRAP_TOKEN": e2eToken})
	go func() {
		s.done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"},
			env, strings.NewReader(""), out, s.logs)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for s.url == "" {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			s.url = m[1]
			break
		}
		select {
		case err := <-s.done:
			tb.Fatalf("server exited before listening: %v\n%s", err, s.logs.String())
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			tb.Fatalf("server did not listen within 30s; log:\n%s", s.logs.String())
		}
	}
	return s
}

// shutdown stops the server gracefully and waits for serve to return.
func (s *benchServer) shutdown(tb testing.TB) {
	tb.Helper()
	s.stop()
	select {
	case err := <-s.done:
		if err != nil {
			tb.Fatalf("serve returned %v after a graceful stop", err)
		}
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not stop within 30s")
	}
}

// benchCLI runs a client command against url and fails on a non-zero exit.
func benchCLI(tb testing.TB, url string, args ...string) string {
	tb.Helper()
	var out, errb syncBuffer
	env := mapenv(map[string]string{"PILOTBED_SERVER": url, "PILOTBED_TOKEN": e2eToken})
	if err := run(tb.Context(), args, env, strings.NewReader(""), &out, &errb); err != nil {
		tb.Fatalf("pilotbed %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// allTestbedsHealthy asks the API, as a client would, whether the pilot
// has want testbeds and every service of them is running and healthy.
func allTestbedsHealthy(ctx context.Context, url string, want int) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/pilots/"+restartPilotName+"/testbeds", nil)
	if err != nil {
		return false, fmt.Errorf("make testbeds request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, fmt.Errorf("get testbeds: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, nil // e.g. 503 while the store opens: not converged yet
	}
	var list api.TestbedList
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		return false, fmt.Errorf("decode testbeds: %w", err)
	}
	if len(list.Testbeds) != want {
		return false, nil
	}
	for _, tb := range list.Testbeds {
		if len(tb.Services) != 2 {
			return false, nil
		}
		for _, s := range tb.Services {
			if s.State != "running" || s.Health != "healthy" {
				return false, nil
			}
		}
	}
	return true, nil
}

// waitConverged polls the testbeds every few milliseconds until all are
// healthy and returns when that was first seen.
func waitConverged(tb testing.TB, url string, timeout time.Duration) time.Time {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := allTestbedsHealthy(tb.Context(), url, restartCandidates)
		if err != nil {
			tb.Fatal(err)
		}
		if ok {
			return time.Now()
		}
		if time.Now().After(deadline) {
			tb.Fatalf("testbeds not all running and healthy within %s", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// instanceLabel is the label filter of the data directory's instance.
func instanceLabel(tb testing.TB, dataDir string) filters.Args {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "instance"))
	if err != nil {
		tb.Fatalf("read instance id: %v", err)
	}
	return filters.NewArgs(filters.Arg("label", "io.pilotbed.instance="+strings.TrimSpace(string(b))))
}

// runningIDs lists the ids of the instance's containers, sorted.
func runningIDs(tb testing.TB, cli *client.Client, dataDir string) []string {
	tb.Helper()
	cs, err := cli.ContainerList(tb.Context(), container.ListOptions{All: true, Filters: instanceLabel(tb, dataDir)})
	if err != nil {
		tb.Fatalf("list containers: %v", err)
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// removeInstanceOnCleanup removes every container, network and volume of
// the data directory's instance when the benchmark ends, failed or not.
func removeInstanceOnCleanup(tb testing.TB, cli *client.Client, dataDir string) {
	tb.Cleanup(func() {
		// The benchmark's context is gone by now; removal must still run.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		b, err := os.ReadFile(filepath.Join(dataDir, "instance"))
		if err != nil {
			return
		}
		f := filters.NewArgs(filters.Arg("label", "io.pilotbed.instance="+strings.TrimSpace(string(b))))
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

// recreatedCount counts containers replaced between two sorted id lists:
// a recreated container shows as one id gone and one new.
func recreatedCount(before, after []string) int {
	gone := 0
	for _, id := range before {
		if _, found := slices.BinarySearch(after, id); !found {
			gone++
		}
	}
	return max(gone, len(after)-len(before)+gone)
}

// BenchmarkRestartAdopt measures a graceful restart of the server with a
// running pilot of 10 candidates x 2 services: each iteration stops the
// server, starts a new one on the same data directory and times from the
// start until the API reports all 20 services running and healthy.
// Reported: converge-s (mean), converge-max-s, recreated (total).
func BenchmarkRestartAdopt(b *testing.B) {
	cli := testenv.Docker(b)
	image := testenv.DemoImage(b, cli)
	dataDir := b.TempDir()
	removeInstanceOnCleanup(b, cli, dataDir)

	pilotFile := filepath.Join(b.TempDir(), "omstart.hcl")
	if err := os.WriteFile(pilotFile, []byte(restartPilot(image, restartCandidates)), 0o600); err != nil {
		b.Fatal(err)
	}
	srv := startBenchServer(b, dataDir)
	// Registered after the removal, so it runs first: the server stops
	// before its containers are removed under it.
	b.Cleanup(func() {
		srv.stop()
		select {
		case <-srv.done:
		case <-time.After(30 * time.Second):
		}
		if b.Failed() {
			b.Logf("server log:\n%s", srv.logs.String())
		}
	})
	benchCLI(b, srv.url, "pilots", "submit", pilotFile)
	benchCLI(b, srv.url, "pilots", "start", restartPilotName, "--reason", "restart benchmark")
	waitConverged(b, srv.url, 3*time.Minute)
	if got, want := len(runningIDs(b, cli, dataDir)), 2*restartCandidates; got != want {
		b.Fatalf("containers=%d, want %d", got, want)
	}

	var total, worst time.Duration
	recreated := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		before := runningIDs(b, cli, dataDir)
		srv.shutdown(b)
		b.StartTimer()

		began := time.Now()
		srv = startBenchServer(b, dataDir)
		took := waitConverged(b, srv.url, time.Minute).Sub(began)

		b.StopTimer()
		total += took
		worst = max(worst, took)
		// The start-up reconcile may still be running when the API first
		// reports all healthy; give it time to replace anything it would.
		time.Sleep(3 * time.Second)
		recreated += recreatedCount(before, runningIDs(b, cli, dataDir))
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(total.Seconds()/float64(b.N), "converge-s")
	b.ReportMetric(worst.Seconds(), "converge-max-s")
	b.ReportMetric(float64(recreated), "recreated")
}
