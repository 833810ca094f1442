package api

import (
	"bufio"
	"errors"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// Streaming of exports: rows go through a buffer of exportBuffer bytes,
// which is handed to the connection whenever it fills and at least every
// flushEvery rows, so the client sees progress and the server holds one
// row and one buffer, however many responses there are.
const (
	exportBuffer = 32 << 10
	flushEvery   = 1000
)

// handleResponses streams a pilot's responses as ?format=csv (the
// default), json or ndjson, as an attachment named <pilot>-responses.<ext>.
func (s *server) handleResponses() gin.HandlerFunc {
	return func(c *gin.Context) {
		format := c.DefaultQuery("format", FormatCSV)
		f, ok := exportFormats[format]
		if !ok {
			s.writeError(c, pilots.Errorf(pilots.EINVALID, "format must be one of %s, not %q", formatList(), format))
			return
		}

		bw := bufio.NewWriterSize(c.Writer, exportBuffer)
		var ex exporter
		rows := 0
		err := s.feedback.ExportResponses(c.Request.Context(), c.Param("id"),
			func(p pilots.Pilot) error {
				h := c.Writer.Header()
				h.Set("Content-Type", f.contentType)
				h.Set("Content-Disposition", mime.FormatMediaType("attachment",
					map[string]string{"filename": p.Name + "-responses." + f.ext}))
				h.Set("X-Content-Type-Options", "nosniff")
				// Responses are personal data: no cache may keep a copy.
				h.Set("Cache-Control", "no-store")
				c.Status(http.StatusOK)
				ex = newExporter(format, bw, p.Spec)
				return ex.begin()
			},
			func(r pilots.Response) error {
				if err := ex.write(r); err != nil {
					return err
				}
				rows++
				if rows%flushEvery == 0 {
					return flush(c, bw)
				}
				return nil
			})
		if err == nil && ex == nil {
			err = errors.New("export ended without starting")
		}
		if err == nil {
			if err = ex.end(); err == nil {
				err = flush(c, bw)
			}
		}
		if err == nil {
			return
		}
		if !c.Writer.Written() {
			// Nothing has left the buffer yet (a failure before the first
			// row, or early in a small export): a proper error answer is
			// still possible.
			bw.Reset(c.Writer)
			h := c.Writer.Header()
			for _, k := range []string{"Content-Type", "Content-Disposition", "X-Content-Type-Options"} {
				h.Del(k)
			}
			s.writeError(c, err)
			return
		}
		// The status and part of the body are on their way: an error can
		// no longer be answered, only logged. Aborting the connection makes
		// the client see a broken transfer rather than a file that looks
		// complete but is short.
		if c.Request.Context().Err() != nil {
			s.log.Info("response export stopped: the client went away",
				zap.String("pilot", c.Param("id")), zap.String("format", format), zap.Int("rows", rows))
		} else {
			s.log.Error("response export failed after it started",
				zap.String("pilot", c.Param("id")), zap.String("format", format), zap.Int("rows", rows), zap.Error(err))
		}
		panic(http.ErrAbortHandler)
	}
}

// flush hands what is buffered to the client.
func flush(c *gin.Context, bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return err
	}
	c.Writer.Flush()
	return nil
}

func formatList() string {
	names := make([]string, 0, len(exportFormats))
	for n := range exportFormats {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
