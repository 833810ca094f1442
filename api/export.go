package api

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// Export formats of GET /api/v1/pilots/{id}/responses.
const (
	FormatCSV    = "csv"    // one row per response, one column per question
	FormatJSON   = "json"   // one JSON array of ResponseRecord
	FormatNDJSON = "ndjson" // one ResponseRecord per line
)

// exportFormat is what a format writes and how the file is named.
type exportFormat struct {
	contentType string
	ext         string
}

var exportFormats = map[string]exportFormat{
	FormatCSV:    {"text/csv; charset=utf-8", "csv"},
	FormatJSON:   {"application/json; charset=utf-8", "json"},
	FormatNDJSON: {"application/x-ndjson; charset=utf-8", "ndjson"},
}

// ResponseRecord is one response in the JSON and NDJSON exports. Every key
// is always present; ID and Participant are null for a response to an
// anonymous survey. Answers are keyed by question: a number for scales and
// numbers, a string for a choice or text, an array of strings for choices.
type ResponseRecord struct {
	ID          *int64         `json:"id"`
	SubmittedAt time.Time      `json:"submitted_at"`
	Survey      string         `json:"survey"`
	Cohort      string         `json:"cohort"`
	Participant *string        `json:"participant"`
	Answers     map[string]any `json:"answers"`
}

// exporter writes responses in one format: begin once, write per response,
// end once. It only ever holds one response.
type exporter interface {
	begin() error
	write(r pilots.Response) error
	end() error
}

// newExporter returns the exporter of format writing to w for a pilot
// with the given spec.
func newExporter(format string, w *bufio.Writer, spec pilots.Spec) exporter {
	switch format {
	case FormatJSON:
		return &jsonExporter{w: w, array: true}
	case FormatNDJSON:
		return &jsonExporter{w: w}
	}
	return newCSVExporter(w, spec)
}

// csvFixed are the columns before the questions.
var csvFixed = []string{"response_id", "submitted_at", "survey", "cohort", "participant"}

// csvExporter writes a header row and one row per response. It has a
// column per question of every survey in declared order, named
// "<survey>.<question>", so all responses fit one table whichever survey
// they answer.
type csvExporter struct {
	w       *csv.Writer
	header  []string
	columns map[string]map[string]int // survey -> question -> column
	row     []string                  // reused for every row
}

func newCSVExporter(w *bufio.Writer, spec pilots.Spec) *csvExporter {
	e := &csvExporter{
		// csv.NewWriter reuses w rather than adding a buffer of its own,
		// since w is a *bufio.Writer of at least the default size.
		w:       csv.NewWriter(w),
		header:  append([]string(nil), csvFixed...),
		columns: make(map[string]map[string]int, len(spec.Surveys)),
	}
	for _, s := range spec.Surveys {
		cols := make(map[string]int, len(s.Questions))
		for _, q := range s.Questions {
			cols[q.Name] = len(e.header)
			e.header = append(e.header, s.Name+"."+q.Name)
		}
		e.columns[s.Name] = cols
	}
	e.row = make([]string, len(e.header))
	return e
}

func (e *csvExporter) begin() error {
	// Header cells come from the spec, whose names are identifiers; they
	// are neutralised all the same, as every text cell is.
	h := make([]string, len(e.header))
	for i, c := range e.header {
		h[i] = safeCell(c)
	}
	if err := e.w.Write(h); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	return nil
}

func (e *csvExporter) write(r pilots.Response) error {
	clear(e.row)
	if r.ID != 0 {
		e.row[0] = strconv.FormatInt(r.ID, 10)
	}
	e.row[1] = r.SubmittedAt.UTC().Format(time.RFC3339)
	e.row[2] = safeCell(r.Survey)
	e.row[3] = safeCell(r.Cohort)
	e.row[4] = safeCell(r.Participant)
	cols := e.columns[r.Survey]
	for q, a := range r.Answers {
		// Answers to questions the spec does not declare have no column;
		// the JSON export keeps them.
		if i, ok := cols[q]; ok {
			e.row[i] = csvAnswer(a)
		}
	}
	if err := e.w.Write(e.row); err != nil {
		return fmt.Errorf("write CSV row: %w", err)
	}
	return nil
}

func (e *csvExporter) end() error {
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// csvAnswer formats one answer as a cell. Numbers are formatted by
// pilotbed from an int or a float64, so they can hold nothing but digits, a
// sign and a decimal point: they stay numbers (a negative number keeps its
// minus and no apostrophe) so a spreadsheet can compute with them. Choice
// values and free text are user text and are neutralised.
func csvAnswer(a pilots.Answer) string {
	switch {
	case a.Int != nil:
		return strconv.Itoa(*a.Int)
	case a.Number != nil:
		return strconv.FormatFloat(*a.Number, 'f', -1, 64)
	case a.Choices != nil:
		return safeCell(strings.Join(a.Choices, "; "))
	case a.Choice != "":
		return safeCell(a.Choice)
	}
	return safeCell(a.Text)
}

// safeCell neutralises spreadsheet formula injection as OWASP recommends:
// a cell that begins with = + - @, a tab or a carriage return is read by
// spreadsheets as a formula (or a DDE call), so it gets a leading
// apostrophe, which spreadsheets hide and which makes the cell plain text.
// Quoting of separators and quotes is left to encoding/csv.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// jsonExporter writes ResponseRecords as one JSON array, or one per line.
type jsonExporter struct {
	w     *bufio.Writer
	array bool
	n     int
}

func (e *jsonExporter) begin() error {
	if e.array {
		if _, err := e.w.WriteString("["); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	}
	return nil
}

func (e *jsonExporter) write(r pilots.Response) error {
	rec := ResponseRecord{
		SubmittedAt: r.SubmittedAt.UTC(),
		Survey:      r.Survey,
		Cohort:      r.Cohort,
		Answers:     make(map[string]any, len(r.Answers)),
	}
	if r.ID != 0 {
		id := r.ID
		rec.ID = &id
	}
	if r.Participant != "" {
		p := r.Participant
		rec.Participant = &p
	}
	for q, a := range r.Answers {
		if v, ok := jsonAnswer(a); ok {
			rec.Answers[q] = v
		}
	}
	// encoding/json sorts map keys and escapes <, > and &, so the output is
	// stable and harmless if a browser renders it.
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	sep := "\n"
	if e.array && e.n > 0 {
		sep = ",\n"
	}
	if !e.array {
		sep = ""
		b = append(b, '\n')
	}
	e.n++
	if _, err := e.w.WriteString(sep); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

func (e *jsonExporter) end() error {
	if e.array {
		end := "\n]\n"
		if e.n == 0 {
			end = "]\n"
		}
		if _, err := e.w.WriteString(end); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	}
	return nil
}

// jsonAnswer is the JSON value of an answer; ok is false for an answer
// with no field set.
func jsonAnswer(a pilots.Answer) (v any, ok bool) {
	switch {
	case a.Int != nil:
		return *a.Int, true
	case a.Number != nil:
		return *a.Number, true
	case a.Choices != nil:
		return a.Choices, true
	case a.Choice != "":
		return a.Choice, true
	case a.Text != "":
		return a.Text, true
	}
	return nil, false
}
