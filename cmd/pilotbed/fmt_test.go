package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const messyPilot = `pilot "p" {
title = "T"
  start =    "2027-01-11"
  end = "2027-03-31"
    candidate "a" {
 service "web" {
 image = "i"
 port = 8080
 }
}
}
`

const tidyPilot = `pilot "p" {
  title = "T"
  start = "2027-01-11"
  end   = "2027-03-31"
  candidate "a" {
    service "web" {
      image = "i"
      port  = 8080
    }
  }
}
`

func writePilotTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFmtRewrites(t *testing.T) {
	p := writePilotTemp(t, "pilot.hcl", messyPilot)
	code, stdout, stderr := runPilotfileCmd(t, nil, "fmt", p)
	if code != 0 || strings.TrimSpace(stdout) != p {
		t.Fatalf("exit=%d stdout=%q stderr=%q, want exit 0 naming %s", code, stdout, stderr, p)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != tidyPilot {
		t.Errorf("formatted file:\n%s\nwant:\n%s", got, tidyPilot)
	}
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("mode=%v, %v; want 0640 kept", info.Mode().Perm(), err)
	}
	// A second run changes nothing and names nothing.
	code, stdout, _ = runPilotfileCmd(t, nil, "fmt", p)
	if code != 0 || stdout != "" {
		t.Errorf("second run: exit=%d stdout=%q, want 0 and nothing", code, stdout)
	}
}

func TestFmtCheck(t *testing.T) {
	p := writePilotTemp(t, "pilot.hcl", messyPilot)
	code, stdout, _ := runPilotfileCmd(t, nil, "fmt", "--check", p)
	if code != 1 || strings.TrimSpace(stdout) != p {
		t.Errorf("exit=%d stdout=%q, want 1 naming %s", code, stdout, p)
	}
	if got, _ := os.ReadFile(p); string(got) != messyPilot {
		t.Error("--check wrote the file")
	}
	code, stdout, stderr := runPilotfileCmd(t, nil, "fmt", "--check", "../../examples")
	if code != 0 || stdout != "" {
		t.Errorf("examples: exit=%d stdout=%q stderr=%q, want 0: examples are canonical", code, stdout, stderr)
	}
}

func TestFmtDiff(t *testing.T) {
	p := writePilotTemp(t, "pilot.hcl", messyPilot)
	code, stdout, _ := runPilotfileCmd(t, nil, "fmt", "--diff", p)
	if code != 0 {
		t.Errorf("exit=%d, want 0", code)
	}
	for _, want := range []string{"--- " + p, "+++ " + p, "@@ -1,11 +1,11 @@", "-title = \"T\"", "+  title = \"T\"", " pilot \"p\" {"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if got, _ := os.ReadFile(p); string(got) != messyPilot {
		t.Error("--diff wrote the file")
	}
	code, _, _ = runPilotfileCmd(t, nil, "fmt", "--check", "--diff", p)
	if code != 1 {
		t.Errorf("--check --diff: exit=%d, want 1", code)
	}
}

func TestUnifiedDiffHunks(t *testing.T) {
	var a, b []string
	for i := range 30 {
		a = append(a, strings.Repeat("x", i%3+1))
	}
	b = append(b, a...)
	b[2] = "changed near the top"
	b[25] = "changed near the end"
	var out bytes.Buffer
	writeUnifiedDiff(&out, "f", strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n")
	got := out.String()
	want := "--- f\n+++ f\n@@ -1,6 +1,6 @@\n x\n xx\n-xxx\n+changed near the top\n x\n xx\n xxx\n@@ -23,7 +23,7 @@\n xx\n xxx\n x\n-xx\n+changed near the end\n xxx\n x\n xx\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

func TestFmtErrors(t *testing.T) {
	bad := writePilotTemp(t, "bad.hcl", "pilot \"p\" {\n")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"does not parse", []string{"fmt", bad}, 1, "Unclosed configuration block"},
		{"missing", []string{"fmt", "no-such.hcl"}, 1, "no-such.hcl"},
		{"no args", []string{"fmt"}, 2, "fmt needs at least 1 argument"},
		{"bad flag", []string{"fmt", "--nope", bad}, 2, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runPilotfileCmd(t, nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit=%d stderr=%q, want %d and %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
	code, stdout, _ := runPilotfileCmd(t, nil, "fmt", "--help")
	if code != 0 || !strings.Contains(stdout, "Examples:") {
		t.Errorf("--help: exit=%d stdout=%q, want an Example", code, stdout)
	}
}
