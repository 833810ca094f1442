package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

var _ pilots.FeedbackStore = (*Store)(nil)

// CreateParticipants creates one participant of cohort per token hash, with
// ids that continue the pilot's sequence.
func (s *Store) CreateParticipants(ctx context.Context, pilotID, cohort string, hashes []string, at time.Time) ([]pilots.Participant, error) {
	switch {
	case cohort == "":
		return nil, pilots.Errorf(pilots.EINVALID, "invitations need a cohort")
	case len(hashes) < 1 || len(hashes) > pilots.MaxInvitations:
		return nil, pilots.Errorf(pilots.EINVALID, "the number of invitations must be 1 to %d, not %d", pilots.MaxInvitations, len(hashes))
	}
	for _, h := range hashes {
		if h == "" {
			return nil, pilots.Errorf(pilots.EINVALID, "an invitation needs a token hash")
		}
	}
	if at.IsZero() {
		at = s.now()
	}
	var ps []pilots.Participant
	err := s.inTx(ctx, "create participants of pilot "+pilotID, func(tx *sql.Tx) error {
		if err := requirePilot(ctx, tx, pilotID); err != nil {
			return err
		}
		// The single writer makes reading the highest number and inserting
		// after it one step; the primary key would refuse a clash anyway.
		var last int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(CAST(substr(id, 3) AS INTEGER)), 0)
			FROM participants WHERE pilot_id = ?`, pilotID).Scan(&last); err != nil {
			return fmt.Errorf("find last participant: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO participants (pilot_id, id, cohort, token_hash, created_at)
			VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		ps = make([]pilots.Participant, len(hashes))
		for i, h := range hashes {
			p := pilots.Participant{PilotID: pilotID, ID: pilots.ParticipantID(last + 1 + i), Cohort: cohort, TokenHash: h, CreatedAt: at.UTC()}
			_, err := stmt.ExecContext(ctx, p.PilotID, p.ID, p.Cohort, p.TokenHash, encTime(p.CreatedAt))
			if isUnique(err) {
				return pilots.Errorf(pilots.ECONFLICT, "an invitation token is already in use")
			}
			if err != nil {
				return fmt.Errorf("insert participant %s: %w", p.ID, err)
			}
			ps[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

const participantColumns = `pilot_id, id, cohort, token_hash, created_at, revoked_at`

func scanParticipant(r scanner) (pilots.Participant, error) {
	var p pilots.Participant
	var created, revoked sql.NullInt64
	if err := r.Scan(&p.PilotID, &p.ID, &p.Cohort, &p.TokenHash, &created, &revoked); err != nil {
		return pilots.Participant{}, err
	}
	p.CreatedAt = decTime(created)
	p.RevokedAt = decTimePtr(revoked)
	return p, nil
}

// ParticipantByTokenHash returns the participant invited with the secret
// whose hash is hash, unless revoked.
func (s *Store) ParticipantByTokenHash(ctx context.Context, hash string) (pilots.Participant, error) {
	return invitedParticipant(s.queryRow(ctx, qParticipantByHash, hash))
}

// invitedParticipant reads the row of qParticipantByHash; no row is
// ENOTFOUND.
func invitedParticipant(row *sql.Row) (pilots.Participant, error) {
	p, err := scanParticipant(row)
	if errors.Is(err, sql.ErrNoRows) {
		return pilots.Participant{}, pilots.Errorf(pilots.ENOTFOUND, "no such invitation")
	}
	if err != nil {
		return pilots.Participant{}, fmt.Errorf("look up participant: %w", err)
	}
	return p, nil
}

// Participants lists a pilot's participants in id order.
func (s *Store) Participants(ctx context.Context, pilotID string) ([]pilots.Participant, error) {
	what := "list participants of pilot " + pilotID
	var ps []pilots.Participant
	err := s.readPilot(ctx, what, pilotID, func(tx *sql.Tx) (err error) {
		// Numeric order, so P-10000 follows P-9999.
		ps, err = queryAll(ctx, tx, scanParticipant, `SELECT `+participantColumns+` FROM participants
			WHERE pilot_id = ? ORDER BY length(id), id`, pilotID)
		return wrapErr(what, err)
	})
	if err != nil {
		return nil, err
	}
	return ps, nil
}

// RevokeParticipant stops a participant's invitation from working; revoking
// again keeps the first time.
func (s *Store) RevokeParticipant(ctx context.Context, pilotID, id string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	return s.inTx(ctx, "revoke participant "+id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE participants SET revoked_at = coalesce(revoked_at, ?)
			WHERE pilot_id = ? AND id = ?`, encTime(at), pilotID, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return pilots.Errorf(pilots.ENOTFOUND, "no participant %s in pilot %q", id, pilotID)
		}
		return nil
	})
}

