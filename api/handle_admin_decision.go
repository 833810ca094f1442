package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// decidePage holds the promote and reject forms of a closed pilot.
type decidePage struct {
	adminPage
	P         pilots.Pilot
	Path      string
	Available bool // the Service can promote and reject
	HasReport bool
	Promote   promoteForm
	Reject    rejectForm
}

// promoteForm names the candidate to take to procurement.
type promoteForm struct {
	Candidate     string
	Justification string
	Override      bool
}

// Validate checks the form against the pilot's candidates.
func (f promoteForm) Validate(spec pilots.Spec) []fieldError {
	var errs []fieldError
	if _, ok := spec.Candidate(f.Candidate); !ok {
		errs = append(errs, fieldError{Field: "candidate-0", Message: "Choose the candidate to promote"})
	}
	switch n := utf8.RuneCountInString(f.Justification); {
	case strings.TrimSpace(f.Justification) == "":
		errs = append(errs, fieldError{Field: "justification", Message: "Enter why this candidate should go to procurement"})
	case !utf8.ValidString(f.Justification):
		errs = append(errs, fieldError{Field: "justification", Message: "The justification contains characters that are not text"})
	case n > adminMaxJustification:
		errs = append(errs, fieldError{Field: "justification", Message: "The justification must be " + strconv.Itoa(adminMaxJustification) + " characters or fewer"})
	}
	return errs
}

// rejectForm stops a pilot.
type rejectForm struct {
	Reason string
}

// Validate checks that there is a reason of a sensible length.
func (f rejectForm) Validate() []fieldError {
	switch n := utf8.RuneCountInString(f.Reason); {
	case strings.TrimSpace(f.Reason) == "":
		return []fieldError{{Field: "reject-reason", Message: "Enter why the pilot is stopped"}}
	case !utf8.ValidString(f.Reason):
		return []fieldError{{Field: "reject-reason", Message: "The reason contains characters that are not text"}}
	case n > maxReason:
		return []fieldError{{Field: "reject-reason", Message: "The reason must be " + strconv.Itoa(maxReason) + " characters or fewer"}}
	}
	return nil
}

// handleDecide shows the promote and reject forms.
func (a *adminUI) handleDecide() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := a.decisionPilot(c)
		if !ok {
			return
		}
		a.renderDecide(c, http.StatusOK, p, promoteForm{}, rejectForm{}, nil)
	}
}

// decisionPilot loads the pilot of a decision page and checks that a
// decision can be made; on failure it has answered.
func (a *adminUI) decisionPilot(c *gin.Context) (pilots.Pilot, bool) {
	if sess, _ := adminSessionOf(c); sess.Role != pilots.RoleAdmin {
		a.message(c, http.StatusForbidden, "Not allowed", "You are signed in with a read-only token. Sign in with an admin token to decide on pilots.", "", "")
		return pilots.Pilot{}, false
	}
	back := pilotPath(c.Param("id"))
	if _, ok := a.decisionService(); !ok {
		a.message(c, http.StatusNotImplemented, "Decisions are not available", "Promoting and stopping pilots is not available in this version of pilotbed.", back, "Back to the pilot")
		return pilots.Pilot{}, false
	}
	p, err := a.s.svc.Pilot(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.fail(c, err, "/admin")
		return pilots.Pilot{}, false
	}
	if p.Status != pilots.StatusClosed {
		a.message(c, http.StatusConflict, "This cannot be done now", "Pilot \""+p.Name+"\" is "+string(p.Status)+"; only a closed pilot can be promoted or stopped.", pilotPath(p.ID), "Back to the pilot")
		return pilots.Pilot{}, false
	}
	return p, true
}

func (a *adminUI) renderDecide(c *gin.Context, status int, p pilots.Pilot, pf promoteForm, rf rejectForm, errs []fieldError) {
	_, hasReport := a.reportService()
	page := decidePage{
		adminPage: a.newAdminPage(c, "Decide on the pilot").withErrors(errs),
		P:         p, Path: pilotPath(p.ID), Available: true, HasReport: hasReport, Promote: pf, Reject: rf,
	}
	page.Crumbs = []crumb{{Href: "/admin", Label: "Pilots"}, {Href: page.Path, Label: p.Name}}
	a.render(c, status, "decide", page)
}

// handlePromote promotes a closed pilot's candidate to procurement.
func (a *adminUI) handlePromote() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := a.decisionPilot(c)
		if !ok || !a.parseForm(c) {
			return
		}
		ds, _ := a.decisionService()
		form := c.Request.PostForm
		f := promoteForm{Candidate: form.Get("candidate"), Justification: form.Get("justification"), Override: form.Get("override") == "yes"}
		if errs := f.Validate(p.Spec); errs != nil {
			a.renderDecide(c, http.StatusUnprocessableEntity, p, f, rejectForm{}, errs)
			return
		}
		got, err := ds.Promote(c.Request.Context(), adminActor(c), p.ID, f.Candidate, f.Justification, f.Override)
		if err != nil {
			// A verdict that needs an override, or a candidate the
			// decision refuses, comes back on the form.
			if code := pilots.ErrorCode(err); code == pilots.ECONFLICT || code == pilots.EINVALID {
				a.renderDecide(c, errorStatus(code), p, f, rejectForm{}, []fieldError{{Field: "candidate-0", Message: pilots.ErrorMessage(err)}})
				return
			}
			a.fail(c, err, pilotPath(p.ID))
			return
		}
		a.flash(c, "Pilot \""+got.Name+"\" was promoted with candidate \""+f.Candidate+"\". Its status is now "+string(got.Status)+".")
		c.Redirect(http.StatusSeeOther, pilotPath(got.ID))
	}
}

// handleReject stops a closed pilot.
func (a *adminUI) handleReject() gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := a.decisionPilot(c)
		if !ok || !a.parseForm(c) {
			return
		}
		ds, _ := a.decisionService()
		f := rejectForm{Reason: c.Request.PostForm.Get("reason")}
		if errs := f.Validate(); errs != nil {
			a.renderDecide(c, http.StatusUnprocessableEntity, p, promoteForm{}, f, errs)
			return
		}
		got, err := ds.Reject(c.Request.Context(), adminActor(c), p.ID, f.Reason)
		if err != nil {
			if code := pilots.ErrorCode(err); code == pilots.ECONFLICT || code == pilots.EINVALID {
				a.renderDecide(c, errorStatus(code), p, promoteForm{}, f, []fieldError{{Field: "reject-reason", Message: pilots.ErrorMessage(err)}})
				return
			}
			a.fail(c, err, pilotPath(p.ID))
			return
		}
		a.flash(c, "Pilot \""+got.Name+"\" was stopped. Its status is now "+string(got.Status)+".")
		c.Redirect(http.StatusSeeOther, pilotPath(got.ID))
	}
}
