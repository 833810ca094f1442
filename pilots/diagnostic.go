package pilots

import (
	"fmt"
	"strings"
)

// Diagnostic is a problem found in a pilot file, in a form that crosses the
// API without tying the domain to the HCL library. pilotfile converts its
// hcl.Diagnostics into these at the edge.
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	Summary  string `json:"summary"`
	Detail   string `json:"detail,omitempty"`
	Range    *Range `json:"range,omitempty"`
}

// Range is a span of a source file; lines and columns are 1-based.
type Range struct {
	Filename string `json:"filename"`
	Start    Pos    `json:"start"`
	End      Pos    `json:"end"`
}

// Pos is a position in a source file.
type Pos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// DiagnosticsError is returned when a submitted pilot file is not valid.
// Its code is EINVALID; the API renders it as 422 with the diagnostics.
type DiagnosticsError struct {
	Diagnostics []Diagnostic
}

func (e *DiagnosticsError) Error() string {
	var b strings.Builder
	for i, d := range e.Diagnostics {
		if i > 0 {
			b.WriteString("; ")
		}
		if d.Range != nil {
			fmt.Fprintf(&b, "%s:%d,%d: ", d.Range.Filename, d.Range.Start.Line, d.Range.Start.Column)
		}
		b.WriteString(d.Summary)
	}
	return b.String()
}
