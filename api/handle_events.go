package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// maxEventLimit caps one page of events; clients page on with ?after=.
const maxEventLimit = 1000

// handleEvents answers a pilot's audit trail: ?after=ID for the events
// after one already seen, ?limit=N, ?kind=K.
func (s *server) handleEvents() gin.HandlerFunc {
	return func(c *gin.Context) {
		filter := pilots.EventFilter{Limit: maxEventLimit, Kind: c.Query("kind")}
		if q := c.Query("after"); q != "" {
			after, err := strconv.ParseInt(q, 10, 64)
			if err != nil || after < 0 {
				s.writeError(c, pilots.Errorf(pilots.EINVALID, "after must be an event id (a whole number >= 0), not %q", q))
				return
			}
			filter.After = after
		}
		if q := c.Query("limit"); q != "" {
			limit, err := strconv.Atoi(q)
			if err != nil || limit < 1 || limit > maxEventLimit {
				s.writeError(c, pilots.Errorf(pilots.EINVALID, "limit must be a whole number from 1 to %d, not %q", maxEventLimit, q))
				return
			}
			filter.Limit = limit
		}
		if k := filter.Kind; k != "" && !knownEventKind(k) {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "unknown event kind %q", k))
			return
		}
		evs, err := s.svc.Events(c.Request.Context(), c.Param("id"), filter)
		if err != nil {
			s.writeError(c, err)
			return
		}
		out := EventList{Events: make([]EventView, 0, len(evs))}
		for _, e := range evs {
			out.Events = append(out.Events, newEventView(e))
		}
		c.JSON(http.StatusOK, out)
	}
}

func knownEventKind(k string) bool {
	return slices.Contains(pilots.EventKinds, k)
}
