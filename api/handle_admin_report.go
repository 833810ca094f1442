package api

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleReport shows the scale-up report as the report package renders it:
// a self-contained HTML document with inline CSS and SVG. It is served as
// it is, under a policy that lets it style itself but run nothing.
func (a *adminUI) handleReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		back := pilotPath(c.Param("id"))
		rs, ok := a.reportService()
		if !ok {
			a.message(c, http.StatusNotImplemented, "Reports are not available", "Scale-up reports are not available in this version of pilotbed.", back, "Back to the pilot")
			return
		}
		// Render into a buffer so a failure shows a page, not half a report.
		var buf bytes.Buffer
		if err := rs.ReportHTML(c.Request.Context(), c.Param("id"), &buf); err != nil {
			a.fail(c, err, back)
			return
		}
		h := c.Writer.Header()
		adminHeaders(h)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	}
}

// handleDossier shows a promoted pilot's procurement dossier, rendered like
// the report: self-contained HTML, styled, running nothing.
func (a *adminUI) handleDossier() gin.HandlerFunc {
	return func(c *gin.Context) {
		back := pilotPath(c.Param("id"))
		rs, ok := a.s.svc.(ReportAPI)
		if !ok {
			a.message(c, http.StatusNotImplemented, "Dossiers are not available", "Procurement dossiers are not available in this version of pilotbed.", back, "Back to the pilot")
			return
		}
		var buf bytes.Buffer
		if err := rs.RenderDossier(c.Request.Context(), c.Param("id"), "html", &buf); err != nil {
			a.fail(c, err, back)
			return
		}
		h := c.Writer.Header()
		adminHeaders(h)
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
		c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	}
}
