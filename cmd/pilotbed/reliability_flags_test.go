package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRestartFlags checks that supervision settings the runtime cannot
// work with are refused as usage errors before the server creates anything.
func TestServeRestartFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--restart-budget", "0"}, "--restart-budget must be at least 1"},
		{[]string{"--restart-budget", "-3"}, "--restart-budget must be at least 1"},
		{[]string{"--restart-backoff", "0s"}, "--restart-backoff must be a positive duration"},
		{[]string{"--restart-backoff-max", "-1s"}, "--restart-backoff-max must be a positive duration"},
		{[]string{"--restart-window", "0s"}, "--restart-window must be a positive duration"},
		{[]string{"--trusted-proxy", "proxy.example"}, "--trusted-proxy \"proxy.example\" is neither"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, "="), func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			var out, errb bytes.Buffer
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, tt.args...)
			err := run(t.Context(), args, mapenv(nil), strings.NewReader(""), &out, &errb)
			if got, want := exitCode(err, &errb), exitUsage; got != want {
				t.Fatalf("exit=%d, want %d; stderr: %s", got, want, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr=%q, want it to contain %q", errb.String(), tt.want)
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("data directory created before the flags were checked (stat: %v)", err)
			}
		})
	}
}