const responseColumns = `id, pilot_id, survey, participant_id, cohort, answers_json, submitted_at, receipt`

func scanResponse(r scanner) (pilots.Response, error) {
	var resp pilots.Response
	var participant sql.NullString
	var answers string
	var submitted sql.NullInt64
	if err := r.Scan(&resp.ID, &resp.PilotID, &resp.Survey, &participant, &resp.Cohort, &answers, &submitted, &resp.Receipt); err != nil {
		return pilots.Response{}, err
	}
	resp.Participant = participant.String
	resp.SubmittedAt = decTime(submitted)
	if err := json.Unmarshal([]byte(answers), &resp.Answers); err != nil {
		return pilots.Response{}, fmt.Errorf("decode answers of response %d: %w", resp.ID, err)
	}
	return resp, nil
}

// day returns midnight UTC of t's day: how precisely anonymous responses
// and their marks keep time.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SubmitResponse stores r once per participant and survey; see
// pilots.FeedbackStore.
func (s *Store) SubmitResponse(ctx context.Context, r pilots.Response, anonymous bool) (pilots.Response, bool, error) {
	switch {
	case r.PilotID == "":
		return pilots.Response{}, false, pilots.Errorf(pilots.EINVALID, "a response needs a pilot id")
	case r.Survey == "":
		return pilots.Response{}, false, pilots.Errorf(pilots.EINVALID, "a response needs a survey")
	case r.Participant == "":
		return pilots.Response{}, false, pilots.Errorf(pilots.EINVALID, "a response needs the participant who submits it")
	}
	if r.Answers == nil {
		r.Answers = pilots.Answers{}
	}
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return pilots.Response{}, false, pilots.Errorf(pilots.EINVALID, "the answers cannot be stored: %v", err)
	}
	if r.SubmittedAt.IsZero() {
		r.SubmittedAt = s.now()
	}
	r.SubmittedAt = r.SubmittedAt.UTC()
	if r.Receipt == "" {
		r.Receipt = pilots.NewReceipt()
	}
	r.ID = 0

	res := s.enqueue(ctx, &submission{ctx: ctx, r: r, anonymous: anonymous, answers: answers, done: make(chan submitResult, 1)})
	if res.err != nil {
		return pilots.Response{}, false, res.err
	}
	return res.stored, res.created, nil
}

// submitOne stores one response in tx: the participant must exist and not
// be revoked, and a repeat returns what was stored first.
func (s *Store) submitOne(ctx context.Context, tx *sql.Tx, r pilots.Response, anonymous bool, answers []byte) (pilots.Response, bool, error) {
	var revoked sql.NullInt64
	err := s.txQueryRow(ctx, tx, qSubmitter, r.PilotID, r.Participant).Scan(&r.Cohort, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked.Valid) {
		return pilots.Response{}, false, pilots.Errorf(pilots.ENOTFOUND, "no participant %s in pilot %q", r.Participant, r.PilotID)
	}
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("look up participant: %w", err)
	}
	if anonymous {
		return s.submitAnonymous(ctx, tx, r, answers)
	}
	return s.submitNamed(ctx, tx, r, answers)
}

// submitNamed inserts a response with its participant id; the unique
// constraint on (pilot, survey, participant) turns a repeat into a no-op,
// and the response stored first is returned instead.
func (s *Store) submitNamed(ctx context.Context, tx *sql.Tx, r pilots.Response, answers []byte) (pilots.Response, bool, error) {
	res, err := s.txExec(ctx, tx, qInsertNamed,
		r.PilotID, r.Survey, r.Participant, r.Cohort, string(answers), encTime(r.SubmittedAt), r.Receipt)
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("insert response: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return pilots.Response{}, false, fmt.Errorf("insert response: %w", err)
	} else if n == 1 {
		r.ID, err = res.LastInsertId()
		if err != nil {
			return pilots.Response{}, false, fmt.Errorf("insert response: %w", err)
		}
		return r, true, nil
	}
	row := s.txQueryRow(ctx, tx, qStoredNamed, r.PilotID, r.Survey, r.Participant)
	stored, err := scanResponse(row)
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("read stored response: %w", err)
	}
	return stored, false, nil
}

