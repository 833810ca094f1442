package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// adminRoutes adds the admin web UI:
//
//	GET  /admin/admin.css                          the style sheet (public)
//	GET  /admin/login, POST /admin/login           sign in with an API token; rate-limited per client
//	POST /admin/logout                             sign out
//	GET  /admin                                    dashboard: pilots by status, testbed health, participation
//	GET  /admin/pilots/{id}                        a pilot: spec, testbeds, participation, surveys, events, source
//	GET  /admin/pilots/{id}/confirm/{action}       "are you sure?" for approve, start, close, withdraw
//	POST /admin/pilots/{id}/approve|start|close|withdraw
//	POST /admin/pilots/{id}/invitations            create invitations; the links are shown once
//	POST /admin/pilots/{id}/surveys/{survey}/open|close
//	GET  /admin/pilots/{id}/report                 the scale-up report, when the Service is a ReportService
//	GET  /admin/pilots/{id}/dossier                the procurement dossier of a promoted pilot
//	GET  /admin/pilots/{id}/decide                 promote and reject forms for a closed pilot
//	POST /admin/pilots/{id}/promote|reject         when the Service is a DecisionService
//
// Every page but the login and the style sheet needs a session; every POST
// passes http.CrossOriginProtection, and every POST but logout needs a
// session of an admin token.
func (s *server) adminRoutes(r *gin.Engine) {
	a := newAdminUI(s)
	r.GET("/admin/admin.css", a.handleCSS())
	r.GET("/admin/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/admin") })
	r.GET("/admin/login", a.handleLoginForm())
	r.POST("/admin/login", a.crossOrigin(), a.limitLogin(), a.handleLogin())

	g := r.Group("/admin", a.requireSession())
	g.GET("", a.handleDashboard())
	g.POST("/logout", a.crossOrigin(), a.handleLogout())
	g.GET("/pilots/:id", a.handlePilot())
	g.GET("/pilots/:id/confirm/:action", a.handleConfirm())
	g.GET("/pilots/:id/report", a.handleReport())
	g.GET("/pilots/:id/dossier", a.handleDossier())
	g.GET("/pilots/:id/decide", a.handleDecide())

	w := g.Group("", a.crossOrigin(), a.requireAdminRole())
	for _, name := range adminActionOrder {
		w.POST("/pilots/:id/"+name, a.handleTransition(name))
	}
	w.POST("/pilots/:id/invitations", a.handleInvite())
	w.POST("/pilots/:id/surveys/:survey/:state", a.handleSurveyState())
	w.POST("/pilots/:id/promote", a.handlePromote())
	w.POST("/pilots/:id/reject", a.handleReject())
}

// crossOrigin refuses unsafe requests that a browser says came from
// another site (Sec-Fetch-Site, or Origin against Host). Together with the
// SameSite=Strict cookie this is the CSRF protection of the admin UI.
func (a *adminUI) crossOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := a.cop.Check(c.Request); err != nil {
			a.message(c, http.StatusForbidden, "Request refused",
				"This form was sent from another site, so pilotbed did not act on it. Open the page in pilotbed and send the form from there.", "", "")
			return
		}
		c.Next()
	}
}

// limitLogin refuses a client that tries to sign in too often.
func (a *adminUI) limitLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, wait := a.logins.take(clientKey(c), a.now()); !ok {
			retryAfter(c, wait)
			p := loginPage{adminPage: a.newAdminPage(c, "Sign in")}
			p.adminPage = p.withErrors([]fieldError{{Field: "token", Message: "Too many sign-in attempts from your address. Wait a minute and try again."}})
			a.render(c, http.StatusTooManyRequests, "login", p)
			return
		}
		c.Next()
	}
}

// requireSession sends a visitor without a live session to the login page
// and checks on every request that the token behind the session still
// exists and is not revoked, taking its current role.
func (a *adminUI) requireSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		ck, err := c.Request.Cookie(adminCookie)
		if err != nil {
			c.Redirect(http.StatusSeeOther, "/admin/login")
			c.Abort()
			return
		}
		sess, ok := a.sessions.get(ck.Value, a.now())
		if !ok {
			clearAdminCookie(c)
			c.Redirect(http.StatusSeeOther, "/admin/login")
			c.Abort()
			return
		}
		if a.s.tokens == nil {
			a.message(c, http.StatusServiceUnavailable, "Not available right now", "No token store is configured.", "/admin/login", "Sign in")
			return
		}
		tok, err := a.s.tokens.TokenByHash(c.Request.Context(), sess.TokenHash)
		switch {
		case pilots.ErrorCode(err) == pilots.ENOTFOUND || (err == nil && tok.RevokedAt != nil):
			a.sessions.deleteKey(sess.key)
			clearAdminCookie(c)
			c.Redirect(http.StatusSeeOther, "/admin/login")
			c.Abort()
			return
		case err != nil:
			a.fail(c, err, "")
			return
		}
		sess.Role, sess.TokenName = tok.Role, tok.Name
		c.Set(adminSessionKey, sess)
		c.Next()
	}
}

// requireAdminRole refuses sessions of tokens that may only read.
func (a *adminUI) requireAdminRole() gin.HandlerFunc {
	return func(c *gin.Context) {
		sess, _ := adminSessionOf(c)
		if sess.Role != pilots.RoleAdmin {
			a.message(c, http.StatusForbidden, "Not allowed",
				"You are signed in with a read-only token. Sign in with an admin token to change pilots.", "", "")
			return
		}
		c.Next()
	}
}

// adminActor is the name recorded in the audit trail for the session.
func adminActor(c *gin.Context) string {
	sess, _ := adminSessionOf(c)
	return sess.TokenName
}

// flash leaves a message for the next page of the session.
func (a *adminUI) flash(c *gin.Context, msg string) {
	if sess, ok := adminSessionOf(c); ok {
		a.sessions.setFlash(sess.key, msg)
	}
}

func setAdminCookie(c *gin.Context, id string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: adminCookie, Value: id, Path: "/admin",
		// A browser session cookie: the server ends the session anyway
		// after adminSessionLimits.Absolute.
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isTLS(c.Request),
	})
}

func clearAdminCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: adminCookie, Value: "", Path: "/admin", MaxAge: -1, Expires: time.Unix(1, 0),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isTLS(c.Request),
	})
}

// handleCSS serves the style sheet; it holds nothing secret.
func (a *adminUI) handleCSS() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/css; charset=utf-8", a.css)
	}
}
