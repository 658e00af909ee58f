package store

import (
	"context"
	"fmt"
	"time"

	"safeguard"
	"safeguard/password"
)

// AuthService checks credentials and manages sessions and API tokens.
type AuthService struct{ db *DB }

var _ safeguard.AuthService = (*AuthService)(nil)

// NewAuthService returns an AuthService over db.
func NewAuthService(db *DB) *AuthService { return &AuthService{db: db} }

// errBadLogin is the one answer for an unknown name, a wrong password and
// a disabled account, so a guesser learns nothing.
func errBadLogin() error {
	return safeguard.Errorf(safeguard.EUNAUTHORIZED, "wrong name or password")
}

func errLocked() error {
	return safeguard.Errorf(safeguard.ETOOMANY, "too many failed logins: the account is locked for a while")
}

// dummyPasswordHash returns a hash in the configured parameters that is checked
// when the name is unknown, so the answer takes as long as for a real one.
func (db *DB) dummyPasswordHash() string {
	db.dummyOnce.Do(func() {
		db.dummyHash, _ = password.Hash(password.OneTime(), *db.opts.PasswordParams)
	})
	return db.dummyHash
}

// Login checks a name and password and on success creates a session and
// returns its secret token. Every attempt is audited (login.ok,
// login.failed, login.locked). After MaxFailedLogins consecutive failures
// the account is locked for the Lockout period. Returns EUNAUTHORIZED with
// the same message for an unknown name, a wrong password or a disabled
// account, and ETOOMANY while locked. Needs no actor.
func (s *AuthService) Login(ctx context.Context, name, pw string) (string, *safeguard.Session, *safeguard.User, error) {
	// Read the account, then check the password outside any transaction:
	// argon2id takes tens of milliseconds that no lock should wait for.
	var u *safeguard.User
	err := s.db.view(ctx, func(tx *Tx) error {
		var err error
		u, err = findUser(tx, "name = $1", name)
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			u, err = nil, nil
		}
		return err
	})
	if err != nil {
		return "", nil, nil, err
	}
	hash := s.db.dummyPasswordHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, err := password.Check(pw, hash)
	if err != nil {
		ok = false
	}
	if u == nil || u.PasswordHash == "" {
		ok = false
	}

	var token string
	var sess *safeguard.Session
	err = s.db.run(ctx, func(tx *Tx) error {
		if u == nil {
			// Record the name only if it looks like one: people type
			// passwords into the name field, and this log is kept forever.
			detail := "unknown name"
			if (&safeguard.User{Name: name, Role: safeguard.RoleAnalyst}).Validate() == nil {
				detail += fmt.Sprintf(" %q", name)
			}
			tx.auditAs("anonymous", "login.failed", "", "", detail)
			return commitThen(errBadLogin())
		}
		// Re-read under the row lock: another attempt may have moved on.
		cur, err := lockUser(tx, "id = $1", u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			ok = false // changed since it was checked
		}
		u = cur
		label := u.Actor().Label()
		if u.LockedUntil != nil && tx.now.Before(*u.LockedUntil) {
			tx.auditAs(label, "login.locked", "user", id(u.ID), "")
			return commitThen(errLocked())
		}
		if !ok || u.Disabled {
			return s.loginFailed(tx, u, label)
		}
		if _, err := tx.exec(`UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1
			WHERE id = $2`, tx.now, u.ID); err != nil {
			return err
		}
		now := tx.now
		u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, &now
		if token, sess, err = createSession(tx, u.ID); err != nil {
			return err
		}
		return tx.auditAs(label, "login.ok", "user", id(u.ID), fmt.Sprintf("session=%d", sess.ID))
	})
	if err != nil {
		return "", nil, nil, err
	}
	return token, sess, u, nil
}

// loginFailed counts a failure, locking the account when it reaches the
// limit, and returns the refusal with the transaction marked to commit.
func (s *AuthService) loginFailed(tx *Tx, u *safeguard.User, label string) error {
	failures := u.FailedLogins + 1
	if u.LockedUntil != nil {
		failures = 1 // an expired lock starts a fresh count
	}
	var until *time.Time
	detail := fmt.Sprintf("failures=%d", failures)
	if u.Disabled {
		detail += " disabled"
	}
	if failures >= s.db.opts.MaxFailedLogins {
		t := tx.now.Add(s.db.opts.Lockout)
		until = &t
		detail += fmt.Sprintf(" locked_until=%s", t.Format(time.RFC3339))
	}
	if _, err := tx.exec(`UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3`,
		failures, until, u.ID); err != nil {
		return err
	}
	tx.auditAs(label, "login.failed", "user", id(u.ID), detail)
	return commitThen(errBadLogin())
}

