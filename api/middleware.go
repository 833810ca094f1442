package api

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// observe logs every request and records its duration. It logs the route
// template rather than the path, and no headers, so tokens never reach the
// log.
func (s *server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		route := routeOf(c)
		status := c.Writer.Status()
		if s.duration != nil {
			s.duration.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Observe(elapsed.Seconds())
		}
		s.log.Info("request",
			zap.String("method", c.Request.Method),
			zap.String("path", route), // the template: raw paths may hold secrets
			zap.Int("status", status),
			zap.Duration("duration", elapsed),
			zap.Int("bytes", c.Writer.Size()),
		)
	}
}

// recoverPanics turns a panic in a handler into a logged 500 JSON answer, so one
// bad request never takes the server down.
func (s *server) recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			// net/http uses this panic to abort a response on purpose.
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.log.Error("handler panicked",
				zap.String("method", c.Request.Method),
				zap.String("path", routeOf(c)),
				zap.String("panic", fmt.Sprint(v)),
				zap.ByteString("stack", debug.Stack()),
			)
			if c.Writer.Written() {
				c.Abort()
				return
			}
			c.AbortWithStatusJSON(http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{Code: pilots.EINTERNAL, Message: "internal error"}})
		}()
		c.Next()
	}
}

// tokenKey is where authenticate leaves the caller's token.
const tokenKey = "pilotbed.token"

// authenticate requires a valid bearer token and remembers it for the
// handlers.
func (s *server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		secret, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			s.writeError(c, pilots.Errorf(pilots.EUNAUTHORIZED, "missing bearer token: send 'Authorization: Bearer <token>'"))
			return
		}
		if s.tokens == nil {
			s.writeError(c, pilots.Errorf(pilots.EUNAVAILABLE, "no token store is configured"))
			return
		}
		// Looking the secret up by its hash means a timing difference
		// reveals nothing about the secret itself.
		tok, err := s.tokens.TokenByHash(c.Request.Context(), pilots.HashSecret(secret))
		switch {
		case pilots.ErrorCode(err) == pilots.ENOTFOUND:
			s.writeError(c, pilots.Errorf(pilots.EUNAUTHORIZED, "unknown or revoked token"))
			return
		case err != nil:
			s.writeError(c, fmt.Errorf("look up token: %w", err))
			return
		case tok.RevokedAt != nil:
			s.writeError(c, pilots.Errorf(pilots.EUNAUTHORIZED, "unknown or revoked token"))
			return
		}
		c.Set(tokenKey, tok)
		c.Next()
	}
}

// bearer extracts the secret of an "Authorization: Bearer <secret>" header.
func bearer(header string) (string, bool) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	secret = strings.TrimSpace(secret)
	return secret, secret != ""
}

// requireAdmin refuses tokens that may only read.
func (s *server) requireAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if token(c).Role != pilots.RoleAdmin {
			s.writeError(c, pilots.Errorf(pilots.EFORBIDDEN, "this action needs an admin token; token %q may only read", token(c).Name))
			return
		}
		c.Next()
	}
}

// token returns the caller's token; authenticate has put it there.
func token(c *gin.Context) pilots.Token {
	v, _ := c.Get(tokenKey)
	t, _ := v.(pilots.Token)
	return t
}

// actor is the name recorded in the audit trail for the caller.
func actor(c *gin.Context) string { return token(c).Name }
