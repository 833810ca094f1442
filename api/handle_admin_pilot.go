package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// pilotPage is everything about one pilot.
type pilotPage struct {
	adminPage
	P             pilots.Pilot
	Path          string
	Actions       []string
	Testbeds      []pilots.TestbedStatus
	Health        healthSummary
	Participation participation
	HasFeedback   bool
	CanInvite     bool // the pilot still takes invitations
	Invite        inviteForm
	MaxInvites    int
	CanSetSurveys bool
	Events        []pilots.Event // newest first, at most adminEventsShown
	EventsTotal   int
	HasReport     bool
	CanDecide     bool // closed, and the Service can promote and reject
	Source        string
}

// inviteForm asks for invitations for one cohort.
type inviteForm struct {
	Cohort string
	Count  string // as typed, so it comes back as typed
}

// Validate checks the form against the pilot's cohorts and returns the
// count.
func (f inviteForm) Validate(spec pilots.Spec) (int, []fieldError) {
	var errs []fieldError
	if _, ok := spec.Cohort(f.Cohort); !ok {
		errs = append(errs, fieldError{Field: "invite-cohort", Message: "Choose the cohort to invite participants to"})
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Count))
	switch {
	case strings.TrimSpace(f.Count) == "":
		errs = append(errs, fieldError{Field: "invite-count", Message: "Enter how many invitations to create"})
	case err != nil:
		errs = append(errs, fieldError{Field: "invite-count", Message: "The number of invitations must be a whole number, like 5"})
	case n < 1 || n > pilots.MaxInvitations:
		errs = append(errs, fieldError{Field: "invite-count", Message: "The number of invitations must be from 1 to " + strconv.Itoa(pilots.MaxInvitations)})
	}
	return n, errs
}

// adminFrozen take no invitations and no survey changes any more.
var adminFrozen = []pilots.Status{pilots.StatusClosing, pilots.StatusClosed, pilots.StatusPromoted, pilots.StatusStopped, pilots.StatusWithdrawn}

// handlePilot shows one pilot.
func (a *adminUI) handlePilot() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := a.s.svc.Pilot(c.Request.Context(), c.Param("id"))
		if err != nil {
			a.fail(c, err, "/admin")
			return
		}
		a.renderPilot(c, http.StatusOK, p, inviteForm{Count: "1"}, nil)
	}
}

// renderPilot renders the pilot page, with the invitation form as sent
// and its errors when it came back.
func (a *adminUI) renderPilot(c *gin.Context, status int, p pilots.Pilot, invite inviteForm, errs []fieldError) {
	ctx := c.Request.Context()
	title := p.Spec.Title
	if title == "" {
		title = p.Name
	}
	page := pilotPage{
		adminPage:   a.newAdminPage(c, title).withErrors(errs),
		P:           p,
		Path:        pilotPath(p.ID),
		HasFeedback: a.s.feedback != nil,
		Invite:      invite,
		MaxInvites:  pilots.MaxInvitations,
		Source:      string(p.Source),
	}
	page.Crumbs = []crumb{{Href: "/admin", Label: "Pilots"}}
	frozen := slices.Contains(adminFrozen, p.Status)
	if page.Admin {
		page.Actions = actionsFor(p.Status)
		page.CanInvite = page.HasFeedback && !frozen && len(p.Spec.Cohorts) > 0
		page.CanSetSurveys = page.HasFeedback && !frozen
		_, canDecide := a.decisionService()
		page.CanDecide = canDecide && p.Status == pilots.StatusClosed
	}
	_, page.HasReport = a.reportService()
	page.Testbeds, page.Health = a.healthOf(ctx, p)
	page.Participation = a.participationOf(ctx, p)

	evs, err := a.s.svc.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		a.fail(c, err, "/admin")
		return
	}
	page.EventsTotal = len(evs)
	if len(evs) > adminEventsShown {
		evs = evs[len(evs)-adminEventsShown:]
	}
	page.Events = slices.Clone(evs)
	slices.Reverse(page.Events)
	a.render(c, status, "pilot", page)
}