// LoginOIDC finds the account bound to the identity's subject, or creates
// one, sets its display name, role and force from the identity, and
// creates a session. Returns EINVALID for an identity that maps to no
// valid account, ENOTFOUND for an unknown force, ECONFLICT if a new
// account's name is taken by another, EUNAUTHORIZED if it is disabled.
func (s *AuthService) LoginOIDC(ctx context.Context, ident safeguard.OIDCIdentity) (string, *safeguard.Session, *safeguard.User, error) {
	if ident.Subject == "" {
		return "", nil, nil, safeguard.Errorf(safeguard.EINVALID, "identity without a subject")
	}
	var token string
	var sess *safeguard.Session
	var u *safeguard.User
	err := s.db.run(ctx, func(tx *Tx) error {
		var err error
		u, err = lockUser(tx, "oidc_subject = $1", ident.Subject)
		switch {
		case safeguard.ErrorCode(err) == safeguard.ENOTFOUND:
			u = &safeguard.User{Name: ident.Name, DisplayName: ident.Display, Role: ident.Role,
				ForceCode: ident.ForceCode, OIDCSubject: ident.Subject}
			if err := u.Validate(); err != nil {
				return err
			}
			if err := createUser(tx, u, "", false, " via=oidc"); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if u.Disabled {
				tx.auditAs(u.Actor().Label(), "login.failed", "user", id(u.ID), "oidc disabled")
				return commitThen(errBadLogin())
			}
			var changed []string
			if u.DisplayName != ident.Display {
				u.DisplayName, changed = ident.Display, append(changed, "display_name")
			}
			if u.Role != ident.Role {
				u.Role, changed = ident.Role, append(changed, "role="+string(ident.Role))
			}
			if u.ForceCode != ident.ForceCode {
				u.ForceCode, changed = ident.ForceCode, append(changed, "force="+ident.ForceCode)
			}
			if len(changed) > 0 {
				if err := updateUser(tx, u, changed, " via=oidc"); err != nil {
					return err
				}
			}
		}
		if _, err := tx.exec(`UPDATE users SET last_login_at = $1 WHERE id = $2`, tx.now, u.ID); err != nil {
			return err
		}
		now := tx.now
		u.LastLoginAt = &now
		if token, sess, err = createSession(tx, u.ID); err != nil {
			return err
		}
		return tx.auditAs(u.Actor().Label(), "login.ok", "user", id(u.ID), fmt.Sprintf("session=%d via=oidc", sess.ID))
	})
	if err != nil {
		return "", nil, nil, err
	}
	return token, sess, u, nil
}

// ChangePassword replaces a user's password after checking the old one,
// clears MustChangePassword and ends the user's other sessions (all of
// them unless the context names the current one with
// NewContextWithSessionID). An actor in the context must be that user.
// Returns EUNAUTHORIZED for a wrong old password, EINVALID for a weak new
// one, EFORBIDDEN for another actor and ENOTFOUND for an unknown user.
func (s *AuthService) ChangePassword(ctx context.Context, userID int64, oldPW, newPW string) error {
	if a, ok := safeguard.ActorFromContext(ctx); ok && a.Kind != safeguard.ActorSystem &&
		(a.Kind != safeguard.ActorUser || a.ID != userID) {
		return safeguard.Errorf(safeguard.EFORBIDDEN, "you may only change your own password")
	}
	if err := password.Validate(newPW); err != nil {
		return safeguard.Errorf(safeguard.EINVALID, "%s", err.Error())
	} else if newPW == oldPW {
		return safeguard.Errorf(safeguard.EINVALID, "the new password must differ from the old one")
	}
	var u *safeguard.User
	err := s.db.view(ctx, func(tx *Tx) error {
		var err error
		u, err = findUser(tx, "id = $1", userID)
		return err
	})
	if err != nil {
		return err
	}
	ok, err := password.Check(oldPW, u.PasswordHash)
	if err != nil || !ok {
		return s.db.run(ctx, func(tx *Tx) error {
			tx.auditAs(u.Actor().Label(), "user.password.change.failed", "user", id(u.ID), "wrong old password")
			return commitThen(safeguard.Errorf(safeguard.EUNAUTHORIZED, "the current password is wrong"))
		})
	}
	hash, err := password.Hash(newPW, *s.db.opts.PasswordParams)
	if err != nil {
		return safeguard.WrapError(safeguard.EINTERNAL, err, "cannot hash password")
	}
	keep, _ := ctx.Value(sessionIDKey{}).(int64)
	return s.db.run(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`UPDATE users SET password_hash = $1, must_change_password = FALSE,
			updated_at = $2 WHERE id = $3`, hash, tx.now, userID); err != nil {
			return err
		}
		if err := endSessions(tx, userID, keep); err != nil {
			return err
		}
		return tx.auditAs(u.Actor().Label(), "user.password.change", "user", id(userID), "")
	})
}
