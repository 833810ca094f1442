package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// dashboardPage shows every pilot by status.
type dashboardPage struct {
	adminPage
	Total  int
	Groups []statusGroup // only statuses that have pilots, in lifecycle order
	Counts []statusCount // every status, for the overview
}

type statusCount struct {
	Status pilots.Status
	N      int
}

type statusGroup struct {
	Status pilots.Status
	Pilots []dashboardRow
}

// dashboardRow is one pilot at a glance.
type dashboardRow struct {
	ID, Name, Title, Owner string
	Start, End             time.Time
	Health                 healthSummary
	Participation          participation
	HasFeedback            bool
}

// handleDashboard lists pilots grouped by status.
func (a *adminUI) handleDashboard() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		ps, err := a.s.svc.Pilots(ctx, pilots.PilotFilter{})
		if err != nil {
			a.fail(c, err, "")
			return
		}
		page := dashboardPage{adminPage: a.newAdminPage(c, "Pilots"), Total: len(ps)}
		page.Title = "Dashboard – pilotbed admin"
		byStatus := map[pilots.Status][]dashboardRow{}
		for _, p := range ps {
			_, health := a.healthOf(ctx, p)
			byStatus[p.Status] = append(byStatus[p.Status], dashboardRow{
				ID: p.ID, Name: p.Name, Title: p.Spec.Title, Owner: p.Spec.Owner,
				Start: p.Spec.Start, End: p.Spec.End,
				Health: health, Participation: a.participationOf(ctx, p), HasFeedback: a.s.feedback != nil,
			})
		}
		for _, st := range pilots.Statuses {
			page.Counts = append(page.Counts, statusCount{Status: st, N: len(byStatus[st])})
			if len(byStatus[st]) > 0 {
				page.Groups = append(page.Groups, statusGroup{Status: st, Pilots: byStatus[st]})
			}
		}
		a.render(c, http.StatusOK, "dashboard", page)
	}
}
