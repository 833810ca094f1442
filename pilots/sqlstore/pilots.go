package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pilotbed/pilotbed/pilots"
)

const pilotColumns = `id, name, status, reason, spec_json, source, source_hash, created_at, updated_at, created_by`

// CreatePilot stores a new pilot together with its first event.
func (s *Store) CreatePilot(ctx context.Context, p pilots.Pilot, ev pilots.Event) error {
	if p.ID == "" {
		return pilots.Errorf(pilots.EINVALID, "a pilot needs an id")
	}
	if p.Name == "" {
		return pilots.Errorf(pilots.EINVALID, "a pilot needs a name")
	}
	if !p.Status.Valid() {
		return pilots.Errorf(pilots.EINVALID, "unknown pilot status %q", p.Status)
	}
	spec, err := json.Marshal(p.Spec)
	if err != nil {
		return pilots.Errorf(pilots.EINVALID, "pilot %s: the spec cannot be stored: %v", p.Name, err)
	}
	return s.inTx(ctx, "create pilot "+p.Name, func(tx *sql.Tx) error {
		// The unique index is the guarantee; looking first finds the id
		// that the message names.
		var other string
		err := tx.QueryRowContext(ctx,
			`SELECT id FROM pilots WHERE name = ? AND status <> 'withdrawn'`, p.Name).Scan(&other)
		switch {
		case err == nil:
			return pilots.Errorf(pilots.ECONFLICT, "a pilot named %q already exists (id %s)", p.Name, other)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO pilots (`+pilotColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Name, string(p.Status), p.Reason, string(spec), sourceBlob(p.Source), p.SourceHash,
			encTime(p.CreatedAt), encTime(p.UpdatedAt), p.CreatedBy)
		if isUnique(err) {
			return pilots.Errorf(pilots.ECONFLICT, "a pilot with id %q already exists", p.ID)
		}
		if err != nil {
			return err
		}
		ev.PilotID = p.ID
		if ev.Kind == "" {
			ev.Kind = pilots.EventTransition
		}
		if ev.Kind == pilots.EventTransition && ev.To == "" {
			ev.To = string(p.Status)
		}
		_, err = s.insertEvent(ctx, tx, ev)
		return err
	})
}

// sourceBlob keeps an empty source distinct from none: NULL for nil, an
// empty blob for an empty slice.
func sourceBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// Pilot returns the pilot whose id or, failing that, whose name is idOrName.
func (s *Store) Pilot(ctx context.Context, idOrName string) (pilots.Pilot, error) {
	if idOrName == "" {
		return pilots.Pilot{}, pilots.Errorf(pilots.EINVALID, "no pilot id or name given")
	}
	p, err := scanPilot(s.queryRow(ctx, qPilot, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return pilots.Pilot{}, pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", idOrName)
	}
	if err != nil {
		return pilots.Pilot{}, fmt.Errorf("get pilot %q: %w", idOrName, err)
	}
	return p, nil
}

// Pilots lists pilots, newest first, optionally only those in the given
// statuses.
func (s *Store) Pilots(ctx context.Context, filter pilots.PilotFilter) ([]pilots.Pilot, error) {
	q := `SELECT ` + pilotColumns + ` FROM pilots`
	var args []any
	if len(filter.Statuses) > 0 {
		marks := make([]string, len(filter.Statuses))
		for i, st := range filter.Statuses {
			marks[i] = "?"
			args = append(args, string(st))
		}
		q += ` WHERE status IN (` + strings.Join(marks, ", ") + `)`
	}
	q += ` ORDER BY created_at DESC, rowid DESC`
	ps, err := queryAll(ctx, s.read, scanPilot, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list pilots: %w", err)
	}
	return ps, nil
}

// Transition moves a pilot from one status to another and records ev in the
// same transaction.
func (s *Store) Transition(ctx context.Context, id string, from, to pilots.Status, reason string, ev pilots.Event) (pilots.Pilot, error) {
	if !to.Valid() {
		return pilots.Pilot{}, pilots.Errorf(pilots.EINVALID, "unknown pilot status %q", to)
	}
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	if ev.Kind == "" {
		ev.Kind = pilots.EventTransition
	}
	ev.PilotID = id
	ev.From, ev.To = string(from), string(to)
	if ev.Reason == "" {
		ev.Reason = reason
	}

	var p pilots.Pilot
	err := s.inTx(ctx, "transition pilot "+id, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM pilots WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", id)
		}
		if err != nil {
			return err
		}
		if cur != string(from) {
			return pilots.Errorf(pilots.ECONFLICT, "pilot %s is %s, not %s", id, cur, from)
		}
		// The status in the WHERE clause keeps this a compare-and-set even
		// if the transaction were ever not the only writer.
		res, err := tx.ExecContext(ctx, `UPDATE pilots SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
			string(to), reason, encTime(ev.Time), id, string(from))
		if isUnique(err) {
			// Leaving withdrawn while a live pilot has taken the name.
			return pilots.Errorf(pilots.ECONFLICT, "pilot %s cannot become %s: another pilot now has its name", id, to)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return pilots.Errorf(pilots.ECONFLICT, "pilot %s is not %s", id, from)
		}
		if _, err := s.insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		// qPilotByID is prepared on the read pool, so its text runs here.
		p, err = scanPilot(tx.QueryRowContext(ctx, qPilotByID, id))
		return err
	})
	if err != nil {
		return pilots.Pilot{}, err
	}
	return p, nil
}

// AddEvent appends an event to a pilot's audit trail and returns it with its
// id.
func (s *Store) AddEvent(ctx context.Context, ev pilots.Event) (pilots.Event, error) {
	if ev.PilotID == "" {
		return pilots.Event{}, pilots.Errorf(pilots.EINVALID, "an event needs a pilot id")
	}
	if ev.Kind == "" {
		return pilots.Event{}, pilots.Errorf(pilots.EINVALID, "an event needs a kind")
	}
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	err := s.inTx(ctx, "add event to pilot "+ev.PilotID, func(tx *sql.Tx) error {
		var err error
		ev.ID, err = s.insertEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return pilots.Event{}, err
	}
	return ev, nil
}

// insertEvent appends ev within tx and returns its id.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, ev pilots.Event) (int64, error) {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO events
		(pilot_id, time, actor, kind, from_state, to_state, reason, candidate, service)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.PilotID, encTime(ev.Time), ev.Actor, ev.Kind, ev.From, ev.To, ev.Reason, ev.Candidate, ev.Service)
	if isForeignKey(err) {
		return 0, pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", ev.PilotID)
	}
	if err != nil {
		return 0, fmt.Errorf("insert event: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert event: %w", err)
	}
	return id, nil
}

