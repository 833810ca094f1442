package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// handleSurveyState opens or closes a survey by hand and redirects to the
// pilot with a flash.
func (a *adminUI) handleSurveyState() gin.HandlerFunc {
	return func(c *gin.Context) {
		back := pilotPath(c.Param("id"))
		if a.s.feedback == nil {
			a.message(c, http.StatusServiceUnavailable, "Not available", "Surveys cannot be opened or closed by hand on this server.", back, "Back to the pilot")
			return
		}
		var state, verb string
		switch c.Param("state") {
		case "open":
			state, verb = pilots.SurveyOpen, "opened"
		case "close":
			state, verb = pilots.SurveyClosed, "closed"
		default:
			a.message(c, http.StatusNotFound, "Not found", "A survey can only be opened or closed.", back, "Back to the pilot")
			return
		}
		survey := c.Param("survey")
		if err := a.s.feedback.SetSurveyState(c.Request.Context(), adminActor(c), c.Param("id"), survey, state); err != nil {
			a.fail(c, err, back)
			return
		}
		a.flash(c, "Survey \""+survey+"\" was "+verb+" by hand.")
		c.Redirect(http.StatusSeeOther, back)
	}
}
