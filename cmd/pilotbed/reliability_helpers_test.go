package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// Helpers of the reliability tests: a server started with its own
// environment and flags, a Docker socket proxy the test can cut, and
// readers of the CLI's JSON.

// relStartServer runs `pilotbed serve` in-process like startServer, with
// extra environment (DOCKER_HOST above all) and extra flags.
func relStartServer(t *testing.T, dataDir string, env map[string]string, extra ...string) *server {
	t.Helper()
	all := maps.Clone(tokenEnv)
	maps.Copy(all, env)
	return launchServer(t, dataDir, all, append([]string{"--log-level", "debug"}, extra...)...)
}

// dockerProxy forwards a unix socket to the Docker daemon, byte for byte,
// until the test cuts it: then the daemon looks stopped to whoever uses the
// socket (open connections drop, new ones are refused) while the real
// daemon, and everything else on the machine using it, carries on.
type dockerProxy struct {
	path          string // the socket clients dial
	network, addr string // the daemon's

	mu    sync.Mutex
	ln    net.Listener // nil while down
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// startDockerProxy listens on a fresh socket and forwards to the daemon cli
// talks to. The proxy is closed when the test ends.
func startDockerProxy(t *testing.T, cli *client.Client) *dockerProxy {
	t.Helper()
	u, err := client.ParseHostURL(cli.DaemonHost())
	if err != nil {
		t.Fatalf("parse Docker host %q: %v", cli.DaemonHost(), err)
	}
	if u.Scheme != "unix" && u.Scheme != "tcp" {
		t.Skipf("the Docker host %q is neither a unix socket nor TCP; the outage proxy cannot stand in for it", cli.DaemonHost())
	}
	// Not t.TempDir: its path can pass the 108-byte limit of socket paths.
	dir, err := os.MkdirTemp("", "pbproxy")
	if err != nil {
		t.Fatalf("create proxy directory: %v", err)
	}
	p := &dockerProxy{path: filepath.Join(dir, "docker.sock"), network: u.Scheme, addr: u.Host, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		p.setDown()
		p.wg.Wait()
		os.RemoveAll(dir)
	})
	if err := p.setUp(); err != nil {
		t.Fatal(err)
	}
	return p
}

// host is the DOCKER_HOST that reaches the daemon through the proxy.
func (p *dockerProxy) host() string { return "unix://" + p.path }

// setUp starts accepting connections again.
func (p *dockerProxy) setUp() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return nil
	}
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		return fmt.Errorf("listen on the proxy socket: %w", err)
	}
	p.ln = ln
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

// setDown drops every open connection and stops listening, so new
// connections are refused as by a stopped daemon.
func (p *dockerProxy) setDown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close() // also removes the socket file
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *dockerProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by setDown
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// track registers open connections for setDown; it refuses (false) once the
// listener they came through is gone.
func (p *dockerProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *dockerProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		c.Close()
	}
}

func (p *dockerProxy) forward(c net.Conn) {
	defer p.wg.Done()
	d, err := net.DialTimeout(p.network, p.addr, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, d) {
		c.Close()
		d.Close()
		return
	}
	// HTTP to the daemon never half-closes, so the end of either direction
	// ends the connection.
	done := make(chan struct{}, 2)
	go func() { io.Copy(d, c); done <- struct{}{} }()
	go func() { io.Copy(c, d); done <- struct{}{} }()
	<-done
	p.untrack(c, d)
	<-done
}

type relService struct {
	Name     string `json:"name"`
	State    string `json:"state"`
	Health   string `json:"health"`
	Restarts int    `json:"restarts"`
	Message  string `json:"message"`
}

type relTestbed struct {
	Candidate string       `json:"candidate"`
	Uptime    *float64     `json:"uptime"`
	Services  []relService `json:"services"`
}

// relTestbeds returns the pilot's testbeds by candidate.
func relTestbeds(t *testing.T, url, pilot string) map[string]relTestbed {
	t.Helper()
	out := mustCLI(t, url, "testbeds", pilot, "--output", "json")
	var tb struct {
		Testbeds []relTestbed `json:"testbeds"`
	}
	if err := json.Unmarshal([]byte(out), &tb); err != nil {
		t.Fatalf("decode testbeds: %v\n%s", err, out)
	}
	m := map[string]relTestbed{}
	for _, c := range tb.Testbeds {
		m[c.Candidate] = c
	}
	return m
}

// everyService reports whether every service of every testbed satisfies ok
// (and there is at least one).
func everyService(tbs map[string]relTestbed, ok func(relService) bool) bool {
	n := 0
	for _, tb := range tbs {
		for _, s := range tb.Services {
			if !ok(s) {
				return false
			}
			n++
		}
	}
	return n > 0
}

type relEvent struct {
	ID        int64     `json:"id"`
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Reason    string    `json:"reason"`
	Candidate string    `json:"candidate"`
	Service   string    `json:"service"`
}

// relTestbedEvents returns the pilot's testbed events, oldest first.
func relTestbedEvents(t *testing.T, url, pilot string) []relEvent {
	t.Helper()
	out := mustCLI(t, url, "events", pilot, "--kind", "testbed", "--output", "json")
	var evs struct {
		Events []relEvent `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatalf("decode events: %v\n%s", err, out)
	}
	return evs.Events
}

// countEvents counts the events of candidate (any when "") whose reason
// starts with prefix.
func countEvents(evs []relEvent, candidate, prefix string) int {
	n := 0
	for _, e := range evs {
		if (candidate == "" || e.Candidate == candidate) && strings.HasPrefix(e.Reason, prefix) {
			n++
		}
	}
	return n
}

type relOperations struct {
	Uptime    *float64 `json:"uptime"`
	Restarts  int      `json:"restarts"`
	Incidents []struct {
		Service string `json:"service"`
		Reason  string `json:"reason"`
	} `json:"incidents"`
}

// relReport fetches the pilot's report as JSON and returns the operations
// section of each candidate and whether the report is final (not
// preliminary).
func relReport(t *testing.T, url, pilot string) (map[string]relOperations, bool) {
	t.Helper()
	out := mustCLI(t, url, "report", pilot, "--format", "json")
	var r struct {
		Preliminary bool `json:"preliminary"`
		Candidates  []struct {
			Name       string        `json:"name"`
			Operations relOperations `json:"operations"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode report: %v\n%.2000s", err, out)
	}
	ops := map[string]relOperations{}
	for _, c := range r.Candidates {
		ops[c.Name] = c.Operations
	}
	return ops, !r.Preliminary
}

// writeRelPilot writes src to a pilot file in a temporary directory.
func writeRelPilot(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pilot.hcl")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
