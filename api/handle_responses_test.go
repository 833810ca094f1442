package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

// exportSpec has a survey of every answer type, one anonymous survey, and
// surveys whose declared order differs from their names' order.
var exportSpec = pilots.Spec{
	Name: "nattillsyn",
	Cohorts: []pilots.Cohort{
		{Name: "vaster", Candidate: "a"}, {Name: "oster", Candidate: "b"},
	},
	Surveys: []pilots.Survey{
		{Name: "final", Questions: []pilots.Question{
			{Name: "recommend", Type: pilots.NPS},
			{Name: "minutes", Type: pilots.Number},
			{Name: "tool", Type: pilots.Choice},
			{Name: "used", Type: pilots.Choices},
			{Name: "comment", Type: pilots.Free, Optional: true},
		}},
		{Name: "baseline", Questions: []pilots.Question{{Name: "minutes", Type: pilots.Number}}},
		{Name: "anon", Anonymous: true, Questions: []pilots.Question{{Name: "mood", Type: pilots.Likert}}},
	},
}

// exportStub is a FeedbackService whose export generates n responses on
// the fly (row i from gen), so exports of any size cost no memory of their
// own. failAfter > 0 makes the export fail after that many rows.
type exportStub struct {
	api.FeedbackService // nil: only exports are served
	n                   int
	gen                 func(i int) pilots.Response
	failAfter           int
}

