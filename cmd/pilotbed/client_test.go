package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api/apitest"
)

const testPilot = `pilot "nattillsyn" {
  title = "Digital nattillsyn"
  candidate "a" {
  }
  candidate "b" {
  }
}
`

// clientResult is what one run of the program produced.
type clientResult struct {
	code           int
	stdout, stderr string
}

// runClient runs the program as a user would, with env as its whole
// environment.
func runClient(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) clientResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(stdin), &stdout, &stderr)
	code := exitCode(err, &stderr)
	return clientResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// clientEnv points the client at srv with the given token.
func clientEnv(srv *apitest.Server, token string) map[string]string {
	return map[string]string{"PILOTBED_SERVER": srv.URL, "PILOTBED_TOKEN": token}
}

func writeClientFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantExit(t *testing.T, r clientResult, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit=%d, want %d\nstdout: %s\nstderr: %s", r.code, want, r.stdout, r.stderr)
	}
}

func TestServerURL(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", false},
		{"https://pilotbed.example/base/", "https://pilotbed.example/base", false},
		{"localhost:9000", "http://localhost:9000", false},
		{"", "", true},
		{"ftp://x", "", true},
		{"http://", "", true},
		{"http://x/?a=b", "", true},
	}
	for _, tt := range tests {
		got, err := serverURL(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("serverURL(%q)=%q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestClientSetupErrors(t *testing.T) {
	srv := apitest.NewServer(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no token", map[string]string{"PILOTBED_SERVER": srv.URL}, []string{"pilots", "list"}, exitUsage, "PILOTBED_TOKEN is not set"},
		{"bad output", clientEnv(srv, srv.Admin), []string{"pilots", "list", "--output", "yaml"}, exitUsage, "--output must be one of"},
		{"bad server", clientEnv(srv, srv.Admin), []string{"pilots", "list", "--server", "ftp://x"}, exitUsage, "not an http(s) URL"},
		{"missing arg", clientEnv(srv, srv.Admin), []string{"pilots", "show"}, exitUsage, "takes 1 argument"},
		{"extra arg", clientEnv(srv, srv.Admin), []string{"testbeds", "a", "b"}, exitUsage, "takes 1 argument"},
		{"unknown flag", clientEnv(srv, srv.Admin), []string{"events", "x", "--nope"}, exitUsage, "unknown flag"},
		{"unknown subcommand", clientEnv(srv, srv.Admin), []string{"pilots", "bogus"}, exitUsage, `unknown command "bogus"`},
		{"token flag refused", clientEnv(srv, srv.Admin), []string{"pilots", "list", "--token", "x"}, exitUsage, "unknown flag"},
		{"unknown token", clientEnv(srv, "pbt_wrong"), []string{"pilots", "list"}, exitFailure, "pilotbed: unknown or revoked token"},
		{"missing file", clientEnv(srv, srv.Admin), []string{"pilots", "submit", "/nonexistent/p.hcl"}, exitFailure, "read pilot file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, t.Context(), tt.env, "", tt.args...)
			wantExit(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr=%q, want it to contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	// A port that was just free and is now closed refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	ln.Close()

	r := runClient(t, t.Context(), map[string]string{"PILOTBED_TOKEN": "pbt_x"}, "", "pilots", "list", "--server", addr)
	wantExit(t, r, exitFailure)
	for _, want := range []string{"pilotbed: cannot reach the pilotbed server at " + addr, "connection refused", "pilotbed serve", "--server"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr=%q, want it to contain %q", r.stderr, want)
		}
	}
}

func TestDefaultServer(t *testing.T) {
	var f clientFlags
	cmd := &cobra.Command{Use: "x"}
	f.register(&cli{getenv: func(string) string { return "" }}, cmd)
	if got := cmd.PersistentFlags().Lookup("server").DefValue; got != defaultServer {
		t.Errorf("default server=%q, want %q", got, defaultServer)
	}
}

func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(&cli{getenv: func(string) string { return "" }})
	var walk func(*cobra.Command)
	seen := 0
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		switch cmd.Name() {
		case "pilots", "submit", "list", "show", "approve", "start", "close", "withdraw", "testbeds", "events":
			seen++
			if strings.TrimSpace(cmd.Example) == "" {
				t.Errorf("%s has no example", cmd.CommandPath())
			}
		}
	}
	walk(root)
	if seen < 10 {
		t.Errorf("found %d client commands, want 10", seen)
	}

	srv := apitest.NewServer(t)
	for _, args := range [][]string{{"pilots", "--help"}, {"pilots", "submit", "--help"}, {"events", "--help"}, {"testbeds", "--help"}} {
		r := runClient(t, t.Context(), clientEnv(srv, ""), "", args...)
		wantExit(t, r, exitOK)
		if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--server") {
			t.Errorf("%v: help lacks examples or --server:\n%s", args, r.stdout)
		}
	}
}

func TestAnswerError(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{404, `{"error":{"code":"not_found","message":"pilot \"x\" does not exist"}}`, `pilot "x" does not exist`},
		{502, "<html>Bad gateway</html>\nmore", "the server answered 502 Bad Gateway: <html>Bad gateway</html>"},
		{500, "", "the server answered 500 Internal Server Error"},
		{422, `{"error":{"code":"invalid","message":"m"}}`, "m"},
		{503, "\x1b[31mred", "the server answered 503 Service Unavailable:  [31mred"},
	}
	for _, tt := range tests {
		if got := answerError(tt.status, []byte(tt.body)).Error(); got != tt.want {
			t.Errorf("answerError(%d, %q)=%q, want %q", tt.status, tt.body, got, tt.want)
		}
	}
	err := answerError(422, []byte(`{"diagnostics":[{"severity":"error","summary":"s"}]}`))
	if _, ok := err.(*diagnosticsError); !ok {
		t.Errorf("422 with diagnostics gave %T, want *diagnosticsError", err)
	}
}

func TestTableCell(t *testing.T) {
	for in, want := range map[string]string{"": "-", "  ": "-", "a\tb\nc": "a b c", "\x1b]0;x\x07": "]0;x", "Vård": "Vård"} {
		if got := tableCell(in); got != want {
			t.Errorf("tableCell(%q)=%q, want %q", in, got, want)
		}
	}
	for n, want := range map[int64]string{0: "-", 256 << 20: "256MiB", 2 << 30: "2GiB", 1536: "1536", 3 << 10: "3KiB"} {
		if got := memoryCell(n); got != want {
			t.Errorf("memoryCell(%d)=%q, want %q", n, got, want)
		}
	}
}

// clientDeadline ends --follow after d.
func clientDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func decodeClientJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, s, err)
	}
	return v
}
