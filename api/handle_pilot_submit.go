package api

import (
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// maxPilotFile is the largest pilot file accepted; real ones are a few KiB.
const maxPilotFile = 1 << 20

// defaultFilename names a submitted file in diagnostics when the client
// did not say what it is called.
const defaultFilename = "pilot.hcl"

// handlePilotSubmit stores the HCL in the body as a draft pilot. Any
// content type is accepted: the body is the file.
func (s *server) handlePilotSubmit() gin.HandlerFunc {
	return func(c *gin.Context) {
		src, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxPilotFile))
		if err != nil {
			s.writeError(c, fmt.Errorf("read pilot file: %w", err))
			return
		}
		if len(strings.TrimSpace(string(src))) == 0 {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "the request body is empty: send the pilot file (HCL) as the body"))
			return
		}
		filename, err := submitFilename(c.Query("filename"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		p, err := s.svc.Submit(c.Request.Context(), actor(c), filename, src)
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Header("Location", "/api/v1/pilots/"+p.ID)
		c.JSON(http.StatusCreated, SubmitResult{ID: p.ID, Name: p.Name, Status: p.Status})
	}
}

// submitFilename keeps only the base name a client sent: it labels
// diagnostics and is never opened.
func submitFilename(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return defaultFilename, nil
	}
	if len(q) > 255 || strings.ContainsFunc(q, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", pilots.Errorf(pilots.EINVALID, "filename must be at most 255 printable characters")
	}
	base := path.Base(strings.ReplaceAll(q, `\`, "/"))
	if base == "/" || base == "." || base == ".." {
		return defaultFilename, nil
	}
	return base, nil
}
