package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// Codes of errors that only the HTTP layer produces.
const (
	codeTooLarge         = "too_large"
	codeMethodNotAllowed = "method_not_allowed"
)

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the code and message of an error answer. Codes are stable;
// messages are written for people.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DiagnosticsBody is the JSON of a 422 answer to an invalid pilot file.
type DiagnosticsBody struct {
	Diagnostics []pilots.Diagnostic `json:"diagnostics"`
}

// errorStatus is the one place where an error code becomes an HTTP status.
func errorStatus(code string) int {
	switch code {
	case pilots.ENOTFOUND:
		return http.StatusNotFound
	case pilots.EINVALID:
		return http.StatusBadRequest
	case pilots.ECONFLICT:
		return http.StatusConflict
	case pilots.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case pilots.EFORBIDDEN:
		return http.StatusForbidden
	case pilots.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case pilots.ETOOMANYREQUEST:
		return http.StatusTooManyRequests
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

// writeError answers with err as JSON and stops the handler chain. Faults
// of pilotbed itself are logged here, once, and answered with a generic
// message so internals never reach the client.
func (s *server) writeError(c *gin.Context, err error) {
	var diags *pilots.DiagnosticsError
	if errors.As(err, &diags) {
		d := diags.Diagnostics
		if d == nil {
			d = []pilots.Diagnostic{}
		}
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, DiagnosticsBody{Diagnostics: d})
		return
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = pilots.Errorf(codeTooLarge, "request body is larger than %d bytes", tooLarge.Limit)
	}

	code := pilots.ErrorCode(err)
	status := errorStatus(code)
	msg := pilots.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", zap.String("method", c.Request.Method), zap.String("path", routeOf(c)), zap.Error(err))
		code, msg = pilots.EINTERNAL, "internal error"
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="pilotbed"`)
	}
	c.AbortWithStatusJSON(status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
}

// routeOf returns the route template of the request, never the raw path,
// which may carry secrets such as participant tokens.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

func (s *server) handleNotFound() gin.HandlerFunc {
	return func(c *gin.Context) {
		s.writeError(c, pilots.Errorf(pilots.ENOTFOUND, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
	}
}

func (s *server) handleMethodNotAllowed() gin.HandlerFunc {
	return func(c *gin.Context) {
		// gin has already set the Allow header.
		s.writeError(c, pilots.Errorf(codeMethodNotAllowed, "method %s is not allowed here; allowed: %s", c.Request.Method, c.Writer.Header().Get("Allow")))
	}
}
