package api

import (
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
		if err := decodeJSON(c.Request, &req, maxDecisionBody, `{"candidate": "...", "justification": "...", "override": false}`, false); err != nil {
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
		if err := decodeJSON(c.Request, &req, maxDecisionBody, `{"reason": "..."}`, false); err != nil {
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
