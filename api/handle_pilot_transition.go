package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// Limits of a transition request.
const (
	maxTransitionBody = 64 << 10
	maxReason         = 2000 // characters
)

// transition is one of Service.Approve, Start, Close or Withdraw as a
// method expression, so routes.go can name it without a live service.
type transition func(svc Service, ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)

// handlePilotTransition moves a pilot through its lifecycle with an
// optional reason and answers with the pilot.
func (s *server) handlePilotTransition(do transition) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decodeTransition(c.Request)
		if err != nil {
			s.writeError(c, err)
			return
		}
		p, err := do(s.svc, c.Request.Context(), actor(c), c.Param("id"), req.Reason)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, newPilotView(p))
	}
}

// decodeTransition reads the optional {"reason": "..."} body. An empty body
// is no reason; unknown fields and trailing data are refused so a typo is
// not silently dropped.
func decodeTransition(r *http.Request) (TransitionRequest, error) {
	var req TransitionRequest
	if r.Body == nil {
		return req, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTransitionBody+1))
	if err != nil {
		return req, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxTransitionBody {
		return req, &http.MaxBytesError{Limit: maxTransitionBody}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, pilots.Errorf(pilots.EINVALID, "invalid request body: %v; expected {\"reason\": \"...\"}", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, pilots.Errorf(pilots.EINVALID, "invalid request body: unexpected data after the JSON object")
	}
	if !utf8.ValidString(req.Reason) {
		return req, pilots.Errorf(pilots.EINVALID, "reason must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(req.Reason); n > maxReason {
		return req, pilots.Errorf(pilots.EINVALID, "reason is %d characters long; at most %d are allowed", n, maxReason)
	}
	return req, nil
}
