package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handlePilotShow answers one pilot by id or name.
func (s *server) handlePilotShow() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := s.svc.Pilot(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, newPilotView(p))
	}
}

// handlePilotSource answers the pilot file exactly as it was submitted.
func (s *server) handlePilotSource() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := s.svc.Pilot(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		// nosniff: the source is user text and must never be rendered as HTML.
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/plain; charset=utf-8", p.Source)
	}
}
