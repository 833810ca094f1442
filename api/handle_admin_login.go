package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// loginPage is the sign-in form.
type loginPage struct {
	adminPage
	SignedOut bool
}

// loginForm is what the sign-in form sends. The token is never put back
// into the form when it comes back with an error.
type loginForm struct {
	Token string
}

// Validate returns the problems of the form by field id.
func (f loginForm) Validate() []fieldError {
	if f.Token == "" {
		return []fieldError{{Field: "token", Message: "Enter your API token"}}
	}
	if len(f.Token) > 512 {
		return []fieldError{{Field: "token", Message: "The token is too long; check that you pasted only the token"}}
	}
	return nil
}

// handleLoginForm shows the sign-in form, or the dashboard to someone
// signed in already.
func (a *adminUI) handleLoginForm() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ck, err := c.Request.Cookie(adminCookie); err == nil {
			if _, ok := a.sessions.get(ck.Value, a.now()); ok {
				c.Redirect(http.StatusSeeOther, "/admin")
				return
			}
		}
		a.render(c, http.StatusOK, "login", loginPage{adminPage: a.newAdminPage(c, "Sign in"), SignedOut: c.Query("signed_out") == "1"})
	}
}

// handleLogin checks the token and starts a session. A wrong token gets
// one generic message whatever the reason, so the page tells a guesser
// nothing.
func (a *adminUI) handleLogin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !a.parseForm(c) {
			return
		}
		f := loginForm{Token: strings.TrimSpace(c.Request.PostForm.Get("token"))}
		page := loginPage{adminPage: a.newAdminPage(c, "Sign in")}
		if errs := f.Validate(); errs != nil {
			page.adminPage = page.withErrors(errs)
			a.render(c, http.StatusUnprocessableEntity, "login", page)
			return
		}
		if a.s.tokens == nil {
			a.message(c, http.StatusServiceUnavailable, "Not available right now", "No token store is configured.", "/admin/login", "Sign in")
			return
		}
		tok, err := a.s.tokens.TokenByHash(c.Request.Context(), pilots.HashSecret(f.Token))
		switch {
		case pilots.ErrorCode(err) == pilots.ENOTFOUND || (err == nil && tok.RevokedAt != nil):
			page.adminPage = page.withErrors([]fieldError{{Field: "token", Message: "The token is not valid. Check that you copied all of it, or ask an administrator for a new one"}})
			a.render(c, http.StatusUnauthorized, "login", page)
			return
		case err != nil:
			a.fail(c, err, "/admin/login")
			return
		}
		// A session id from before sign-in is never reused.
		if ck, err := c.Request.Cookie(adminCookie); err == nil {
			a.sessions.delete(ck.Value)
		}
		setAdminCookie(c, a.sessions.create(tok, a.now()))
		c.Redirect(http.StatusSeeOther, "/admin")
	}
}
