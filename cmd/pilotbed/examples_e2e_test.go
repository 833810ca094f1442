package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

// TestExamplesRun submits every example pilot to a real server on the real
// Docker Engine, starts it, waits for its testbeds to be healthy and closes
// it: the examples are documentation that must keep working.
func TestExamplesRun(t *testing.T) {
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	files, err := filepath.Glob("../../examples/*.hcl")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	srv := startServer(t, dataDir)
	var names []string
	for _, f := range files {
		var sub pilotJSON
		if err := json.Unmarshal([]byte(mustCLI(t, srv.url, "pilots", "submit", f, "--output", "json")), &sub); err != nil {
			t.Fatalf("submit %s: %v", f, err)
		}
		mustCLI(t, srv.url, "pilots", "start", sub.Name)
		names = append(names, sub.Name)
	}
	for _, name := range names {
		eventually(t, name+" running with healthy testbeds", 90*time.Second, func() bool {
			return showPilot(t, srv.url, name).Status == "running" && allHealthy(t, srv.url, name)
		})
	}
	for _, name := range names {
		mustCLI(t, srv.url, "pilots", "close", name)
	}
	for _, name := range names {
		eventually(t, name+" closed", 90*time.Second, func() bool { return showPilot(t, srv.url, name).Status == "closed" })
	}
	if cs := instanceContainers(t, cli, dataDir); len(cs) != 0 {
		t.Errorf("containers left after closing the examples: %d", len(cs))
	}
}
