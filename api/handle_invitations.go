package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// feedbackRoutes lists the admin API of participants, surveys and
// responses. Writes need an admin token; reads any token. The feedback
// check comes after the role check, so a server without a feedback service
// still refuses a viewer's write with 403 rather than 503.
func (s *server) feedbackRoutes(v1 *gin.RouterGroup) {
	v1.POST("/pilots/:id/invitations", s.requireAdmin(), s.needFeedback(), s.handleInvite())
	v1.GET("/pilots/:id/participants", s.needFeedback(), s.handleParticipants())
	v1.POST("/pilots/:id/participants/:participant/revoke", s.requireAdmin(), s.needFeedback(), s.handleRevokeParticipant())
	v1.POST("/pilots/:id/surveys/:survey/open", s.requireAdmin(), s.needFeedback(), s.handleSurveyState(pilots.SurveyOpen))
	v1.POST("/pilots/:id/surveys/:survey/close", s.requireAdmin(), s.needFeedback(), s.handleSurveyState(pilots.SurveyClosed))
	v1.GET("/pilots/:id/responses", s.needFeedback(), s.handleResponses())
}

// needFeedback answers 503 when the server was built without a feedback
// service.
func (s *server) needFeedback() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.feedback == nil {
			s.writeError(c, pilots.Errorf(pilots.EUNAVAILABLE, "this server does not serve participants and feedback"))
			return
		}
		c.Next()
	}
}

// maxInviteBody bounds an invitation request; the real one is tiny.
const maxInviteBody = 4 << 10

// InviteNotice tells whoever asked for invitations that the links cannot
// be shown again.
const InviteNotice = "These links are shown once: pilotbed keeps only a hash of each. Hand each link to one participant; a lost link cannot be recovered, only revoked and replaced by a new invitation."

// InviteRequest is the body of POST /api/v1/pilots/{id}/invitations.
type InviteRequest struct {
	Cohort string `json:"cohort"`
	Count  int    `json:"count"`
}

// InvitationView is one new participant's link.
type InvitationView struct {
	Participant string `json:"participant"`
	Cohort      string `json:"cohort"`
	URL         string `json:"url"`
}

// InvitationList is the answer of POST /api/v1/pilots/{id}/invitations.
type InvitationList struct {
	Invitations []InvitationView `json:"invitations"`
	Notice      string           `json:"notice"`
}

// ParticipantView is a participant as the admin API shows them: never the
// hash of their secret.
type ParticipantView struct {
	ID        string     `json:"id"`
	Cohort    string     `json:"cohort"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// ParticipantList is the answer of GET /api/v1/pilots/{id}/participants.
type ParticipantList struct {
	Participants []ParticipantView `json:"participants"`
}

// RevokeResult is the answer of POST
// /api/v1/pilots/{id}/participants/{participant}/revoke.
type RevokeResult struct {
	Participant string `json:"participant"`
	Revoked     bool   `json:"revoked"`
}

// handleInvite creates invitations and answers their links, once.
func (s *server) handleInvite() gin.HandlerFunc {
	return func(c *gin.Context) {
		req, err := decodeInvite(c.Request)
		if err != nil {
			s.writeError(c, err)
			return
		}
		invs, err := s.feedback.Invite(c.Request.Context(), actor(c), c.Param("id"), req.Cohort, req.Count)
		if err != nil {
			s.writeError(c, err)
			return
		}
		base := baseURL(c.Request)
		out := InvitationList{Invitations: make([]InvitationView, 0, len(invs)), Notice: InviteNotice}
		for _, inv := range invs {
			out.Invitations = append(out.Invitations, InvitationView{
				Participant: inv.Participant, Cohort: inv.Cohort, URL: base + "/p/" + inv.Secret,
			})
		}
		// The links are credentials: no cache along the way may keep them.
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusCreated, out)
	}
}

// decodeInvite reads {"cohort": "...", "count": N}, refusing unknown
// fields and trailing data so a typo is not silently dropped.
func decodeInvite(r *http.Request) (InviteRequest, error) {
	var req InviteRequest
	if err := decodeJSON(r, &req, maxInviteBody, `{"cohort": "...", "count": N}`, false); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Cohort) == "" {
		return req, pilots.Errorf(pilots.EINVALID, "cohort is required: name the cohort of the pilot to invite participants to")
	}
	if req.Count < 1 || req.Count > pilots.MaxInvitations {
		return req, pilots.Errorf(pilots.EINVALID, "count must be from 1 to %d, not %d", pilots.MaxInvitations, req.Count)
	}
	return req, nil
}

// baseURL is the scheme and host the request reached the server at, which
// is where participants reach it too. Behind a TLS-terminating proxy the
// scheme comes from X-Forwarded-Proto; the host is the request's Host,
// which the proxy passes on. Only admins can ask for links, so a forged
// header can only mislead the admin who forged it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if isTLS(r) {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// handleParticipants lists a pilot's participants.
func (s *server) handleParticipants() gin.HandlerFunc {
	return func(c *gin.Context) {
		ps, err := s.feedback.Participants(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.writeError(c, err)
			return
		}
		out := ParticipantList{Participants: make([]ParticipantView, 0, len(ps))}
		for _, p := range ps {
			out.Participants = append(out.Participants, ParticipantView{
				ID: p.ID, Cohort: p.Cohort, CreatedAt: p.CreatedAt, RevokedAt: p.RevokedAt,
			})
		}
		c.JSON(http.StatusOK, out)
	}
}

// handleRevokeParticipant makes a participant's link stop working.
func (s *server) handleRevokeParticipant() gin.HandlerFunc {
	return func(c *gin.Context) {
		part := c.Param("participant")
		if err := s.feedback.RevokeParticipant(c.Request.Context(), actor(c), c.Param("id"), part); err != nil {
			s.writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, RevokeResult{Participant: part, Revoked: true})
	}
}
