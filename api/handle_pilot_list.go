package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// handlePilotList lists pilots, newest first; ?status=a,b keeps those in
// the given statuses.
func (s *server) handlePilotList() gin.HandlerFunc {
	return func(c *gin.Context) {
		var filter pilots.PilotFilter
		for _, q := range c.QueryArray("status") {
			for v := range strings.SplitSeq(q, ",") {
				v = strings.TrimSpace(v)
				if v == "" {
					continue
				}
				st := pilots.Status(v)
				if !st.Valid() {
					s.writeError(c, pilots.Errorf(pilots.EINVALID, "unknown status %q; known: %s", v, statusList()))
					return
				}
				filter.Statuses = append(filter.Statuses, st)
			}
		}
		ps, err := s.svc.Pilots(c.Request.Context(), filter)
		if err != nil {
			s.writeError(c, err)
			return
		}
		out := PilotList{Pilots: make([]PilotView, 0, len(ps))}
		for _, p := range ps {
			out.Pilots = append(out.Pilots, newPilotView(p))
		}
		c.JSON(http.StatusOK, out)
	}
}

func statusList() string {
	names := make([]string, len(pilots.Statuses))
	for i, s := range pilots.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
