package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pilotbed/pilotbed/pilots"
)

// Store is a pilots.Store on an SQLite database file.
type Store struct {
	path  string
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB // read-only connections

	stmts   map[string]*sql.Stmt // prepared in Open; see prepared.go
	readSem chan struct{}        // turns for the read pool's connections, in arrival order

	// The committer and the writer's turn; see writer.go.
	writeSem chan struct{}
	submits  chan *submission
	stop     chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once

	// Now returns the current time; it fills in event times that the caller
	// left zero. Tests replace it to be deterministic.
	Now func() time.Time
}

var _ pilots.Store = (*Store)(nil)

// Open opens the database at path, creating it and its directory if needed,
// and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open store: no database path given")
	}
	if strings.ContainsAny(path, "?#") {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("open store: database path %q must not contain '?' or '#'", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open store: create directory: %w", err)
	}

	s := &Store{path: abs, Now: time.Now}
	s.write, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxLifetime(0)
	s.write.SetConnMaxIdleTime(0)

	// The writer connects first: it creates the file and switches it to WAL,
	// which read-only connections cannot do.
	if err := s.write.PingContext(ctx); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	if err := migrate(ctx, s.write); err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}

	s.read, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		s.write.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.read.SetMaxOpenConns(n)
	s.read.SetMaxIdleConns(n)
	s.readSem = make(chan struct{}, n)
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.startCommitter()
	return s, nil
}

// dsn returns the driver's data source name for the file at path. The
// pragmas run on every new connection; see the package documentation.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that both pools can reach the database.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

// Close closes both pools. The last connection to close checkpoints the
// write-ahead log into the database file.
func (s *Store) Close() error {
	// Submissions in flight are committed and answered first.
	s.stopCommitter()
	errs := []error{s.closeStatements()}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// now returns the store's current time in UTC.
func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// inTx runs fn in a write transaction and commits it, rolling back when fn
// or the commit fails. what names the action for error messages.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if err := s.acquireWriter(ctx); err != nil {
		return fmt.Errorf("%s: wait for the writer: %w", what, err)
	}
	defer s.releaseWriter()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", what, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return wrapErr(what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// wrapErr names what was being done in err, unless err is nil or a
// *pilots.Error, whose message is already written for the user.
func wrapErr(what string, err error) error {
	var perr *pilots.Error
	if err == nil || errors.As(err, &perr) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readPilot runs fn in a read-only transaction, so that all fn reads comes
// from one snapshot, once that snapshot shows the pilot exists. fn's error
// is returned as is. Returns ENOTFOUND if the pilot does not exist.
func (s *Store) readPilot(ctx context.Context, what, pilotID string, fn func(tx *sql.Tx) error) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if err := requirePilot(ctx, tx, pilotID); err != nil {
		return err
	}
	return fn(tx)
}

// requirePilot returns ENOTFOUND unless the pilot exists.
func requirePilot(ctx context.Context, tx *sql.Tx, pilotID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pilots WHERE id = ?`, pilotID).Scan(&n); err != nil {
		return fmt.Errorf("look up pilot %s: %w", pilotID, err)
	}
	if n == 0 {
		return pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", pilotID)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// querier is what both *sql.DB and *sql.Tx offer for reading rows.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans every row with scan. No rows is an empty
// list, not nil.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, nil
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err is a violated UNIQUE or PRIMARY KEY
// constraint.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is a violated FOREIGN KEY constraint.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// encTime stores a time as nanoseconds since the epoch; a zero time as NULL.
func encTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// encTimePtr is encTime for optional times.
func encTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return encTime(*t)
}

// decTime is the inverse of encTime; times come back in UTC.
func decTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// decTimePtr is decTime for optional times: NULL is nil.
func decTimePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := decTime(n)
	return &t
}