func (s *exportStub) ExportResponses(ctx context.Context, idOrName string, start func(pilots.Pilot) error, fn func(pilots.Response) error) error {
	if idOrName != "nattillsyn" {
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q does not exist", idOrName)
	}
	if err := start(pilots.Pilot{ID: "p-1", Name: "nattillsyn", Spec: exportSpec}); err != nil {
		return err
	}
	for i := range s.n {
		if s.failAfter > 0 && i == s.failAfter {
			return errors.New("disk on fire")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(s.gen(i)); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

var submitted = time.Date(2027, 3, 20, 14, 5, 0, 0, time.UTC)

// hostile are answers crafted to run as formulas in a spreadsheet.
var hostile = []string{`=cmd|' /C calc'!A0`, `+1`, `-2+3`, `@SUM(A1)`, `<script>alert(1)</script>`, "\t=1", "\r=1"}

// sampleRows are the responses of the CSV and JSON tests.
func sampleRows() []pilots.Response {
	return []pilots.Response{
		{ID: 1, Survey: "final", Cohort: "vaster", Participant: "P-0001", SubmittedAt: submitted, Answers: pilots.Answers{
			"recommend": {Int: ptr(9)}, "minutes": {Number: ptr(-2.5)}, "tool": {Choice: "=HYPERLINK(\"x\")"},
			"used": {Choices: []string{"-a", "b"}}, "comment": {Text: hostile[0]},
		}},
		{ID: 2, Survey: "baseline", Cohort: "oster", Participant: "P-0002", SubmittedAt: submitted.Add(time.Hour), Answers: pilots.Answers{
			"minutes": {Number: ptr(12.0)},
		}},
		{ID: 3, Survey: "final", Cohort: "oster", Participant: "P-0002", SubmittedAt: submitted.Add(2 * time.Hour), Answers: pilots.Answers{
			"recommend": {Int: ptr(0)}, "comment": {Text: "Bra, men \"långsam\",\nibland"},
			"undeclared": {Text: "kept in JSON only"},
		}},
		{ID: 0, Survey: "anon", Cohort: "vaster", SubmittedAt: submitted.Truncate(24 * time.Hour), Answers: pilots.Answers{
			"mood": {Int: ptr(4)},
		}},
	}
}

func newExportServer(stub *exportStub, log *zap.Logger) http.Handler {
	svc := apitest.NewService()
	svc.AddToken("admin", pilots.RoleAdmin) // secret pbt_admin1
	if log == nil {
		log = zap.NewNop()
	}
	return api.NewServer(api.Config{Service: svc, Tokens: svc, Feedback: stub, Logger: log})
}

const exportToken = "pbt_admin1"

func sliceStub(rows []pilots.Response) *exportStub {
	return &exportStub{n: len(rows), gen: func(i int) pilots.Response { return rows[i] }}
}

func TestExportCSV(t *testing.T) {
	h := newExportServer(sliceStub(sampleRows()), nil)
	r := fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=csv", exportToken, ""))
	wantStatus(t, r, http.StatusOK)
	for k, want := range map[string]string{
		"Content-Type":           "text/csv; charset=utf-8",
		"Content-Disposition":    `attachment; filename=nattillsyn-responses.csv`,
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	got, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, r.body)
	}
	want := [][]string{
		{"response_id", "submitted_at", "survey", "cohort", "participant",
			"final.recommend", "final.minutes", "final.tool", "final.used", "final.comment", "baseline.minutes", "anon.mood"},
		{"1", "2027-03-20T14:05:00Z", "final", "vaster", "P-0001", "9", "-2.5", `'=HYPERLINK("x")`, "'-a; b", `'=cmd|' /C calc'!A0`, "", ""},
		{"2", "2027-03-20T15:05:00Z", "baseline", "oster", "P-0002", "", "", "", "", "", "12", ""},
		{"3", "2027-03-20T16:05:00Z", "final", "oster", "P-0002", "0", "", "", "", "Bra, men \"långsam\",\nibland", "", ""},
		{"", "2027-03-20T00:00:00Z", "anon", "vaster", "", "", "", "", "", "", "", "4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV mismatch (-want +got):\n%s", diff)
	}
	// Default format is CSV too.
	if r2 := fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses", exportToken, "")); r2.body != r.body {
		t.Error("the default format is not CSV")
	}
}

// TestExportCSVInjection writes every hostile text as a free-text answer
// and checks that no cell a spreadsheet reads starts a formula.
func TestExportCSVInjection(t *testing.T) {
	var rows []pilots.Response
	for i, s := range hostile {
		rows = append(rows, pilots.Response{ID: int64(i + 1), Survey: "final", Cohort: "=vaster", Participant: "P-0001", SubmittedAt: submitted,
			Answers: pilots.Answers{"comment": {Text: s}, "tool": {Choice: s}, "used": {Choices: []string{s}}, "minutes": {Number: ptr(-3.0)}}})
	}
	h := newExportServer(sliceStub(rows), nil)
	r := fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses", exportToken, ""))
	wantStatus(t, r, http.StatusOK)
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs[1:] {
		s := hostile[i]
		for _, col := range []int{3, 7, 8, 9} { // cohort, tool, used, comment
			cell := rec[col]
			if strings.ContainsAny(cell[:1], "=+-@\t\r") {
				t.Errorf("row %d column %s=%q starts a formula", i+1, recs[0][col], cell)
			}
			if col != 3 && cell != "'"+s && cell != s {
				t.Errorf("row %d column %s=%q, want %q with at most a leading apostrophe", i+1, recs[0][col], cell, s)
			}
		}
		// Numbers stay numbers: a minus of pilotbed's own is no formula.
		if got := rec[6]; got != "-3" {
			t.Errorf("row %d minutes=%q, want -3", i+1, got)
		}
	}
	// Text that starts harmlessly is left alone.
	if got := recs[5][9]; got != "<script>alert(1)</script>" {
		t.Errorf("<script> cell=%q", got)
	}
}

func TestExportJSON(t *testing.T) {
	h := newExportServer(sliceStub(sampleRows()), nil)

	r := fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=json", exportToken, ""))
	wantStatus(t, r, http.StatusOK)
	if got, want := r.header.Get("Content-Disposition"), "attachment; filename=nattillsyn-responses.json"; got != want {
		t.Errorf("Content-Disposition=%q, want %q", got, want)
	}
	if strings.Contains(r.body, "<script") {
		t.Error("JSON holds an unescaped <")
	}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(r.body), &arr); err != nil {
		t.Fatalf("decode JSON array: %v\n%s", err, r.body)
	}
	if len(arr) != 4 {
		t.Fatalf("got %d records, want 4", len(arr))
	}
	first := `{"id":1,"submitted_at":"2027-03-20T14:05:00Z","survey":"final","cohort":"vaster","participant":"P-0001","answers":{"comment":"=cmd|' /C calc'!A0","minutes":-2.5,"recommend":9,"tool":"=HYPERLINK(\"x\")","used":["-a","b"]}}`
	if line := strings.Split(r.body, "\n")[1]; strings.TrimSuffix(line, ",") != first {
		t.Errorf("first record:\n%s\nwant:\n%s", line, first)
	}
	if arr[3]["id"] != nil || arr[3]["participant"] != nil {
		t.Errorf("anonymous record=%v, want null id and participant", arr[3])
	}
	if arr[2]["answers"].(map[string]any)["undeclared"] != "kept in JSON only" {
		t.Errorf("record 3=%v", arr[2])
	}

	r = fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=ndjson", exportToken, ""))
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get("Content-Type"); got != "application/x-ndjson; charset=utf-8" {
		t.Errorf("Content-Type=%q", got)
	}
	lines := strings.Split(strings.TrimSuffix(r.body, "\n"), "\n")
	if len(lines) != 4 || lines[0] != first {
		t.Fatalf("NDJSON:\n%s", r.body)
	}
	for _, l := range lines {
		var rec api.ResponseRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}

	// No responses: an empty array, still valid JSON.
	h = newExportServer(sliceStub(nil), nil)
	r = fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=json", exportToken, ""))
	if strings.TrimSpace(r.body) != "[]" {
		t.Errorf("empty export=%q, want []", r.body)
	}
}

