package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

var _ pilots.ReportStore = (*Store)(nil)

// SaveReport stores a document of a pilot, replacing an earlier one of the
// same kind and format.
func (s *Store) SaveReport(ctx context.Context, pilotID, kind, format string, body []byte, at time.Time) error {
	if kind == "" || format == "" {
		return pilots.Errorf(pilots.EINVALID, "a stored document needs a kind and a format")
	}
	if at.IsZero() {
		at = s.now()
	}
	if body == nil {
		body = []byte{} // the column is NOT NULL; an empty document is still a document
	}
	return s.inTx(ctx, fmt.Sprintf("save %s %s of pilot %s", kind, format, pilotID), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reports (pilot_id, kind, format, body, written_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (pilot_id, kind, format) DO UPDATE SET body = excluded.body, written_at = excluded.written_at`,
			pilotID, kind, format, body, encTime(at))
		if isForeignKey(err) {
			return pilots.Errorf(pilots.ENOTFOUND, "no pilot %q", pilotID)
		}
		return err
	})
}

// Report returns a stored document of a pilot and when it was written.
func (s *Store) Report(ctx context.Context, pilotID, kind, format string) ([]byte, time.Time, error) {
	var (
		body []byte
		at   sql.NullInt64
	)
	err := s.read.QueryRowContext(ctx, `SELECT body, written_at FROM reports
		WHERE pilot_id = ? AND kind = ? AND format = ?`, pilotID, kind, format).Scan(&body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, pilots.Errorf(pilots.ENOTFOUND, "no %s of pilot %q in %s", kind, pilotID, format)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read %s %s of pilot %s: %w", kind, format, pilotID, err)
	}
	return body, decTime(at), nil
}
