package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// handleTransition carries out a confirmed lifecycle action and redirects
// to the pilot with a flash (post/redirect/get). A reason that does not
// pass brings the confirmation page back with 422; an action the pilot's
// status does not allow shows the conflict with 409.
func (a *adminUI) handleTransition(name string) gin.HandlerFunc {
	act := adminActions[name]
	return func(c *gin.Context) {
		if !a.parseForm(c) {
			return
		}
		ctx := c.Request.Context()
		f := transitionForm{Reason: c.Request.PostForm.Get("reason")}
		if errs := f.Validate(act); errs != nil {
			p, err := a.s.svc.Pilot(ctx, c.Param("id"))
			if err != nil {
				a.fail(c, err, "/admin")
				return
			}
			a.renderConfirm(c, http.StatusUnprocessableEntity, p, name, f, errs)
			return
		}
		p, err := act.Do(a.s.svc, ctx, adminActor(c), c.Param("id"), f.Reason)
		if err != nil {
			back := pilotPath(c.Param("id"))
			if pilots.ErrorCode(err) == pilots.ENOTFOUND {
				back = "/admin"
			}
			a.fail(c, err, back)
			return
		}
		a.flash(c, "Pilot \""+p.Name+"\" was "+act.Done+". Its status is now "+string(p.Status)+".")
		c.Redirect(http.StatusSeeOther, pilotPath(p.ID))
	}
}