func TestExportErrors(t *testing.T) {
	h := newExportServer(sliceStub(sampleRows()), nil)
	wantError(t, fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=xlsx", exportToken, "")), http.StatusBadRequest, pilots.EINVALID)
	r := fbServe(h, fbRequest(t, "GET", "/api/v1/pilots/nope/responses", exportToken, ""))
	wantError(t, r, http.StatusNotFound, pilots.ENOTFOUND)
	if r.header.Get("Content-Disposition") != "" {
		t.Error("an error answer is offered as an attachment")
	}

	// A failure while the first rows are still buffered is a proper 500.
	stub := sliceStub(sampleRows())
	stub.failAfter = 2
	r = fbServe(newExportServer(stub, nil), fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses", exportToken, ""))
	wantError(t, r, http.StatusInternalServerError, pilots.EINTERNAL)
	if r.header.Get("Content-Disposition") != "" {
		t.Error("an error answer is offered as an attachment")
	}
}

// TestExportFailsMidStream checks that a failure after rows have been sent
// breaks the transfer, so a client never takes a short file for a whole
// one, and that it is logged.
func TestExportFailsMidStream(t *testing.T) {
	stub := &exportStub{n: 50000, failAfter: 20000, gen: manyRows}
	core, logs := observer.New(zap.InfoLevel)
	srv := httptest.NewServer(newExportServer(stub, zap.New(core)))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/pilots/nattillsyn/responses", nil)
	req.Header.Set("Authorization", "Bearer "+exportToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Status=%d, want 200 (the failure comes later)", resp.StatusCode)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil {
		t.Fatalf("read %d bytes of a failed export without an error", n)
	}
	if logs.FilterMessage("response export failed after it started").Len() != 1 {
		t.Errorf("logs=%v", logs.All())
	}
}

// manyRows is row i of a large export: a named response to "final".
func manyRows(i int) pilots.Response {
	return pilots.Response{
		ID: int64(i + 1), Survey: "final", Cohort: "vaster", Participant: pilots.ParticipantID(i%5000 + 1),
		SubmittedAt: submitted.Add(time.Duration(i) * time.Second),
		Answers: pilots.Answers{
			"recommend": {Int: ptr(i % 11)}, "minutes": {Number: ptr(float64(i%240) / 2)},
			"tool": {Choice: "a"}, "used": {Choices: []string{"a", "b"}}, "comment": {Text: "Fungerar bra för det mesta"},
		},
	}
}

// countingWriter is a ResponseWriter that counts lines and throws the body
// away, so measuring an export measures the server alone.
type countingWriter struct {
	header http.Header
	status int
	lines  int
	bytes  int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Flush()              {}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte{'\n'})
	w.bytes += int64(len(p))
	return len(p), nil
}

// exportPeak exports n generated responses as CSV and returns the rows
// written and the peak heap in use, sampled while the export runs.
func exportPeak(t *testing.T, n int) (rows int, peak uint64) {
	t.Helper()
	h := newExportServer(&exportStub{n: n, gen: manyRows}, nil)
	runtime.GC()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	w := &countingWriter{header: http.Header{}}
	h.ServeHTTP(w, fbRequest(t, "GET", "/api/v1/pilots/nattillsyn/responses?format=csv", exportToken, ""))
	close(done)
	wg.Wait()
	if w.status != http.StatusOK {
		t.Fatalf("Status=%d", w.status)
	}
	return w.lines - 1, peak
}

// TestExportMemoryFlat exports 10 000 and 100 000 responses and checks
// that the peak heap does not grow with the number of rows: the export
// holds one row and one buffer, never the whole body.
func TestExportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 110 000 rows")
	}
	const slackMB = 8
	rows10, peak10 := exportPeak(t, 10_000)
	rows100, peak100 := exportPeak(t, 100_000)
	if rows10 != 10_000 || rows100 != 100_000 {
		t.Fatalf("rows=%d and %d, want 10000 and 100000", rows10, rows100)
	}
	t.Logf("peak heap in use: %.1f MiB at 10k rows, %.1f MiB at 100k rows", mib(peak10), mib(peak100))
	if limit := 2*peak10 + slackMB<<20; peak100 > limit {
		t.Errorf("peak heap at 100k rows=%.1f MiB, want < 2x the 10k peak + %d MiB = %.1f MiB", mib(peak100), slackMB, mib(limit))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkExportCSV measures the CSV export of 10 000 generated responses
// through the whole handler.
func BenchmarkExportCSV(b *testing.B) {
	const n = 10_000
	h := newExportServer(&exportStub{n: n, gen: manyRows}, nil)
	req := httptest.NewRequest("GET", "/api/v1/pilots/nattillsyn/responses?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+exportToken)
	var size int64
	b.ReportAllocs()
	for b.Loop() {
		w := &countingWriter{header: http.Header{}}
		h.ServeHTTP(w, req)
		if w.lines != n+1 {
			b.Fatalf("lines=%d, want %d", w.lines, n+1)
		}
		size = w.bytes
	}
	b.SetBytes(size)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
