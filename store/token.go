package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"safeguard"
)

// tokenPrefixLen is how much of a secret is kept in clear to recognise it.
const tokenPrefixLen = 10

// touchEvery limits how often last_used_at is written for a busy token.
const touchEvery = time.Minute

// CreateToken stores t and returns its secret ("sg_" and 43 random
// characters), shown once: only its SHA-256 and first characters are
// kept. Returns EINVALID for a malformed token, ENOTFOUND for an unknown
// force, EUNAUTHORIZED without an actor and EFORBIDDEN unless the actor
// may manage users.
func (s *AuthService) CreateToken(ctx context.Context, t *safeguard.APIToken) (string, error) {
	secret := "sg_" + randomToken()
	err := s.db.run(ctx, func(tx *Tx) error {
		a, err := tx.require("token.create", safeguard.PermManageUsers)
		if err != nil {
			return err
		} else if err := t.Validate(); err != nil {
			return err
		}
		if t.ForceCode != "" {
			if _, err := findForce(tx, t.ForceCode); err != nil {
				return err
			}
		}
		t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt = secret[:tokenPrefixLen], tx.now, nil, nil
		t.ID, err = tx.insert(`INSERT INTO api_tokens (name, role, force_code, prefix, secret_hash, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.Name, string(t.Role), nullString(t.ForceCode), t.Prefix, secretHash(secret), a.Label(), tx.now)
		if err != nil {
			return err
		}
		return tx.audit("token.create", "token", id(t.ID), fmt.Sprintf("name=%s role=%s force=%s prefix=%s", t.Name, t.Role, t.ForceCode, t.Prefix))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// AuthenticateToken returns the live token for a secret and records its
// use. Returns EUNAUTHORIZED if the secret is unknown or revoked. Needs no
// actor.
func (s *AuthService) AuthenticateToken(ctx context.Context, secret string) (*safeguard.APIToken, error) {
	var t *safeguard.APIToken
	var touch bool
	err := s.db.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(`SELECT `+tokenColumns+` FROM api_tokens WHERE secret_hash = $1`, secretHash(secret))
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return translate(err)
			}
			return safeguard.Errorf(safeguard.EUNAUTHORIZED, "unknown or revoked API token")
		}
		if t, err = scanToken(rows); err != nil {
			return err
		} else if t.RevokedAt != nil {
			return safeguard.Errorf(safeguard.EUNAUTHORIZED, "unknown or revoked API token")
		}
		if touch = t.LastUsedAt == nil || tx.now.Sub(*t.LastUsedAt) >= touchEvery; touch {
			now := tx.now
			t.LastUsedAt = &now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if touch {
		// In its own transaction, so reads never upgrade to writes.
		err = s.db.run(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE api_tokens SET last_used_at = $1 WHERE id = $2
				AND (last_used_at IS NULL OR last_used_at < $3)`, *t.LastUsedAt, t.ID, *t.LastUsedAt)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// RevokeToken revokes a token; revoking it again changes nothing. Returns
// ENOTFOUND if there is no such token, EFORBIDDEN unless the actor may
// manage users.
func (s *AuthService) RevokeToken(ctx context.Context, tokenID int64) error {
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("token.revoke", safeguard.PermManageUsers); err != nil {
			return err
		}
		var revoked *time.Time
		if err := tx.queryRow(`SELECT revoked_at FROM api_tokens WHERE id = $1`, []any{tokenID}, nullTimeCol{&revoked}); err != nil {
			return err
		} else if revoked != nil {
			return nil
		}
		if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, tx.now, tokenID); err != nil {
			return err
		}
		return tx.audit("token.revoke", "token", id(tokenID), "")
	})
}

// FindTokens lists every token, oldest first. Requires PermManageUsers.
func (s *AuthService) FindTokens(ctx context.Context) ([]*safeguard.APIToken, error) {
	var tokens []*safeguard.APIToken
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("token.list", safeguard.PermManageUsers); err != nil {
			return err
		}
		rows, err := tx.query(`SELECT ` + tokenColumns + ` FROM api_tokens ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		tokens = tokens[:0]
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			tokens = append(tokens, t)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, err
	}
	return tokens, nil
}

const tokenColumns = `id, name, role, force_code, prefix, created_at, last_used_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (*safeguard.APIToken, error) {
	t := &safeguard.APIToken{}
	var role string
	var force sql.NullString
	if err := sc.Scan(&t.ID, &t.Name, &role, &force, &t.Prefix, timeCol{&t.CreatedAt},
		nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt}); err != nil {
		return nil, translate(err)
	}
	t.Role, t.ForceCode = safeguard.Role(role), force.String
	return t, nil
}