// submitAnonymous sets the participant's answered mark, which the primary
// key makes once only, and on success inserts the response without the
// participant. Neither row can lead to the other: the receipt is only on
// the mark, times are kept to the day and the marks are stored in key
// order. The response's id is not returned, so no caller can log the pair.
func (s *Store) submitAnonymous(ctx context.Context, tx *sql.Tx, r pilots.Response, answers []byte) (pilots.Response, bool, error) {
	r.SubmittedAt = day(r.SubmittedAt)
	res, err := s.txExec(ctx, tx, qMarkAnswered,
		r.PilotID, r.Participant, r.Survey, encTime(r.SubmittedAt), r.Receipt)
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("mark answered: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("mark answered: %w", err)
	}
	if n == 0 {
		var t sql.NullInt64
		stored := pilots.Response{PilotID: r.PilotID, Survey: r.Survey, Cohort: r.Cohort}
		if err := s.txQueryRow(ctx, tx, qStoredMark, r.PilotID, r.Participant, r.Survey).
			Scan(&t, &stored.Receipt); err != nil {
			return pilots.Response{}, false, fmt.Errorf("read answered mark: %w", err)
		}
		stored.SubmittedAt = decTime(t)
		return stored, false, nil
	}
	if _, err := s.txExec(ctx, tx, qInsertAnonymous,
		r.PilotID, r.Survey, r.Cohort, string(answers), encTime(r.SubmittedAt)); err != nil {
		return pilots.Response{}, false, fmt.Errorf("insert response: %w", err)
	}
	r.Participant = ""
	return r, true, nil
}

// Answered returns the surveys a participant has answered, by name.
func (s *Store) Answered(ctx context.Context, pilotID, participant string) (map[string]pilots.AnsweredSurvey, error) {
	rows, err := s.query(ctx, qAnswered, pilotID, participant)
	if err != nil {
		return nil, fmt.Errorf("list answered surveys of %s: %w", participant, err)
	}
	return scanAnswered(rows, pilotID, participant)
}

// scanAnswered reads and closes the rows of qAnswered.
func scanAnswered(rows *sql.Rows, pilotID, participant string) (map[string]pilots.AnsweredSurvey, error) {
	defer rows.Close()
	var out map[string]pilots.AnsweredSurvey // nil until the participant is found
	for rows.Next() {
		var survey, receipt sql.NullString
		var t sql.NullInt64
		if err := rows.Scan(&survey, &receipt, &t); err != nil {
			return nil, fmt.Errorf("list answered surveys of %s: %w", participant, err)
		}
		if out == nil {
			out = map[string]pilots.AnsweredSurvey{}
		}
		if survey.Valid {
			out[survey.String] = pilots.AnsweredSurvey{Survey: survey.String, Receipt: receipt.String, At: decTime(t)}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list answered surveys of %s: %w", participant, err)
	}
	if out == nil {
		return nil, pilots.Errorf(pilots.ENOTFOUND, "no participant %s in pilot %q", participant, pilotID)
	}
	return out, nil
}

// ForEachResponse calls fn with each of a pilot's responses in id order,
// one row at a time, from one consistent snapshot.
func (s *Store) ForEachResponse(ctx context.Context, pilotID string, fn func(pilots.Response) error) error {
	what := "read responses of pilot " + pilotID
	return s.readPilot(ctx, what, pilotID, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+responseColumns+` FROM responses
			WHERE pilot_id = ? ORDER BY id`, pilotID)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanResponse(rows)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			if err := fn(r); err != nil {
				return err // as is, as the contract says
			}
		}
		return wrapErr(what, rows.Err())
	})
}

