package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// handleTestbeds answers the testbed of every candidate of a pilot.
func (s *server) handleTestbeds() gin.HandlerFunc {
	return func(c *gin.Context) {
		tbs, err := s.svc.Testbeds(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		if tbs == nil {
			tbs = []pilots.TestbedStatus{}
		}
		for i := range tbs {
			if tbs[i].Services == nil {
				tbs[i].Services = []pilots.ServiceStatus{}
			}
		}
		c.JSON(http.StatusOK, TestbedList{Testbeds: tbs})
	}
}
