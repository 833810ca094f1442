package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runPilotfileCmd runs the program as main would and returns its exit code and
// output.
func runPilotfileCmd(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(t.Context(), args, getenv, strings.NewReader(""), &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidate(t *testing.T) {
	invalid := filepath.Join("..", "..", "pilots", "pilotfile", "testdata", "invalid")
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"examples", []string{"validate", "../../examples"}, nil, 0, "valid: 3 pilots in 3 files", ""},
		{"one example", []string{"validate", "../../examples/nattillsyn.hcl"}, nil, 0, "valid: 1 pilot in 1 file (digital-nattillsyn)", ""},
		{"with --var", []string{"validate", "--var", "demo_image=other:1", "../../examples/nattillsyn.hcl"}, nil, 0, "valid: 1 pilot", ""},
		{"with env", []string{"validate", "../../examples/e-tjanst-bokning.hcl"}, map[string]string{"PILOTBED_VAR_api_replica_memory": "lots"}, 1, "", "Invalid memory size"},
		{"invalid", []string{"validate", filepath.Join(invalid, "cohort_unknown_candidate.hcl")}, nil, 1, "", "cohort_unknown_candidate.hcl:20,20"},
		{"several errors", []string{"validate", filepath.Join(invalid, "several_errors.hcl")}, nil, 1, "", "14 errors, 0 warnings: not valid"},
		{"missing file", []string{"validate", "no-such-file.hcl"}, nil, 1, "", "There is no file or directory no-such-file.hcl"},
		{"undeclared --var", []string{"validate", "--var", "nope=1", "../../examples"}, nil, 1, "", `Undeclared variable "nope"`},
		{"no args", []string{"validate"}, nil, 2, "", "validate needs at least 1 argument"},
		{"bad flag", []string{"validate", "--frobnicate", "../../examples"}, nil, 2, "", "unknown flag: --frobnicate"},
		{"bad output", []string{"validate", "--output", "yaml", "../../examples"}, nil, 2, "", "--output must be one of"},
		{"bad --var", []string{"validate", "--var", "novalue", "../../examples"}, nil, 2, "", "--var takes name=value"},
		{"help", []string{"validate", "--help"}, nil, 0, "Examples:\n  pilotbed validate examples/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runPilotfileCmd(t, tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit=%d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout=%q, want it to contain %q", stdout, tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr=%q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestValidateSummaryIsOneLine(t *testing.T) {
	code, stdout, stderr := runPilotfileCmd(t, nil, "validate", "../../examples")
	if code != 0 || strings.Count(stdout, "\n") != 1 || stderr != "" {
		t.Errorf("exit=%d stdout=%q stderr=%q, want exit 0 and one line", code, stdout, stderr)
	}
}

func TestValidateJSON(t *testing.T) {
	type report struct {
		Valid  bool `json:"valid"`
		Pilots []struct {
			Name       string `json:"name"`
			Title      string `json:"title"`
			Candidates int    `json:"candidates"`
		} `json:"pilots"`
		Diagnostics []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
			Detail   string `json:"detail"`
			Range    *struct {
				Filename string `json:"filename"`
				Start    struct{ Line, Column int }
				End      struct{ Line, Column int }
			} `json:"range"`
		} `json:"diagnostics"`
	}

	code, stdout, _ := runPilotfileCmd(t, nil, "validate", "--output", "json", "../../examples/nattillsyn.hcl")
	var ok report
	if err := json.Unmarshal([]byte(stdout), &ok); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if code != 0 || !ok.Valid || len(ok.Pilots) != 1 || ok.Pilots[0].Name != "digital-nattillsyn" || ok.Pilots[0].Candidates != 2 || ok.Diagnostics == nil {
		t.Errorf("exit=%d report=%+v, want valid with digital-nattillsyn of 2 candidates and empty diagnostics", code, ok)
	}

	bad := filepath.Join("..", "..", "pilots", "pilotfile", "testdata", "invalid", "unknown_attribute.hcl")
	code, stdout, _ = runPilotfileCmd(t, nil, "validate", "-o", "json", bad)
	var rep report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if code != 1 || rep.Valid || len(rep.Diagnostics) != 1 {
		t.Fatalf("exit=%d report=%+v, want invalid with one diagnostic", code, rep)
	}
	d := rep.Diagnostics[0]
	if d.Severity != "error" || d.Summary != "Unsupported argument" || d.Range == nil || d.Range.Filename != bad || d.Range.Start.Line != 3 || d.Range.Start.Column != 3 {
		t.Errorf("diagnostic=%+v, want an Unsupported argument error at %s:3,3", d, bad)
	}
}

func TestValidateVarFile(t *testing.T) {
	dir := t.TempDir()
	vars := filepath.Join(dir, "vars.hcl")
	if err := os.WriteFile(vars, []byte(`demo_image = "from-file:1"`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runPilotfileCmd(t, nil, "validate", "--var-file", vars, "../../examples")
	if code != 0 || !strings.Contains(stdout, "valid: 3 pilots in 3 files") {
		t.Errorf("exit=%d stdout=%q stderr=%q, want valid", code, stdout, stderr)
	}
	code, _, stderr = runPilotfileCmd(t, nil, "validate", "--var-file", filepath.Join(dir, "missing.hcl"), "../../examples")
	if code != 1 || !strings.Contains(stderr, "Cannot read variable file") {
		t.Errorf("exit=%d stderr=%q, want exit 1 naming the missing variable file", code, stderr)
	}
}

func TestExitErrorUnwraps(t *testing.T) {
	err := run(t.Context(), []string{"validate"}, func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("err=%v, want a usage exitError", err)
	}
}