// CountResponses returns the number of responses per survey and cohort.
func (s *Store) CountResponses(ctx context.Context, pilotID string) ([]pilots.ResponseCount, error) {
	what := "count responses of pilot " + pilotID
	var counts []pilots.ResponseCount
	err := s.readPilot(ctx, what, pilotID, func(tx *sql.Tx) (err error) {
		counts, err = queryAll(ctx, tx, func(r scanner) (c pilots.ResponseCount, err error) {
			err = r.Scan(&c.Survey, &c.Cohort, &c.N)
			return
		}, `SELECT survey, cohort, count(*) FROM responses
			WHERE pilot_id = ? GROUP BY survey, cohort ORDER BY survey, cohort`, pilotID)
		return wrapErr(what, err)
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// SetSurveyOverride records o as the state in force for its survey.
func (s *Store) SetSurveyOverride(ctx context.Context, o pilots.SurveyOverride) error {
	switch {
	case o.Survey == "":
		return pilots.Errorf(pilots.EINVALID, "a survey override needs a survey")
	case o.State != pilots.SurveyOpen && o.State != pilots.SurveyClosed:
		return pilots.Errorf(pilots.EINVALID, "a survey is %s or %s, not %q", pilots.SurveyOpen, pilots.SurveyClosed, o.State)
	}
	if o.Time.IsZero() {
		o.Time = s.now()
	}
	return s.inTx(ctx, "override survey "+o.Survey, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO survey_overrides (pilot_id, survey, state, actor, time)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pilot_id, survey) DO UPDATE SET state = excluded.state, actor = excluded.actor, time = excluded.time`,
			o.PilotID, o.Survey, o.State, o.Actor, encTime(o.Time))
		if isForeignKey(err) {
			return pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", o.PilotID)
		}
		return err
	})
}

// SurveyOverrides returns the overrides in force for a pilot's surveys.
func (s *Store) SurveyOverrides(ctx context.Context, pilotID string) ([]pilots.SurveyOverride, error) {
	rows, err := s.query(ctx, qOverrides, pilotID)
	if err != nil {
		return nil, fmt.Errorf("list survey overrides of pilot %s: %w", pilotID, err)
	}
	return scanOverrides(rows, pilotID)
}

// scanOverrides reads and closes the rows of qOverrides.
func scanOverrides(rows *sql.Rows, pilotID string) ([]pilots.SurveyOverride, error) {
	defer rows.Close()
	var list []pilots.SurveyOverride // nil until the pilot is found
	for rows.Next() {
		var survey, state, actor sql.NullString
		var t sql.NullInt64
		if err := rows.Scan(&survey, &state, &actor, &t); err != nil {
			return nil, fmt.Errorf("list survey overrides of pilot %s: %w", pilotID, err)
		}
		if list == nil {
			list = []pilots.SurveyOverride{}
		}
		if survey.Valid {
			list = append(list, pilots.SurveyOverride{PilotID: pilotID, Survey: survey.String, State: state.String, Actor: actor.String, Time: decTime(t)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list survey overrides of pilot %s: %w", pilotID, err)
	}
	if list == nil {
		return nil, pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", pilotID)
	}
	return list, nil
}

// AddUsage adds requests to a participant's count for a day.
func (s *Store) AddUsage(ctx context.Context, pilotID, participant, dayStr string, requests int) error {
	if _, err := time.Parse(pilots.DayLayout, dayStr); err != nil {
		return pilots.Errorf(pilots.EINVALID, "a usage day is written YYYY-MM-DD, not %q", dayStr)
	}
	if requests < 0 {
		return pilots.Errorf(pilots.EINVALID, "a usage count cannot be negative (%d)", requests)
	}
	return s.inTx(ctx, "add usage of "+participant, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO usage (pilot_id, participant_id, day, requests)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (pilot_id, participant_id, day) DO UPDATE SET requests = requests + excluded.requests`,
			pilotID, participant, dayStr, requests)
		if isForeignKey(err) {
			return pilots.Errorf(pilots.ENOTFOUND, "no participant %s in pilot %q", participant, pilotID)
		}
		return err
	})
}

// UsageDays returns a pilot's usage rows ordered by day and participant.
func (s *Store) UsageDays(ctx context.Context, pilotID string) ([]pilots.Usage, error) {
	what := "list usage of pilot " + pilotID
	var us []pilots.Usage
	err := s.readPilot(ctx, what, pilotID, func(tx *sql.Tx) (err error) {
		us, err = queryAll(ctx, tx, func(r scanner) (u pilots.Usage, err error) {
			err = r.Scan(&u.PilotID, &u.Participant, &u.Day, &u.Requests)
			return
		}, `SELECT pilot_id, participant_id, day, requests FROM usage
			WHERE pilot_id = ? ORDER BY day, length(participant_id), participant_id`, pilotID)
		return wrapErr(what, err)
	})
	if err != nil {
		return nil, err
	}
	return us, nil
}
