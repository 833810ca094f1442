package sqlstore

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/storetest"
)

func TestFeedbackContract(t *testing.T) {
	storetest.RunFeedback(t, func(t *testing.T) (pilots.Store, pilots.FeedbackStore) {
		s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
		return s, s
	})
}

// What an anonymous response leaves in the database must not lead back to
// the participant: no id, no receipt and no exact time on the response, and
// marks kept in key order rather than insertion order.
func TestAnonymousLeavesNoLink(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	defer s.Close()
	if err := s.CreatePilot(ctx, pilots.Pilot{ID: "p_1", Name: "anon", Status: pilots.StatusRunning}, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	ps, err := s.CreateParticipants(ctx, "p_1", "vaster", []string{"h1", "h2"}, time.Time{})
	if err != nil {
		t.Fatalf("CreateParticipants: %v", err)
	}
	submitted := time.Date(2027, 2, 3, 14, 15, 16, 0, time.UTC)
	// Submitted in reverse id order, so insertion order differs from key order.
	for _, i := range []int{1, 0} {
		if _, _, err := s.SubmitResponse(ctx, pilots.Response{PilotID: "p_1", Survey: "final", Participant: ps[i].ID, SubmittedAt: submitted}, true); err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
	}
	rows, err := s.read.QueryContext(ctx, `SELECT participant_id, receipt, submitted_at FROM responses`)
	if err != nil {
		t.Fatalf("query responses: %v", err)
	}
	defer rows.Close()
	wantDay := time.Date(2027, 2, 3, 0, 0, 0, 0, time.UTC).UnixNano()
	for rows.Next() {
		var participant sql.NullString
		var receipt string
		var at int64
		if err := rows.Scan(&participant, &receipt, &at); err != nil {
			t.Fatalf("scan: %v", err)
		}
		if participant.Valid || receipt != "" || at != wantDay {
			t.Errorf("anonymous response row has participant %v, receipt %q, time %d; want NULL, empty, %d", participant, receipt, at, wantDay)
		}
	}
	// A WITHOUT ROWID table has no rowid column to order by.
	if _, err := s.read.ExecContext(ctx, `SELECT rowid FROM answered`); err == nil {
		t.Errorf("answered has a rowid, which records insertion order")
	}
}

// A database written at schema version 2 keeps its answered marks when it
// is brought to the current version.
func TestMigration3KeepsMarks(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db.SetMaxOpenConns(1)
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if err := applyMigrations(ctx, db, ms[:2]); err != nil {
		t.Fatalf("migrate to 2: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO pilots (id, name, status, reason, spec_json, source_hash, created_by) VALUES ('p_1', 'old', 'running', '', '{}', '', '')`,
		`INSERT INTO participants (pilot_id, id, cohort, token_hash) VALUES ('p_1', 'P-0001', 'vaster', 'h1')`,
		`INSERT INTO answered (pilot_id, survey, participant_id, time) VALUES ('p_1', 'final', 'P-0001', 5)`,
		`INSERT INTO responses (pilot_id, survey, participant_id, cohort, answers_json) VALUES ('p_1', 'baseline', 'P-0001', 'vaster', '{}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s := openTest(t, path)
	defer s.Close()
	got, err := s.Answered(ctx, "p_1", "P-0001")
	if err != nil {
		t.Fatalf("Answered: %v", err)
	}
	if _, ok := got["final"]; !ok {
		t.Errorf("Answered=%v, want the mark of final kept", got)
	}
	if _, ok := got["baseline"]; !ok {
		t.Errorf("Answered=%v, want the response to baseline", got)
	}
}
