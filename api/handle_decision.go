package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// maxDecisionBody bounds the body of promote and reject.
const maxDecisionBody = 64 << 10

// PromoteRequest is the body of POST /api/v1/pilots/{id}/promote.
type PromoteRequest struct {
	Candidate     string `json:"candidate"`
	Justification string `json:"justification"`
	// Override promotes a candidate whose verdict is not scale_up; it is
	// recorded with the justification.
	Override bool `json:"override"`
}

// RejectRequest is the body of POST /api/v1/pilots/{id}/reject.
type RejectRequest struct {
	Reason string `json:"reason"`
}

// decisionAPI returns the Service as a DecisionService, or answers 503.
func (s *server) decisionAPI(c *gin.Context) (DecisionService, bool) {
	d, ok := s.svc.(DecisionService)
	if !ok {
		s.writeError(c, pilots.Errorf(pilots.EUNAVAILABLE, "promoting and stopping pilots is not available on this server"))
	}
	return d, ok
}

// handlePromote promotes a closed pilot with one of its candidates and
// answers with the pilot.
func (s *server) handlePromote() gin.HandlerFunc {
	return func(c *gin.Context) {
		var req PromoteRequest
		if err := decodeStrict(c.Request, &req, `{"candidate": "...", "justification": "...", "override": false}`); err != nil {
			s.writeError(c, err)
			return
		}
		if strings.TrimSpace(req.Candidate) == "" {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "candidate is required: name the candidate to promote"))
			return
		}
		if strings.TrimSpace(req.Justification) == "" {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "justification is required: say why this candidate goes to procurement"))
			return
		}
		ds, ok := s.decisionAPI(c)
		if !ok {
			return
		}
		p, err := ds.Promote(c.Request.Context(), actor(c), c.Param("id"), req.Candidate, req.Justification, req.Override)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, newPilotView(p))
	}
}

// handleReject stops a closed pilot and answers with the pilot.
func (s *server) handleReject() gin.HandlerFunc {
	return func(c *gin.Context) {
		var req RejectRequest
		if err := decodeStrict(c.Request, &req, `{"reason": "..."}`); err != nil {
			s.writeError(c, err)
			return
		}
		if strings.TrimSpace(req.Reason) == "" {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "reason is required: say why the pilot is stopped"))
			return
		}
		ds, ok := s.decisionAPI(c)
		if !ok {
			return
		}
		p, err := ds.Reject(c.Request.Context(), actor(c), c.Param("id"), req.Reason)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, newPilotView(p))
	}
}

// decodeStrict reads one JSON object of at most maxDecisionBody bytes into
// v, refusing an empty body, unknown fields and trailing data, so a typo
// such as "overide" is an error rather than a silent false.
func decodeStrict(r *http.Request, v any, shape string) error {
	if r.Body == nil {
		return pilots.Errorf(pilots.EINVALID, "a JSON body is required: %s", shape)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxDecisionBody+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxDecisionBody {
		return &http.MaxBytesError{Limit: maxDecisionBody}
	}
	if len(bytes.TrimSpace(body)) == 0 {
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
