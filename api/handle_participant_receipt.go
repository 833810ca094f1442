package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// receiptPage confirms that a response is stored.
type receiptPage struct {
	page
	Survey  string
	Receipt string
}

// handleReceipt shows GET /p/{token}/s/{survey}/kvitto. It reads the
// receipt from the store, so it shows only a committed response; before
// there is one it sends the participant to the form.
func (pp *participantPages) handleReceipt() gin.HandlerFunc {
	return func(c *gin.Context) {
		v, lang, ok := pp.view(c)
		if !ok {
			return
		}
		secret := c.Param("token")
		st, ok := surveyState(v, c.Param("survey"))
		if !ok {
			pp.message(c, http.StatusNotFound, lang, "survey404", pilotTitle(v), homePath(secret), false)
			return
		}
		if st.Answered == nil {
			c.Redirect(http.StatusSeeOther, surveyPath(secret, st.Survey.Name))
			c.Abort()
			return
		}
		p := receiptPage{
			page:    newPage(c, lang, tr(lang, "receipt_title"), pilotTitle(v), homePath(secret)),
			Survey:  surveyTitle(st.Survey, lang),
			Receipt: st.Answered.Receipt,
		}
		pp.render(c, http.StatusOK, "receipt", p)
	}
}
