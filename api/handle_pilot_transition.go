package api

import (
	"context"
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
	if err := decodeJSON(r, &req, maxTransitionBody, `{"reason": "..."}`, true); err != nil {
		return req, err
	}
	if !utf8.ValidString(req.Reason) {
		return req, pilots.Errorf(pilots.EINVALID, "reason must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(req.Reason); n > maxReason {
		return req, pilots.Errorf(pilots.EINVALID, "reason is %d characters long; at most %d are allowed", n, maxReason)
	}
	return req, nil
}
