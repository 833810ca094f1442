package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/testbeds"
)

func TestPlan(t *testing.T) {
	noenv := func(string) string { return "" }
	t.Run("text", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(t.Context(), []string{"plan", "../../examples/nattillsyn.hcl"}, noenv, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != 0 {
			t.Fatalf("exit=%d, want 0; stderr: %s", got, errb.String())
		}
		for _, want := range []string{
			"testbed digital-nattillsyn/leverantor-a",
			"internal: no route out of the testbed",
			"capabilities  drop ALL",
			"no-new-privileges",
			"memory 256MiB (no swap)",
			"HTTP GET /healthz on port 8080",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("plan output lacks %q:\n%s", want, out.String())
			}
		}
	})
	t.Run("json", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(t.Context(), []string{"plan", "--output", "json", "../../examples/"}, noenv, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != 0 {
			t.Fatalf("exit=%d, want 0; stderr: %s", got, errb.String())
		}
		var plans []testbeds.Plan
		if err := json.Unmarshal(out.Bytes(), &plans); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(plans) < 4 {
			t.Fatalf("len(plans)=%d, want at least 4 (one per candidate of the examples)", len(plans))
		}
		for _, p := range plans {
			for _, s := range p.Services {
				if got, want := strings.Join(s.Hardening.CapDrop, ","), "ALL"; got != want {
					t.Errorf("%s/%s CapDrop=%q, want %q", p.ID, s.Name, got, want)
				}
				if !s.Hardening.NoNewPrivileges || s.Limits.MemoryBytes == 0 || s.Limits.PIDs == 0 || s.Limits.NanoCPUs == 0 || s.Hash == "" {
					t.Errorf("%s/%s is not fully limited and hardened: %+v", p.ID, s.Name, s)
				}
			}
		}
	})
	t.Run("invalid", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bad.hcl")
		if err := os.WriteFile(path, []byte("pilot \"x\" {\n  bogus = 1\n}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		err := run(t.Context(), []string{"plan", path}, noenv, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != 1 {
			t.Fatalf("exit=%d, want 1", got)
		}
		if !strings.Contains(errb.String(), "bad.hcl:2,") {
			t.Errorf("stderr lacks the position bad.hcl:2,...:\n%s", errb.String())
		}
	})
	t.Run("usage", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(t.Context(), []string{"plan"}, noenv, strings.NewReader(""), &out, &errb)
		if got := exitCode(err, &errb); got != 2 {
			t.Fatalf("exit=%d, want 2", got)
		}
	})
}
