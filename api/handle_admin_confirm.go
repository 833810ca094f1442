package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// confirmPage asks "are you sure?" before a lifecycle action.
type confirmPage struct {
	adminPage
	P      pilots.Pilot
	Path   string
	Action string
	A      adminAction
	Reason string
}

// transitionForm is what a confirmation page sends.
type transitionForm struct {
	Reason string
}

// Validate checks the reason against what the action needs.
func (f transitionForm) Validate(act adminAction) []fieldError {
	switch n := utf8.RuneCountInString(f.Reason); {
	case !utf8.ValidString(f.Reason):
		return []fieldError{{Field: "reason", Message: "The reason contains characters that are not text"}}
	case act.Reason && n == 0:
		return []fieldError{{Field: "reason", Message: "Enter why the pilot is being " + act.Done}}
	case n > maxReason:
		return []fieldError{{Field: "reason", Message: "The reason must be " + strconv.Itoa(maxReason) + " characters or fewer"}}
	}
	return nil
}

// handleConfirm shows the confirmation page of an action. Viewers only
// ever see the pilot page, which has no buttons for them.
func (a *adminUI) handleConfirm() gin.HandlerFunc {
	return func(c *gin.Context) {
		name := c.Param("action")
		act, ok := adminActions[name]
		if !ok {
			a.message(c, http.StatusNotFound, "Not found", "There is no action called \""+name+"\". The actions are approve, start, close and withdraw.", "/admin", "Back to the dashboard")
			return
		}
		if sess, _ := adminSessionOf(c); sess.Role != pilots.RoleAdmin {
			a.message(c, http.StatusForbidden, "Not allowed", "You are signed in with a read-only token. Sign in with an admin token to change pilots.", "", "")
			return
		}
		p, err := a.s.svc.Pilot(c.Request.Context(), c.Param("id"))
		if err != nil {
			a.fail(c, err, "/admin")
			return
		}
		if !slices.Contains(act.From, p.Status) {
			a.message(c, http.StatusConflict, "This cannot be done now",
				"Pilot \""+p.Name+"\" is "+string(p.Status)+"; it cannot be "+strings.ToLower(act.Done)+" now.", pilotPath(p.ID), "Back to the pilot")
			return
		}
		a.renderConfirm(c, http.StatusOK, p, name, transitionForm{}, nil)
	}
}

func (a *adminUI) renderConfirm(c *gin.Context, status int, p pilots.Pilot, name string, f transitionForm, errs []fieldError) {
	act := adminActions[name]
	page := confirmPage{
		adminPage: a.newAdminPage(c, act.Question).withErrors(errs),
		P:         p, Path: pilotPath(p.ID), Action: name, A: act, Reason: f.Reason,
	}
	page.Crumbs = []crumb{{Href: "/admin", Label: "Pilots"}, {Href: page.Path, Label: p.Name}}
	a.render(c, status, "confirm", page)
}
