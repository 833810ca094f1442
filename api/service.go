package api

import (
	"context"

	"github.com/pilotbed/pilotbed/pilots"
)

// Service is what the HTTP layer needs from the use cases. The orchestrator
// implements it; tests use the in-memory stand-in in package apitest.
type Service interface {
	// Submit parses one pilot file (exactly one pilot block) and stores it as a draft.
	// Invalid files return *pilots.DiagnosticsError (-> HTTP 422 {"diagnostics": [...]}).
	Submit(ctx context.Context, actor, filename string, src []byte) (pilots.Pilot, error)
	// Pilots lists pilots, newest first.
	Pilots(ctx context.Context, filter pilots.PilotFilter) ([]pilots.Pilot, error)
	// Pilot returns a pilot by id or name. Returns ENOTFOUND if there is none.
	Pilot(ctx context.Context, idOrName string) (pilots.Pilot, error)
	// Approve moves a draft to scheduled. Returns ECONFLICT from any other status.
	Approve(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)
	// Start moves a draft or scheduled pilot to provisioning; testbeds come
	// up in the background and the pilot becomes running.
	Start(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)
	// Close moves a provisioning, running or failed pilot to closing (then
	// closed in the background).
	Close(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)
	// Withdraw moves a draft or scheduled pilot to withdrawn.
	Withdraw(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)
	// Testbeds reports the testbed of every candidate of a pilot.
	Testbeds(ctx context.Context, idOrName string) ([]pilots.TestbedStatus, error)
	// Events returns a pilot's audit trail.
	Events(ctx context.Context, idOrName string, filter pilots.EventFilter) ([]pilots.Event, error)
	// Ready returns nil when the store and the container runtime answer;
	// the error names which does not.
	Ready(ctx context.Context) error
}

// Tokens looks up API tokens; the store satisfies it.
type Tokens interface {
	// TokenByHash returns the token with the given hash. Returns ENOTFOUND
	// if there is none or it is revoked.
	TokenByHash(ctx context.Context, hash string) (pilots.Token, error)
}
