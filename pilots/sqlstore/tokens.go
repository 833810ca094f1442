package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pilotbed/pilotbed/pilots"
)

// CreateToken stores an API token; only its hash is ever stored.
func (s *Store) CreateToken(ctx context.Context, t pilots.Token) error {
	switch {
	case t.ID == "":
		return pilots.Errorf(pilots.EINVALID, "a token needs an id")
	case t.Name == "":
		return pilots.Errorf(pilots.EINVALID, "a token needs a name")
	case t.Hash == "":
		return pilots.Errorf(pilots.EINVALID, "a token needs a hash")
	case t.Role != pilots.RoleAdmin && t.Role != pilots.RoleViewer:
		return pilots.Errorf(pilots.EINVALID, "unknown token role %q (want %s or %s)", t.Role, pilots.RoleAdmin, pilots.RoleViewer)
	}
	return s.inTx(ctx, "create token "+t.Name, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, name, role, hash, created_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, string(t.Role), t.Hash, encTime(t.CreatedAt), encTimePtr(t.RevokedAt))
		if isUnique(err) {
			return pilots.Errorf(pilots.ECONFLICT, "a token with this name, id or secret already exists (%s)", t.Name)
		}
		return err
	})
}

// TokenByHash returns the token with the given hash, unless it is revoked.
func (s *Store) TokenByHash(ctx context.Context, hash string) (pilots.Token, error) {
	var t pilots.Token
	var role string
	var created, revoked sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT id, name, role, hash, created_at, revoked_at
		FROM tokens WHERE hash = ? AND revoked_at IS NULL`, hash).
		Scan(&t.ID, &t.Name, &role, &t.Hash, &created, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return pilots.Token{}, pilots.Errorf(pilots.ENOTFOUND, "no such token")
	}
	if err != nil {
		return pilots.Token{}, fmt.Errorf("look up token: %w", err)
	}
	t.Role = pilots.Role(role)
	t.CreatedAt = decTime(created)
	t.RevokedAt = decTimePtr(revoked)
	return t, nil
}

// CountTokens returns the number of tokens that are not revoked.
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE revoked_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}
