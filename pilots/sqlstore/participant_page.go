package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pilotbed/pilotbed/pilots"
)

// ParticipantPage reads in one read transaction, so from one snapshot, all
// that a participant page needs on every request: the participant invited
// with the secret whose hash is tokenHash, the pilot, the survey overrides
// in force and the surveys the participant has answered. It is
// ParticipantByTokenHash, Pilot, SurveyOverrides and Answered at the cost
// of one visit to the read pool instead of four.
//
// Returns ENOTFOUND if there is no such participant, it is revoked, or its
// pilot is gone.
func (s *Store) ParticipantPage(ctx context.Context, tokenHash string) (pilots.Participant, pilots.Pilot, []pilots.SurveyOverride, map[string]pilots.AnsweredSurvey, error) {
	fail := func(err error) (pilots.Participant, pilots.Pilot, []pilots.SurveyOverride, map[string]pilots.AnsweredSurvey, error) {
		return pilots.Participant{}, pilots.Pilot{}, nil, nil, err
	}
	// Waiting in arrival order for a connection, rather than being picked
	// at random among the waiters by database/sql, keeps the slowest
	// requests close to the typical ones under load.
	select {
	case s.readSem <- struct{}{}:
	case <-ctx.Done():
		return fail(fmt.Errorf("read participant page: %w", ctx.Err()))
	}
	defer func() { <-s.readSem }()
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fail(fmt.Errorf("read participant page: %w", err))
	}
	defer tx.Rollback()
	part, err := invitedParticipant(s.txQueryRow(ctx, tx, qParticipantByHash, tokenHash))
	if err != nil {
		return fail(err)
	}
	p, err := scanPilot(s.txQueryRow(ctx, tx, qPilotByID, part.PilotID))
	if errors.Is(err, sql.ErrNoRows) {
		return fail(pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", part.PilotID))
	}
	if err != nil {
		return fail(fmt.Errorf("get pilot %q: %w", part.PilotID, err))
	}
	rows, err := s.txQuery(ctx, tx, qOverrides, p.ID)
	if err != nil {
		return fail(fmt.Errorf("list survey overrides of pilot %s: %w", p.ID, err))
	}
	overrides, err := scanOverrides(rows, p.ID)
	if err != nil {
		return fail(err)
	}
	rows, err = s.txQuery(ctx, tx, qAnswered, p.ID, part.ID)
	if err != nil {
		return fail(fmt.Errorf("list answered surveys of %s: %w", part.ID, err))
	}
	answered, err := scanAnswered(rows, p.ID, part.ID)
	if err != nil {
		return fail(err)
	}
	return part, p, overrides, answered, nil
}
