package api

import "github.com/gin-gonic/gin"

// participantRoutes adds the participant pages and the gateway:
//
//	GET  /p/{token}                       the participant's page; sets the session cookie
//	GET  /p/{token}/s/{survey}            a survey form
//	POST /p/{token}/s/{survey}            _step=check (default), edit or confirm
//	GET  /p/{token}/s/{survey}/kvitto     the receipt of a stored response
//	ANY  /try/{pilot}                     redirect to /try/{pilot}/
//	ANY  /try/{pilot}/{path...}           reverse proxy to the cohort's candidate
//
// Every unsafe request is checked by http.CrossOriginProtection; the pages
// are rate-limited per invitation and per client, the gateway per client.
func (s *server) participantRoutes(r *gin.Engine) {
	pp := newParticipantPages(s)
	p := r.Group("/p", pp.limitParticipant())
	p.GET("/:token", pp.handleParticipantHome())
	p.GET("/:token/s/:survey", pp.handleSurveyForm())
	p.POST("/:token/s/:survey", pp.crossOrigin(), pp.handleSurveyPost())
	p.GET("/:token/s/:survey/kvitto", pp.handleReceipt())

	try := r.Group("/try", pp.limitGateway(), pp.crossOrigin())
	try.Any("/:pilot", pp.handleGatewayRedirect())
	try.Any("/:pilot/*path", pp.handleGateway())
}
