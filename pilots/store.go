package pilots

import (
	"context"
	"time"
)

// Store keeps pilots, their audit trail and API tokens. Implementations are
// safe for concurrent use and commit durably before returning. The contract
// is checked by the shared suite in pilots/storetest.
type Store interface {
	// CreatePilot stores a new pilot together with its first event.
	// Returns ECONFLICT if a pilot with the same name exists and is not
	// withdrawn, EINVALID if p lacks an ID or name.
	CreatePilot(ctx context.Context, p Pilot, ev Event) error

	// Pilot returns the pilot whose ID or, failing that, whose name is
	// idOrName (the newest, when withdrawn pilots share the name).
	// Returns ENOTFOUND if there is none.
	Pilot(ctx context.Context, idOrName string) (Pilot, error)

	// Pilots lists pilots, newest first, optionally only those in the given
	// statuses.
	Pilots(ctx context.Context, filter PilotFilter) ([]Pilot, error)

	// Transition moves a pilot from one status to another and records ev
	// in the same transaction. It is a compare-and-set: returns ECONFLICT
	// if the pilot is not in status from, ENOTFOUND if it does not exist.
	// ev.From and ev.To are filled in from from and to.
	Transition(ctx context.Context, id string, from, to Status, reason string, ev Event) (Pilot, error)

	// AddEvent appends an event to a pilot's audit trail and returns it
	// with its ID. Returns ENOTFOUND if the pilot does not exist.
	AddEvent(ctx context.Context, ev Event) (Event, error)

	// Events returns a pilot's events in order, those with ID > filter.After,
	// at most filter.Limit (0: all). Returns ENOTFOUND if the pilot does not
	// exist.
	Events(ctx context.Context, pilotID string, filter EventFilter) ([]Event, error)

	// CreateToken stores an API token; only its hash is ever stored.
	// Returns ECONFLICT if the hash or name exists.
	CreateToken(ctx context.Context, t Token) error

	// TokenByHash returns the token with the given hash. Returns ENOTFOUND
	// if there is none or it is revoked.
	TokenByHash(ctx context.Context, hash string) (Token, error)

	// CountTokens returns the number of tokens that are not revoked.
	CountTokens(ctx context.Context) (int, error)

	// Ping checks that the store can be used.
	Ping(ctx context.Context) error

	// Close releases the store.
	Close() error
}

// PilotFilter narrows Store.Pilots.
type PilotFilter struct {
	Statuses []Status
}

// EventFilter narrows Store.Events.
type EventFilter struct {
	After int64
	Limit int
	Kind  string // only events of this kind, when set
}

// Role is what a token may do.
type Role string

// Roles of API tokens.
const (
	RoleAdmin  Role = "admin"  // may change pilots
	RoleViewer Role = "viewer" // may only read
)

// Token is an API credential. The secret itself is shown once and never
// stored; Hash is the hex SHA-256 of it.
type Token struct {
	ID        string
	Name      string
	Role      Role
	Hash      string
	CreatedAt time.Time
	RevokedAt *time.Time
}
