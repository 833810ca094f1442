package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleLogout ends the session on the server, not only in the browser.
func (a *adminUI) handleLogout() gin.HandlerFunc {
	return func(c *gin.Context) {
		if sess, ok := adminSessionOf(c); ok {
			a.sessions.deleteKey(sess.key)
		}
		clearAdminCookie(c)
		c.Redirect(http.StatusSeeOther, "/admin/login?signed_out=1")
	}
}
