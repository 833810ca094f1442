package api

import "github.com/gin-gonic/gin"

// routes lists the whole HTTP surface.
func (s *server) routes(r *gin.Engine) {
	r.Use(s.observe(), s.recoverPanics())
	r.NoRoute(s.handleNotFound())
	r.NoMethod(s.handleMethodNotAllowed())

	r.GET("/healthz", s.handleHealthz())
	r.GET("/readyz", s.handleReadyz())
	r.GET("/metrics", s.handleMetrics())

	v1 := r.Group("/api/v1", s.authenticate())
	v1.POST("/pilots", s.requireAdmin(), s.handlePilotSubmit())
	v1.GET("/pilots", s.handlePilotList())
	v1.GET("/pilots/:id", s.handlePilotShow())
	v1.GET("/pilots/:id/source", s.handlePilotSource())
	v1.POST("/pilots/:id/approve", s.requireAdmin(), s.handlePilotTransition(Service.Approve))
	v1.POST("/pilots/:id/start", s.requireAdmin(), s.handlePilotTransition(Service.Start))
	v1.POST("/pilots/:id/close", s.requireAdmin(), s.handlePilotTransition(Service.Close))
	v1.POST("/pilots/:id/withdraw", s.requireAdmin(), s.handlePilotTransition(Service.Withdraw))
	v1.GET("/pilots/:id/testbeds", s.handleTestbeds())
	v1.GET("/pilots/:id/events", s.handleEvents())
	s.feedbackRoutes(v1)   // invitations, participants, survey overrides, response exports
	s.reportRoutes(v1)     // report, dossier, promote and reject
	s.participantRoutes(r) // participant pages under /p/ and the gateway under /try/
	s.adminRoutes(r)       // admin web UI under /admin
}
