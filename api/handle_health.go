package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pilotbed/pilotbed/pilots"
)

// readyTimeout bounds a readiness check so a hung dependency answers 503
// rather than hanging the probe.
const readyTimeout = 3 * time.Second

// handleHealthz answers as long as the process serves requests.
func (s *server) handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.String(http.StatusOK, "ok")
	}
}

// handleReadyz answers 200 when the store and the container runtime answer,
// 503 naming the one that does not.
func (s *server) handleReadyz() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.svc == nil {
			s.writeError(c, pilots.Errorf(pilots.EUNAVAILABLE, "not ready: no service is configured"))
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
		defer cancel()
		if err := s.svc.Ready(ctx); err != nil {
			// The reason is meant for operators: say what does not answer.
			msg := err.Error()
			var pe *pilots.Error
			if errors.As(err, &pe) {
				msg = pe.Message
			}
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: pilots.EUNAVAILABLE, Message: "not ready: " + msg}})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready", "version": s.version})
	}
}

func (s *server) handleMetrics() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})
	return gin.WrapH(h)
}
