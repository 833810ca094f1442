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

// startBenchServer runs serve on dataDir with production defaults (only
// the address and the log level differ) and waits until it listens.
func startBenchServer(tb testing.TB, dataDir string) *server {
	tb.Helper()
	return launchServer(tb, dataDir, tokenEnv, "--log-level", "warn")
}

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
	cleanupInstance(b, cli, dataDir)

	pilotFile := filepath.Join(b.TempDir(), "omstart.hcl")
	if err := os.WriteFile(pilotFile, []byte(restartPilot(image, restartCandidates)), 0o600); err != nil {
		b.Fatal(err)
	}
	srv := startBenchServer(b, dataDir)
	mustCLI(b, srv.url, "pilots", "submit", pilotFile)
	mustCLI(b, srv.url, "pilots", "start", restartPilotName, "--reason", "restart benchmark")
	waitConverged(b, srv.url, 3*time.Minute)
	if got, want := len(containerIDs(b, cli, dataDir)), 2*restartCandidates; got != want {
		b.Fatalf("containers=%d, want %d", got, want)
	}

	var total, worst time.Duration
	recreated := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		before := containerIDs(b, cli, dataDir)
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
		recreated += recreatedCount(before, containerIDs(b, cli, dataDir))
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(total.Seconds()/float64(b.N), "converge-s")
	b.ReportMetric(worst.Seconds(), "converge-max-s")
	b.ReportMetric(float64(recreated), "recreated")
}
