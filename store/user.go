package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"safeguard"
	"safeguard/password"
)

// UserService manages accounts.
type UserService struct{ db *DB }

var _ safeguard.UserService = (*UserService)(nil)

// NewUserService returns a UserService over db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

// CreateUser stores u with a fresh one-time password, sets u.ID and
// MustChangePassword, and returns the password. Returns EINVALID for a
// malformed user, ENOTFOUND for an unknown force, ECONFLICT if the name is
// taken, EUNAUTHORIZED without an actor and EFORBIDDEN unless the actor may
// manage users.
func (s *UserService) CreateUser(ctx context.Context, u *safeguard.User) (string, error) {
	if err := u.Validate(); err != nil {
		return "", err
	}
	pw := password.OneTime()
	hash, err := password.Hash(pw, *s.db.opts.PasswordParams)
	if err != nil {
		return "", safeguard.WrapError(safeguard.EINTERNAL, err, "cannot hash password")
	}
	err = s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("user.create", safeguard.PermManageUsers); err != nil {
			return err
		}
		return createUser(tx, u, hash, true, "")
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// createUser inserts u with the password hash, checking its force exists.
func createUser(tx *Tx, u *safeguard.User, hash string, mustChange bool, how string) error {
	if u.ForceCode != "" {
		if _, err := findForce(tx, u.ForceCode); err != nil {
			return err
		}
	}
	u.PasswordHash, u.MustChangePassword = hash, mustChange
	u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, nil
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	var err error
	u.ID, err = tx.insert(`INSERT INTO users (name, display_name, role, force_code, password_hash,
		must_change_password, oidc_subject, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.Name, u.DisplayName, string(u.Role), nullString(u.ForceCode), hash, mustChange,
		nullString(u.OIDCSubject), u.Disabled, tx.now, tx.now)
	if safeguard.ErrorCode(err) == safeguard.ECONFLICT {
		return safeguard.WrapError(safeguard.ECONFLICT, err, "the login name %q is taken", u.Name)
	} else if err != nil {
		return err
	}
	detail := fmt.Sprintf("name=%s role=%s force=%s%s", u.Name, u.Role, u.ForceCode, how)
	return tx.audit("user.create", "user", id(u.ID), detail)
}

// FindUserByID returns the user. Users may read their own account; anyone
// else needs PermManageUsers. Returns ENOTFOUND if there is none.
func (s *UserService) FindUserByID(ctx context.Context, userID int64) (*safeguard.User, error) {
	var u *safeguard.User
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.requireActor()
		if err != nil {
			return err
		}
		if a.Kind != safeguard.ActorUser || a.ID != userID {
			if _, err := tx.require("user.read", safeguard.PermManageUsers); err != nil {
				return err
			}
		}
		u, err = findUser(tx, "id = $1", userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// FindUsers returns users matching the filter, by name, and the total.
// Requires PermManageUsers.
func (s *UserService) FindUsers(ctx context.Context, f safeguard.UserFilter) ([]*safeguard.User, int, error) {
	var users []*safeguard.User
	var total int
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("user.list", safeguard.PermManageUsers); err != nil {
			return err
		}
		cond, args := "", []any{}
		if f.Role != nil {
			cond, args = " WHERE role = $1", append(args, string(*f.Role))
		}
		if err := tx.queryRow(`SELECT COUNT(*) FROM users`+cond, args, &total); err != nil {
			return err
		}
		rows, err := tx.query(fmt.Sprintf(`SELECT %s FROM users%s ORDER BY name LIMIT %d OFFSET %d`,
			userColumns, cond, pageLimit(f.Limit), max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		users = users[:0]
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

// UpdateUser applies upd and returns the user. A change of role or force,
// or disabling, ends the user's sessions so it takes effect at once.
// Requires PermManageUsers; returns ENOTFOUND, EINVALID as CreateUser.
func (s *UserService) UpdateUser(ctx context.Context, userID int64, upd safeguard.UserUpdate) (*safeguard.User, error) {
	var u *safeguard.User
	err := s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("user.update", safeguard.PermManageUsers); err != nil {
			return err
		}
		var err error
		if u, err = lockUser(tx, "id = $1", userID); err != nil {
			return err
		}
		var changed []string
		if upd.DisplayName != nil && *upd.DisplayName != u.DisplayName {
			u.DisplayName, changed = *upd.DisplayName, append(changed, "display_name")
		}
		if upd.Role != nil && *upd.Role != u.Role {
			u.Role, changed = *upd.Role, append(changed, "role="+string(*upd.Role))
		}
		if upd.ForceCode != nil && *upd.ForceCode != u.ForceCode {
			u.ForceCode, changed = *upd.ForceCode, append(changed, "force="+*upd.ForceCode)
		}
		if upd.Disabled != nil && *upd.Disabled != u.Disabled {
			u.Disabled, changed = *upd.Disabled, append(changed, fmt.Sprintf("disabled=%t", *upd.Disabled))
		}
		if len(changed) == 0 {
			return nil
		}
		return updateUser(tx, u, changed, "")
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// updateUser writes u's mutable fields, ending its sessions when its
// powers changed, and audits the change.
func updateUser(tx *Tx, u *safeguard.User, changed []string, how string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.ForceCode != "" {
		if _, err := findForce(tx, u.ForceCode); err != nil {
			return err
		}
	}
	u.UpdatedAt = tx.now
	if _, err := tx.exec(`UPDATE users SET display_name = $1, role = $2, force_code = $3, disabled = $4,
		updated_at = $5 WHERE id = $6`,
		u.DisplayName, string(u.Role), nullString(u.ForceCode), u.Disabled, tx.now, u.ID); err != nil {
		return err
	}
	for _, c := range changed {
		if c != "display_name" {
			if err := endSessions(tx, u.ID, 0); err != nil {
				return err
			}
			break
		}
	}
	return tx.audit("user.update", "user", id(u.ID), strings.Join(changed, " ")+how)
}

// ResetPassword sets a new one-time password that must be changed,
// unlocks the account, ends its sessions and returns the password.
// Requires PermManageUsers; returns ENOTFOUND if there is no such user.
func (s *UserService) ResetPassword(ctx context.Context, userID int64) (string, error) {
	pw := password.OneTime()
	hash, err := password.Hash(pw, *s.db.opts.PasswordParams)
	if err != nil {
		return "", safeguard.WrapError(safeguard.EINTERNAL, err, "cannot hash password")
	}
	err = s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.require("user.password.reset", safeguard.PermManageUsers); err != nil {
			return err
		}
		if _, err := findUser(tx, "id = $1", userID); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE users SET password_hash = $1, must_change_password = TRUE,
			failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3`, hash, tx.now, userID); err != nil {
			return err
		}
		if err := endSessions(tx, userID, 0); err != nil {
			return err
		}
		return tx.audit("user.password.reset", "user", id(userID), "")
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

const userColumns = `id, name, display_name, role, force_code, password_hash, must_change_password,
	failed_logins, locked_until, oidc_subject, disabled, last_login_at, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (*safeguard.User, error) {
	u := &safeguard.User{}
	var role string
	var force, oidc sql.NullString
	err := sc.Scan(&u.ID, &u.Name, &u.DisplayName, &role, &force, &u.PasswordHash, &u.MustChangePassword,
		&u.FailedLogins, nullTimeCol{&u.LockedUntil}, &oidc, &u.Disabled, nullTimeCol{&u.LastLoginAt},
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	if err != nil {
		return nil, translate(err)
	}
	u.Role, u.ForceCode, u.OIDCSubject = safeguard.Role(role), force.String, oidc.String
	return u, nil
}

// findUser returns the one user matching where (which uses $1), or
// ENOTFOUND.
func findUser(tx *Tx, where string, arg any) (*safeguard.User, error) {
	return queryUser(tx, `SELECT `+userColumns+` FROM users WHERE `+where, arg)
}

// lockUser is findUser for a read-modify-write: on PostgreSQL the row
// stays locked until the transaction ends, so concurrent logins count
// failures one at a time.
func lockUser(tx *Tx, where string, arg any) (*safeguard.User, error) {
	return queryUser(tx, `SELECT `+userColumns+` FROM users WHERE `+where+tx.forUpdate(), arg)
}

func queryUser(tx *Tx, q string, arg any) (*safeguard.User, error) {
	rows, err := tx.query(q, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no such user")
	}
	return scanUser(rows)
}

// forUpdate is the row-locking clause: PostgreSQL needs it against lost
// updates; SQLite has no such clause and its transactions already hold
// the database's write lock.
func (tx *Tx) forUpdate() string {
	if tx.db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}
