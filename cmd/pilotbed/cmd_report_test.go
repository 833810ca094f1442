package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/pilots"
)

// closeStack runs the stack's pilot to closed.
func (s *stack) closePilot(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.orch.Start(ctx, "admin", s.pilot.ID, ""); err != nil {
		t.Fatal(err)
	}
	s.orch.Wait()
	if _, err := s.orch.Close(ctx, "admin", s.pilot.ID, ""); err != nil {
		t.Fatal(err)
	}
	s.orch.Wait()
	p, err := s.orch.Pilot(ctx, s.pilot.ID)
	if err != nil || p.Status != pilots.StatusClosed {
		t.Fatalf("pilot=%v, %v; want closed", p.Status, err)
	}
}

func TestReportCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()

	// A draft's report is preliminary.
	r := runClient(t, ctx, s.env(s.viewer), "", "report", "enkat", "--format", "md")
	wantExit(t, r, exitOK)
	if !strings.Contains(r.stdout, "Preliminär") {
		t.Errorf("preliminary report does not say so:\n%s", r.stdout)
	}

	s.closePilot(t)
	r = runClient(t, ctx, s.env(s.viewer), "", "report", "enkat")
	wantExit(t, r, exitOK)
	if !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || strings.Contains(r.stdout, "Preliminär") {
		t.Errorf("final HTML report:\n%.300s", r.stdout)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "enkat.json")
	r = runClient(t, ctx, s.env(s.viewer), "", "report", "enkat", "--format", "json", "-o", file)
	wantExit(t, r, exitOK)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Preliminary bool `json:"preliminary"`
		Candidates  []struct {
			Verdict string `json:"verdict"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report file: %v", err)
	}
	if rep.Preliminary || len(rep.Candidates) != 1 {
		t.Errorf("report=%+v, want final with one candidate", rep)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the report", len(entries))
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad format", []string{"report", "enkat", "--format", "pdf"}, exitUsage, "--format must be html, md, json"},
		{"no pilot", []string{"report"}, exitUsage, "takes 1 argument"},
		{"unknown pilot", []string{"report", "nope"}, exitFailure, `no pilot "nope"`},
		{"dossier before promotion", []string{"dossier", "enkat"}, exitFailure, "no procurement dossier"},
		{"dossier in md", []string{"dossier", "enkat", "--format", "md"}, exitUsage, "--format must be html, json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, ctx, s.env(s.viewer), "", tt.args...)
			wantExit(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr=%q, want %q", r.stderr, tt.stderr)
			}
		})
	}
}

func TestPromoteCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	s.closePilot(t)

	tests := []struct {
		name   string
		token  string
		args   []string
		code   int
		stderr string
	}{
		{"no candidate", s.admin, []string{"pilots", "promote", "enkat", "--justification", "x"}, exitUsage, "--candidate is required"},
		{"no justification", s.admin, []string{"pilots", "promote", "enkat", "--candidate", "a"}, exitUsage, "--justification is required"},
		{"viewer", s.viewer, []string{"pilots", "promote", "enkat", "--candidate", "a", "--justification", "x"}, exitFailure, "admin token"},
		{"unknown candidate", s.admin, []string{"pilots", "promote", "enkat", "--candidate", "z", "--justification", "x"}, exitFailure, `no candidate "z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, ctx, s.env(tt.token), "", tt.args...)
			wantExit(t, r, tt.code)
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr=%q, want %q", r.stderr, tt.stderr)
			}
		})
	}

	r := runClient(t, ctx, s.env(s.admin), "", "pilots", "promote", "enkat", "--candidate", "a", "--justification", "Bäst i piloten")
	wantExit(t, r, exitOK)
	if got, want := r.stdout, "pilot enkat ("+s.pilot.ID+") is promoted with candidate a\n"; got != want {
		t.Errorf("stdout=%q, want %q", got, want)
	}
	r = runClient(t, ctx, s.env(s.viewer), "", "dossier", "enkat", "--format", "json")
	wantExit(t, r, exitOK)
	var d struct {
		Decision struct {
			Candidate     string `json:"candidate"`
			Justification string `json:"justification"`
			Actor         string `json:"actor"`
		} `json:"decision"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("dossier: %v\n%s", err, r.stdout)
	}
	if d.Decision.Candidate != "a" || d.Decision.Justification != "Bäst i piloten" || d.Decision.Actor != "admin" {
		t.Errorf("decision=%+v", d.Decision)
	}
	file := filepath.Join(t.TempDir(), "dossier.html")
	wantExit(t, runClient(t, ctx, s.env(s.viewer), "", "dossier", "enkat", "-o", file), exitOK)
	if data, err := os.ReadFile(file); err != nil || !strings.Contains(string(data), "Underlag för upphandling") {
		t.Errorf("dossier file: %v\n%.300s", err, data)
	}
}

func TestRejectCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()

	r := runClient(t, ctx, s.env(s.admin), "", "pilots", "reject", "enkat")
	wantExit(t, r, exitUsage)
	r = runClient(t, ctx, s.env(s.admin), "", "pilots", "reject", "enkat", "--reason", "too early")
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "only a closed pilot can be stopped") {
		t.Errorf("stderr=%q", r.stderr)
	}

	s.closePilot(t)
	r = runClient(t, ctx, s.env(s.admin), "", "pilots", "reject", "enkat", "--reason", "Ingen nytta", "--output", "json")
	wantExit(t, r, exitOK)
	var p struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || p.Status != "stopped" {
		t.Errorf("answer=%q (%v), want status stopped", r.stdout, err)
	}
}

func TestReportHelp(t *testing.T) {
	for _, args := range [][]string{
		{"report", "--help"}, {"dossier", "--help"}, {"pilots", "promote", "--help"}, {"pilots", "reject", "--help"},
	} {
		r := runClient(t, t.Context(), nil, "", args...)
		wantExit(t, r, exitOK)
		if !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("%v: no examples in\n%s", args, r.stdout)
		}
	}
}
