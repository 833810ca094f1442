package api

import (
	"context"

	"github.com/pilotbed/pilotbed/pilots"
)

// ParticipantService is what participant pages and the gateway need.
// *orchestrator.Orchestrator implements it. secret is the invitation secret
// from the participant's link; it is only ever compared by hash.
type ParticipantService interface {
	// ParticipantView resolves a secret to the participant's view. Returns
	// ENOTFOUND for an unknown or revoked secret.
	ParticipantView(ctx context.Context, secret string) (pilots.ParticipantView, error)
	// SubmitResponse stores the participant's answers to a survey once.
	// A repeated submit returns the stored response and created=false.
	// Returns ENOTFOUND (secret, survey), ECONFLICT when the survey is not
	// open.
	SubmitResponse(ctx context.Context, secret, survey string, answers pilots.Answers) (resp pilots.Response, created bool, err error)
	// Endpoint returns the base URL of the entry service of the
	// participant's cohort's candidate. Returns ENOTFOUND for an unknown
	// secret or a pilot other than idOrName, EUNAVAILABLE when the testbed
	// is not running.
	Endpoint(ctx context.Context, secret, idOrName string) (string, error)
	// RecordUse counts requests through the gateway per participant and
	// day for the usage measures.
	RecordUse(ctx context.Context, secret string, requests int) error
}
