package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// SurveyStateResult is the answer of POST
// /api/v1/pilots/{id}/surveys/{survey}/open and .../close.
type SurveyStateResult struct {
	Survey string `json:"survey"`
	State  string `json:"state"` // "open" or "closed"
}

// handleSurveyState opens or closes a survey by hand, overriding its
// declared window until the next override. The caller is recorded as the
// actor of the audit event.
func (s *server) handleSurveyState(state string) gin.HandlerFunc {
	return func(c *gin.Context) {
		survey := c.Param("survey")
		if err := s.feedback.SetSurveyState(c.Request.Context(), actor(c), c.Param("id"), survey, state); err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, SurveyStateResult{Survey: survey, State: state})
	}
}
