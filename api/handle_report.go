package api

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// reportRoutes adds the report, the dossier and the decisions on a closed
// pilot to the JSON API.
func (s *server) reportRoutes(v1 *gin.RouterGroup) {
	v1.GET("/pilots/:id/report", s.handleReport())
	v1.GET("/pilots/:id/dossier", s.handleDossier())
	v1.POST("/pilots/:id/promote", s.requireAdmin(), s.handlePromote())
	v1.POST("/pilots/:id/reject", s.requireAdmin(), s.handleReject())
}

// Document formats and their content types.
var docContentTypes = map[string]string{
	"html": "text/html; charset=utf-8",
	"md":   "text/markdown; charset=utf-8",
	"json": "application/json; charset=utf-8",
}

// ReportKindHeader says whether a served report is "final" or
// "preliminary"; the document itself says so too.
const ReportKindHeader = "X-Pilotbed-Report"

// reportAPI returns the Service as a ReportAPI, or answers 503.
func (s *server) reportAPI(c *gin.Context) (ReportAPI, bool) {
	r, ok := s.svc.(ReportAPI)
	if !ok {
		s.writeError(c, pilots.Errorf(pilots.EUNAVAILABLE, "reports are not available on this server"))
	}
	return r, ok
}

// handleReport serves a pilot's scale-up report as ?format=html (the
// default), md or json: the final report of a closed pilot, otherwise a
// preliminary one, marked in the document and in X-Pilotbed-Report.
func (s *server) handleReport() gin.HandlerFunc {
	return func(c *gin.Context) {
		format := c.DefaultQuery("format", "html")
		if _, ok := docContentTypes[format]; !ok {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "format must be html, md or json, not %q", format))
			return
		}
		ra, ok := s.reportAPI(c)
		if !ok {
			return
		}
		// Into a buffer first, so a failure is a JSON error, never half a
		// report.
		var buf bytes.Buffer
		final, err := ra.RenderReport(c.Request.Context(), c.Param("id"), format, &buf)
		if err != nil {
			s.writeError(c, err)
			return
		}
		kind := "preliminary"
		if final {
			kind = "final"
		}
		c.Header(ReportKindHeader, kind)
		writeDocument(c, format, buf.Bytes())
	}
}

// handleDossier serves a promoted pilot's procurement dossier as
// ?format=html (the default) or json; 404 until the pilot is promoted.
func (s *server) handleDossier() gin.HandlerFunc {
	return func(c *gin.Context) {
		format := c.DefaultQuery("format", "html")
		if format != "html" && format != "json" {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "format must be html or json, not %q", format))
			return
		}
		ra, ok := s.reportAPI(c)
		if !ok {
			return
		}
		var buf bytes.Buffer
		if err := ra.RenderDossier(c.Request.Context(), c.Param("id"), format, &buf); err != nil {
			s.writeError(c, err)
			return
		}
		writeDocument(c, format, buf.Bytes())
	}
}

// documentCSP is the policy of a report or dossier in HTML: it styles
// itself inline and draws with data: images, and runs and loads nothing.
const documentCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// writeDocument answers with a report or dossier. Reports may quote
// participants' comments, so no cache keeps them; an HTML document may
// style itself but run nothing and load nothing.
func writeDocument(c *gin.Context, format string, body []byte) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if format == "html" {
		h.Set("Content-Security-Policy", documentCSP)
	}
	c.Data(http.StatusOK, docContentTypes[format], body)
}
