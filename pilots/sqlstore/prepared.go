package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The participant pages read a participant, a pilot, its overrides and the
// participant's answers on every request, and every submission writes a
// few rows. Parsing those statements anew each time costs more than running
// them, so they are prepared once. database/sql keeps a prepared statement
// per connection of its pool and prepares it on a connection when first
// used there; a transaction on the writer reuses the one prepared on that
// connection (see Tx.StmtContext).

// Statements of the read pool.
const (
	qParticipantByHash = `SELECT ` + participantColumns + ` FROM participants
		WHERE token_hash = ? AND revoked_at IS NULL`

	// qPilot: an exact id wins; among pilots of that name the newest wins.
	qPilot = `SELECT ` + pilotColumns + ` FROM pilots
		WHERE id = ?1 OR name = ?1
		ORDER BY id = ?1 DESC, created_at DESC, rowid DESC LIMIT 1`

	qPilotByID = `SELECT ` + pilotColumns + ` FROM pilots WHERE id = ?`

	// qAnswered is one statement, so one snapshot: no row at all means no
	// such participant, one row with a NULL survey means nothing answered.
	qAnswered = `SELECT a.survey, a.receipt, a.t FROM participants p
		LEFT JOIN (
			SELECT survey, receipt, submitted_at AS t FROM responses WHERE pilot_id = ?1 AND participant_id = ?2
			UNION ALL
			SELECT survey, receipt, time FROM answered WHERE pilot_id = ?1 AND participant_id = ?2
		) a ON 1
		WHERE p.pilot_id = ?1 AND p.id = ?2`

	// qOverrides is shaped like qAnswered: no row means no such pilot.
	qOverrides = `SELECT o.survey, o.state, o.actor, o.time FROM pilots p
		LEFT JOIN survey_overrides o ON o.pilot_id = p.id
		WHERE p.id = ? ORDER BY o.survey`
)

// Statements of the writer, run by the committer.
const (
	qSavepoint  = `SAVEPOINT submission`
	qRollbackTo = `ROLLBACK TO submission`
	qRelease    = `RELEASE submission`

	qSubmitter = `SELECT cohort, revoked_at FROM participants WHERE pilot_id = ? AND id = ?`

	qInsertNamed = `INSERT INTO responses
		(pilot_id, survey, participant_id, cohort, answers_json, submitted_at, receipt)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (pilot_id, survey, participant_id) DO NOTHING`
	qStoredNamed = `SELECT ` + responseColumns + ` FROM responses
		WHERE pilot_id = ? AND survey = ? AND participant_id = ?`

	qMarkAnswered = `INSERT INTO answered (pilot_id, participant_id, survey, time, receipt)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (pilot_id, participant_id, survey) DO NOTHING`
	qStoredMark = `SELECT time, receipt FROM answered
		WHERE pilot_id = ? AND participant_id = ? AND survey = ?`
	qInsertAnonymous = `INSERT INTO responses
		(pilot_id, survey, participant_id, cohort, answers_json, submitted_at, receipt)
		VALUES (?, ?, NULL, ?, ?, ?, '')`
)

// prepare prepares the statements above. It runs in Open, before the
// committer starts: preparing on the writer pool needs its one connection,
// which a running transaction would hold.
func (s *Store) prepare(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for db, queries := range map[*sql.DB][]string{
		s.read:  {qParticipantByHash, qPilot, qPilotByID, qAnswered, qOverrides},
		s.write: {qSavepoint, qRollbackTo, qRelease, qSubmitter, qInsertNamed, qStoredNamed, qMarkAnswered, qStoredMark, qInsertAnonymous},
	} {
		for _, q := range queries {
			st, err := db.PrepareContext(ctx, q)
			if err != nil {
				return fmt.Errorf("prepare statement: %w", err)
			}
			s.stmts[q] = st
		}
	}
	return nil
}

// closeStatements releases what prepare made.
func (s *Store) closeStatements() error {
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// queryRow runs query, one of the read statements above, on the read pool.
// The map is written only in Open, so reading it needs no lock; a query
// that was not prepared still runs, parsed anew.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.read.QueryRowContext(ctx, query, args...)
}

// query is queryRow for several rows.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.read.QueryContext(ctx, query, args...)
}

// txQueryRow runs query, one of the statements above, in tx.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// txQuery is txQueryRow for several rows.
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// txExec is txQueryRow for a statement that returns no rows.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.stmts[query]; st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}
