package api

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleReport shows the scale-up report as the report package renders it:
// a self-contained HTML document with inline CSS and SVG. It is served as
// it is, under a policy that lets it style itself but run nothing.
func (a *adminUI) handleReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		rs, ok := a.reportService()
		if !ok {
			a.message(c, http.StatusNotImplemented, "Reports are not available", "Scale-up reports are not available in this version of pilotbed.", pilotPath(c.Param("id")), "Back to the pilot")
			return
		}
		a.serveDocument(c, rs.ReportHTML)
	}
}

// handleDossier shows a promoted pilot's procurement dossier, rendered like
// the report: self-contained HTML, styled, running nothing.
func (a *adminUI) handleDossier() gin.HandlerFunc {
	return func(c *gin.Context) {
		rs, ok := a.s.svc.(ReportAPI)
		if !ok {
			a.message(c, http.StatusNotImplemented, "Dossiers are not available", "Procurement dossiers are not available in this version of pilotbed.", pilotPath(c.Param("id")), "Back to the pilot")
			return
		}
		a.serveDocument(c, func(ctx context.Context, id string, w io.Writer) error {
			return rs.RenderDossier(ctx, id, "html", w)
		})
	}
}

// serveDocument renders the HTML document of the pilot in the path into a
// buffer, so a failure shows a page rather than half a document, and
// serves it under the admin headers with documentCSP.
func (a *adminUI) serveDocument(c *gin.Context, render func(ctx context.Context, idOrName string, w io.Writer) error) {
	var buf bytes.Buffer
	if err := render(c.Request.Context(), c.Param("id"), &buf); err != nil {
		a.fail(c, err, pilotPath(c.Param("id")))
		return
	}
	h := c.Writer.Header()
	adminHeaders(h)
	h.Set("Content-Security-Policy", documentCSP)
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}
