package sqlstore

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/storetest"
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pilots.Store {
		return openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	})
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "pilotbed.db")
	s := openTest(t, path)
	defer s.Close()
	if got := s.Path(); got != path {
		t.Errorf("Path()=%q, want %q", got, path)
	}
}

func TestOpenBadPath(t *testing.T) {
	tests := []struct{ name, path string }{
		{"empty", ""},
		{"query", filepath.Join(t.TempDir(), "x?mode=ro")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := Open(t.Context(), tt.path); err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.path)
			}
		})
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	created := time.Date(2027, 1, 11, 8, 0, 0, 123456789, time.UTC) // nanoseconds survive
	p := pilots.Pilot{ID: "p_1", Name: "kept", Status: pilots.StatusDraft, Spec: storetest.FullSpec(),
		Source: []byte("pilot {}"), SourceHash: "h", CreatedAt: created, UpdatedAt: created, CreatedBy: "admin"}
	tok := pilots.Token{ID: "t_1", Name: "admin", Role: pilots.RoleAdmin, Hash: "abc", CreatedAt: created}

	s := openTest(t, path)
	if err := s.CreatePilot(ctx, p, pilots.Event{Actor: "admin", Time: created}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openTest(t, path)
	defer s.Close()
	got, err := s.Pilot(ctx, "kept")
	if err != nil {
		t.Fatalf("Pilot after reopen: %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("pilot after reopen (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Nanosecond() != 123456789 {
		t.Errorf("CreatedAt nanoseconds=%d, want 123456789", got.CreatedAt.Nanosecond())
	}
	gotTok, err := s.TokenByHash(ctx, "abc")
	if err != nil {
		t.Fatalf("TokenByHash after reopen: %v", err)
	}
	if diff := cmp.Diff(tok, gotTok); diff != "" {
		t.Errorf("token after reopen (-want +got):\n%s", diff)
	}
	evs, err := s.Events(ctx, p.ID, pilots.EventFilter{})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	want := []pilots.Event{{ID: evs[0].ID, PilotID: p.ID, Time: created, Actor: "admin", Kind: pilots.EventTransition, To: "draft"}}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events after reopen (-want +got):\n%s", diff)
	}
}

func schemaVersions(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("scan: %v", err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.version)
	}
	if len(want) < 2 || want[0] != 1 || want[1] != 2 {
		t.Fatalf("embedded migrations %v, want 1, 2, ...", want)
	}
	for i := range 3 {
		s := openTest(t, path)
		if diff := cmp.Diff(want, schemaVersions(t, s.write)); diff != "" {
			t.Errorf("open %d: versions (-want +got):\n%s", i, diff)
		}
		// Running the migrations again on an open store changes nothing.
		if err := migrate(t.Context(), s.write); err != nil {
			t.Errorf("open %d: migrate again: %v", i, err)
		}
		s.Close()
	}
	// The participant tables of 0002 exist.
	s := openTest(t, path)
	defer s.Close()
	for _, table := range []string{"pilots", "events", "tokens", "participants", "responses", "answered", "survey_overrides", "usage"} {
		var n int
		if err := s.read.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v; want it to exist", table, n, err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	s := openTest(t, path)
	if _, err := s.write.ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatalf("insert future version: %v", err)
	}
	s.Close()

	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a newer schema succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q should name the unknown version and say it is newer", err)
	}
}

func TestMigrationFailureRollsBack(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)},
		"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (x INTEGER); THIS IS NOT SQL;`)},
	}
	ms, err := loadMigrations(fsys)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	// A scratch database, so the real schema is not in the way.
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "scratch.db"), false))
	if err != nil {
		t.Fatalf("open scratch: %v", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := applyMigrations(t.Context(), db, ms); err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("applyMigrations err=%v, want a failure naming 0002_b.sql", err)
	}
	if diff := cmp.Diff([]int{1}, schemaVersions(t, db)); diff != "" {
		t.Errorf("versions after failed migration (-want +got):\n%s", diff)
	}
	var n int
	db.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_master WHERE name = 'b'`).Scan(&n)
	if n != 0 {
		t.Errorf("table b of the failed migration exists; the migration was not rolled back")
	}
}

func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"no number", fstest.MapFS{"migrations/init.sql": {Data: []byte("")}}},
		{"duplicate", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/01_b.sql": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := loadMigrations(tt.fsys); err == nil {
				t.Fatalf("loadMigrations succeeded, want an error")
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	defer s.Close()
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		// A dedicated connection, so the check sees what every pooled
		// connection was given at connect time.
		conn, err := db.Conn(t.Context())
		if err != nil {
			t.Fatalf("conn: %v", err)
		}
		defer conn.Close()
		var v string
		if err := conn.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	cases := []struct {
		pool string
		db   *sql.DB
		name string
		want string
	}{
		{"write", s.write, "journal_mode", "wal"},
		{"write", s.write, "synchronous", "2"}, // FULL
		{"write", s.write, "foreign_keys", "1"},
		{"write", s.write, "busy_timeout", "5000"},
		{"read", s.read, "journal_mode", "wal"},
		{"read", s.read, "foreign_keys", "1"},
		{"read", s.read, "busy_timeout", "5000"},
		{"read", s.read, "query_only", "1"},
	}
	for _, c := range cases {
		if got := pragma(c.db, c.name); got != c.want {
			t.Errorf("%s pool: PRAGMA %s=%s, want %s", c.pool, c.name, got, c.want)
		}
	}
}

func TestReadPoolCannotWrite(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	defer s.Close()
	if _, err := s.read.ExecContext(t.Context(), `DELETE FROM pilots`); err == nil {
		t.Fatalf("a write through the read pool succeeded, want it refused")
	}
}

func TestZeroTimesRoundTrip(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	defer s.Close()
	fixed := time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return fixed }
	p := pilots.Pilot{ID: "p_1", Name: "zero", Status: pilots.StatusDraft}
	if err := s.CreatePilot(t.Context(), p, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	got, err := s.Pilot(t.Context(), "p_1")
	if err != nil {
		t.Fatalf("Pilot: %v", err)
	}
	if !got.CreatedAt.IsZero() || got.Source != nil {
		t.Errorf("CreatedAt=%v Source=%v, want zero and nil", got.CreatedAt, got.Source)
	}
	// An event without a time gets the store's clock.
	ev, err := s.AddEvent(t.Context(), pilots.Event{PilotID: "p_1", Kind: pilots.EventTestbed})
	if err != nil {
		t.Fatalf("AddEvent: %v", err)
	}
	if !ev.Time.Equal(fixed) {
		t.Errorf("event Time=%v, want the store clock %v", ev.Time, fixed)
	}
}

// Two stores on one file stand for two processes: each has its own writer,
// so they meet SQLite's file lock, which busy_timeout turns into a wait
// instead of SQLITE_BUSY.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	a := openTest(t, path)
	defer a.Close()
	b := openTest(t, path)
	defer b.Close()
	p := pilots.Pilot{ID: "p_1", Name: "shared", Status: pilots.StatusDraft}
	if err := a.CreatePilot(ctx, p, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	const perStore = 50
	errs := make(chan error, 2*perStore)
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		for range perStore {
			wg.Go(func() {
				_, err := s.AddEvent(ctx, pilots.Event{PilotID: p.ID, Kind: pilots.EventTestbed})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AddEvent: %v", err)
		}
	}
	evs, err := b.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTestbed})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if got, want := len(evs), 2*perStore; got != want {
		t.Errorf("got %d events, want %d", got, want)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("this is not an SQLite database, just some text long enough to fill a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a text file succeeded, want an error")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q should name the file", err)
	}
}
