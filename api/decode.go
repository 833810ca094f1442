package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/pilotbed/pilotbed/pilots"
)

// decodeJSON reads one JSON object of at most limit bytes into v, refusing
// unknown fields and trailing data, so a typo such as "overide" is an error
// rather than a silent false. shape is the expected body, quoted in errors.
// An absent or blank body leaves v as it is when optional, and is an error
// otherwise.
func decodeJSON(r *http.Request, v any, limit int64, shape string, optional bool) error {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return fmt.Errorf("read request body: %w", err)
		}
		if int64(len(body)) > limit {
			return &http.MaxBytesError{Limit: limit}
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return pilots.Errorf(pilots.EINVALID, "a JSON body is required: %s", shape)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return pilots.Errorf(pilots.EINVALID, "invalid request body: %v; expected %s", err, shape)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return pilots.Errorf(pilots.EINVALID, "invalid request body: unexpected data after the JSON object")
	}
	return nil
}
