package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// invitationsPage shows new invitation links, this once.
type invitationsPage struct {
	adminPage
	P      pilots.Pilot
	Path   string
	Cohort string
	Links  []invitationLink
	Notice string
}

type invitationLink struct {
	Participant, URL string
}

// handleInvite creates invitations and shows their links. Unlike the other
// forms it answers with a page, not a redirect: the links exist only in
// this response, since pilotbed keeps nothing but their hashes.
func (a *adminUI) handleInvite() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.s.feedback == nil {
			a.message(c, http.StatusServiceUnavailable, "Not available", "Invitations are not available on this server.", pilotPath(c.Param("id")), "Back to the pilot")
			return
		}
		if !a.parseForm(c) {
			return
		}
		ctx := c.Request.Context()
		p, err := a.s.svc.Pilot(ctx, c.Param("id"))
		if err != nil {
			a.fail(c, err, "/admin")
			return
		}
		f := inviteForm{Cohort: c.Request.PostForm.Get("cohort"), Count: c.Request.PostForm.Get("count")}
		n, errs := f.Validate(p.Spec)
		if errs != nil {
			a.renderPilot(c, http.StatusUnprocessableEntity, p, f, errs)
			return
		}
		invs, err := a.s.feedback.Invite(ctx, adminActor(c), p.ID, f.Cohort, n)
		if err != nil {
			a.fail(c, err, pilotPath(p.ID))
			return
		}
		page := invitationsPage{
			adminPage: a.newAdminPage(c, "New invitations"),
			P:         p, Path: pilotPath(p.ID), Cohort: f.Cohort, Notice: InviteNotice,
		}
		page.Crumbs = []crumb{{Href: "/admin", Label: "Pilots"}, {Href: page.Path, Label: p.Name}}
		base := baseURL(c.Request)
		for _, inv := range invs {
			page.Links = append(page.Links, invitationLink{Participant: inv.Participant, URL: base + homePath(inv.Secret)})
		}
		a.render(c, http.StatusCreated, "invitations", page)
	}
}
