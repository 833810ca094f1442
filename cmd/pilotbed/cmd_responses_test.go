package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/pilots"
)

// answer submits a response as a participant page would.
func (s *stack) answer(t *testing.T, r pilots.Response, anonymous bool) {
	t.Helper()
	r.PilotID = s.pilot.ID
	if _, _, err := s.store.SubmitResponse(t.Context(), r, anonymous); err != nil {
		t.Fatal(err)
	}
}

func TestResponsesCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	if _, err := s.orch.Invite(ctx, "admin", "enkat", "vaster", 2); err != nil {
		t.Fatal(err)
	}
	num := func(f float64) *float64 { return &f }
	four := 4
	s.answer(t, pilots.Response{Survey: "baseline", Participant: "P-0001", Answers: pilots.Answers{
		"minutes": {Number: num(-3)}, "comment": {Text: `=cmd|' /C calc'!A0`}}}, false)
	s.answer(t, pilots.Response{Survey: "final", Participant: "P-0001", Answers: pilots.Answers{"mood": {Int: &four}}}, true)
	s.answer(t, pilots.Response{Survey: "baseline", Participant: "P-0002", Answers: pilots.Answers{
		"minutes": {Number: num(12.5)}, "comment": {Text: "@SUM(A1)"}}}, false)

	r := runClient(t, ctx, s.env(s.viewer), "", "responses", "enkat")
	wantExit(t, r, exitOK)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, r.stdout)
	}
	if got, want := strings.Join(recs[0], ","), "response_id,submitted_at,survey,cohort,participant,baseline.minutes,baseline.comment,final.mood"; got != want {
		t.Errorf("header=%s, want %s", got, want)
	}
	if len(recs) != 4 {
		t.Fatalf("got %d rows, want header and 3:\n%s", len(recs), r.stdout)
	}
	if got := recs[1]; got[0] != "1" || got[4] != "P-0001" || got[5] != "-3" || got[6] != `'=cmd|' /C calc'!A0` {
		t.Errorf("row 1=%q", got)
	}
	if got := recs[2]; got[4] != "P-0002" || got[5] != "12.5" || got[6] != "'@SUM(A1)" {
		t.Errorf("row 2=%q", got)
	}
	if got := recs[3]; got[0] != "" || got[2] != "final" || got[4] != "" || got[7] != "4" {
		t.Errorf("anonymous row=%q, want no id or participant", got)
	}

	// To a file: the same bytes, readable by the owner only, no leftovers.
	dir := t.TempDir()
	file := filepath.Join(dir, "enkat.csv")
	r = runClient(t, ctx, s.env(s.viewer), "", "responses", "enkat", "-o", file)
	wantExit(t, r, exitOK)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != recs2string(t, recs) {
		t.Errorf("file differs from stdout:\n%s", data)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode=%v, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the export", len(entries))
	}

	r = runClient(t, ctx, s.env(s.viewer), "", "responses", "enkat", "--format", "ndjson")
	wantExit(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("ndjson:\n%s", r.stdout)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["participant"] != "P-0001" {
		t.Errorf("first record=%v, %v", rec, err)
	}

	r = runClient(t, ctx, s.env(s.viewer), "", "responses", "enkat", "--format", "json")
	wantExit(t, r, exitOK)
	var arr []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &arr); err != nil || len(arr) != 3 {
		t.Errorf("json array: %v\n%s", err, r.stdout)
	}

	tests := []struct {
		name string
		args []string
		exit int
		msg  string
	}{
		{"bad format", []string{"responses", "enkat", "--format", "xlsx"}, exitUsage, "--format must be csv, json or ndjson"},
		{"output means a file", []string{"responses", "enkat", "--output", "json"}, exitUsage, "unknown flag: --output"},
		{"unknown pilot", []string{"responses", "nope", "-o", filepath.Join(dir, "nope.csv")}, exitFailure, `"nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, ctx, s.env(s.viewer), "", tt.args...)
			wantExit(t, r, tt.exit)
			if !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr=%q, want %q", r.stderr, tt.msg)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed export left a file: %v", err)
	}
}

func recs2string(t *testing.T, recs [][]string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestResponsesBrokenTransfer checks that an export the server breaks off
// fails and leaves neither the file nor a temporary one behind.
func TestResponsesBrokenTransfer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte("response_id,submitted_at\n1,2027-01-12T10:00:00Z\n"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(file, []byte("the previous export\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PILOTBED_SERVER": srv.URL, "PILOTBED_TOKEN": "pbt_x"}
	r := runClient(t, t.Context(), env, "", "responses", "x", "-o", file)
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "broke off") {
		t.Errorf("stderr=%q", r.stderr)
	}
	// The earlier file is untouched and nothing else is left.
	if data, _ := os.ReadFile(file); string(data) != "the previous export\n" {
		t.Errorf("file=%q, want the previous export", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
}

// TestResponsesMany exports a thousand responses from SQLite through
// the server and the client into a file, and counts them.
func TestResponsesMany(t *testing.T) {
	if testing.Short() {
		t.Skip("submits 1000 durable responses")
	}
	const n = pilots.MaxInvitations
	s := newStack(t)
	ctx := t.Context()
	for range n / pilots.MaxInvitations {
		if _, err := s.orch.Invite(ctx, "admin", "enkat", "vaster", pilots.MaxInvitations); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		f := float64(i % 240)
		s.answer(t, pilots.Response{Survey: "baseline", Participant: pilots.ParticipantID(i + 1),
			Answers: pilots.Answers{"minutes": {Number: &f}, "comment": {Text: "-ok, \"bra\"\nmen långsam"}}}, false)
	}
	file := filepath.Join(t.TempDir(), "many.csv")
	wantExit(t, runClient(t, ctx, s.env(s.viewer), "", "responses", "enkat", "-o", file), exitOK)
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 {
		t.Fatalf("got %d rows, want header and %d", len(recs), n)
	}
	if got := recs[n]; got[0] != "1000" || got[4] != "P-1000" || got[6] != "'-ok, \"bra\"\nmen långsam" {
		t.Errorf("last row=%q", got)
	}
}
