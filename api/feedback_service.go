package api

import (
	"context"

	"github.com/pilotbed/pilotbed/pilots"
)

// FeedbackService is what the admin API needs for invitations, survey
// windows and response exports. *orchestrator.Orchestrator implements it.
type FeedbackService interface {
	// Invite creates count invitations for a cohort of a running or
	// scheduled pilot and returns their secrets, once. Returns ENOTFOUND for
	// an unknown pilot or cohort, EINVALID for a count outside
	// 1..pilots.MaxInvitations, ECONFLICT for a pilot past closing.
	Invite(ctx context.Context, actor, idOrName, cohort string, count int) ([]pilots.Invitation, error)
	// Participants lists a pilot's participants (never their secrets).
	Participants(ctx context.Context, idOrName string) ([]pilots.Participant, error)
	// RevokeParticipant makes a participant's link stop working; recorded
	// as an event. Returns ENOTFOUND for an unknown participant.
	RevokeParticipant(ctx context.Context, actor, idOrName, participant string) error
	// SetSurveyState opens or closes a survey by hand, overriding its
	// declared window; state is pilots.SurveyOpen or pilots.SurveyClosed.
	// Recorded as an event.
	SetSurveyState(ctx context.Context, actor, idOrName, survey, state string) error
	// ExportResponses streams a pilot's responses in submit order. It
	// returns the pilot first through start, so a handler can write headers
	// before the first row; an error from fn stops the export.
	ExportResponses(ctx context.Context, idOrName string, start func(pilots.Pilot) error, fn func(pilots.Response) error) error
}