// Events returns a pilot's events in order, those with id > filter.After, at
// most filter.Limit (0: all). Returns ENOTFOUND if the pilot does not exist.
func (s *Store) Events(ctx context.Context, pilotID string, filter pilots.EventFilter) ([]pilots.Event, error) {
	if filter.Limit < 0 {
		return nil, pilots.Errorf(pilots.EINVALID, "event limit must not be negative, got %d", filter.Limit)
	}
	q := `SELECT id, pilot_id, time, actor, kind, from_state, to_state, reason, candidate, service
		FROM events WHERE pilot_id = ? AND id > ?`
	args := []any{pilotID, filter.After}
	if filter.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, filter.Kind)
	}
	q += ` ORDER BY id`
	if filter.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, filter.Limit)
	}
	what := "list events of pilot " + pilotID
	var evs []pilots.Event
	err := s.readPilot(ctx, what, pilotID, func(tx *sql.Tx) (err error) {
		evs, err = queryAll(ctx, tx, scanEvent, q, args...)
		return wrapErr(what, err)
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

func scanEvent(r scanner) (pilots.Event, error) {
	var ev pilots.Event
	var t sql.NullInt64
	if err := r.Scan(&ev.ID, &ev.PilotID, &t, &ev.Actor, &ev.Kind, &ev.From, &ev.To, &ev.Reason, &ev.Candidate, &ev.Service); err != nil {
		return pilots.Event{}, err
	}
	ev.Time = decTime(t)
	return ev, nil
}

func scanPilot(r scanner) (pilots.Pilot, error) {
	var p pilots.Pilot
	var status, spec string
	var created, updated sql.NullInt64
	if err := r.Scan(&p.ID, &p.Name, &status, &p.Reason, &spec, &p.Source, &p.SourceHash, &created, &updated, &p.CreatedBy); err != nil {
		return pilots.Pilot{}, err
	}
	p.Status = pilots.Status(status)
	p.CreatedAt = decTime(created)
	p.UpdatedAt = decTime(updated)
	if cached, ok := specs.get(spec); ok {
		p.Spec = cached
		return p, nil
	}
	if err := json.Unmarshal([]byte(spec), &p.Spec); err != nil {
		return pilots.Pilot{}, fmt.Errorf("decode spec of pilot %s: %w", p.ID, err)
	}
	specs.put(spec, p.Spec)
	return p, nil
}

// specs caches decoded specs by their stored JSON. A pilot's spec never
// changes after submit, so one decoded value serves every later read of the
// pilot: decoding the JSON on each participant request cost a tenth of the
// submit path. The key is the JSON itself, so stores on different files
// can share the cache without ever seeing a spec that is not theirs.
// Callers share the spec's maps and slices and treat them as read-only, as
// they do now.
var specs = &specCache{m: make(map[string]pilots.Spec)}

type specCache struct {
	mu sync.Mutex
	m  map[string]pilots.Spec
}

// maxCachedSpecs bounds the cache; far more than the pilots a server runs.
const maxCachedSpecs = 1024

func (c *specCache) get(key string) (pilots.Spec, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	return s, ok
}

func (c *specCache) put(key string, s pilots.Spec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedSpecs {
		clear(c.m)
	}
	c.m[key] = s
}
