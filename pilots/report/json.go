package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the report as indented JSON in the shape documented in
// doc.go. It encodes into a buffer first, so a failure never leaves half a
// document behind.
func (r *Report) WriteJSON(w io.Writer) error { return writeJSON(w, r, "report") }

// writeJSON writes v, a report or a dossier, as indented JSON.
func writeJSON(w io.Writer, v any, what string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s as JSON: %w", what, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write JSON %s: %w", what, err)
	}
	return nil
}
