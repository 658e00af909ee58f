package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"safeguard"
)

// slideEvery is how stale last_seen_at may get before Authenticate writes
// it again, so a page with many requests costs one write, not many.
const slideEvery = 30 * time.Second

type sessionIDKey struct{}

// NewContextWithSessionID returns a copy of ctx naming the caller's current
// session, which ChangePassword then keeps while ending the others.
func NewContextWithSessionID(ctx context.Context, sessionID int64) context.Context {
	return context.WithValue(ctx, sessionIDKey{}, sessionID)
}

// randomToken returns 32 random bytes in unpadded base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// secretHash is what is stored of a session token or API token secret.
func secretHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// createSession stores a new session for the user and returns its secret
// token; only the token's SHA-256 is kept.
func createSession(tx *Tx, userID int64) (string, *safeguard.Session, error) {
	token := randomToken()
	sess := &safeguard.Session{
		UserID:     userID,
		CSRFToken:  randomToken(),
		CreatedAt:  tx.now,
		ExpiresAt:  tx.now.Add(tx.db.opts.SessionMaxAge),
		LastSeenAt: tx.now,
	}
	var err error
	sess.ID, err = tx.insert(`INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		userID, secretHash(token), sess.CSRFToken, sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt)
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// endSessions deletes the user's sessions except keep (0 keeps none).
func endSessions(tx *Tx, userID, keep int64) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, userID, keep)
	return err
}

// Authenticate returns the live session and user for a session token and
// slides the session's idle expiry. Session.ExpiresAt is the absolute
// expiry; a session also ends after SessionIdle without use. Returns
// EUNAUTHORIZED if the token is unknown or expired, or the user disabled.
// Needs no actor.
func (s *AuthService) Authenticate(ctx context.Context, token string) (*safeguard.Session, *safeguard.User, error) {
	var sess *safeguard.Session
	var u *safeguard.User
	var expired, slide bool
	// Read beside writers; the rare writes (ending an expired session,
	// sliding a stale one) follow in their own short transaction, so a
	// page view never has to upgrade a read to a write.
	err := s.db.view(ctx, func(tx *Tx) error {
		sess = &safeguard.Session{}
		err := tx.queryRow(`SELECT id, user_id, csrf_token, created_at, expires_at, last_seen_at
			FROM sessions WHERE token_hash = $1`, []any{secretHash(token)},
			&sess.ID, &sess.UserID, &sess.CSRFToken, timeCol{&sess.CreatedAt}, timeCol{&sess.ExpiresAt},
			timeCol{&sess.LastSeenAt})
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return safeguard.Errorf(safeguard.EUNAUTHORIZED, "your session has ended: please sign in")
		} else if err != nil {
			return err
		}
		expired = !tx.now.Before(sess.ExpiresAt) || !tx.now.Before(sess.LastSeenAt.Add(tx.db.opts.SessionIdle))
		if expired {
			return nil
		}
		if u, err = findUser(tx, "id = $1", sess.UserID); err != nil {
			return err
		} else if u.Disabled {
			return safeguard.Errorf(safeguard.EUNAUTHORIZED, "your account is disabled")
		}
		if slide = tx.now.Sub(sess.LastSeenAt) >= slideEvery; slide {
			sess.LastSeenAt = tx.now
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if expired {
		if err := s.db.run(ctx, func(tx *Tx) error {
			_, err := tx.exec(`DELETE FROM sessions WHERE id = $1`, sess.ID)
			return err
		}); err != nil {
			return nil, nil, err
		}
		return nil, nil, safeguard.Errorf(safeguard.EUNAUTHORIZED, "your session has expired: please sign in")
	}
	if slide {
		// Only ever move last_seen_at forward: a slower concurrent request
		// must not pull it back.
		if err := s.db.run(ctx, func(tx *Tx) error {
			_, err := tx.exec(`UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3`,
				sess.LastSeenAt, sess.ID, sess.LastSeenAt)
			return err
		}); err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// Logout ends the session with the token. An unknown token is not an
// error: the session is gone either way. Needs no actor.
func (s *AuthService) Logout(ctx context.Context, token string) error {
	return s.db.run(ctx, func(tx *Tx) error {
		var sessID, userID int64
		err := tx.queryRow(`SELECT id, user_id FROM sessions WHERE token_hash = $1`, []any{secretHash(token)}, &sessID, &userID)
		if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM sessions WHERE id = $1`, sessID); err != nil {
			return err
		}
		label := fmt.Sprintf("user:%d", userID)
		if u, err := findUser(tx, "id = $1", userID); err == nil {
			label = u.Actor().Label()
		}
		return tx.auditAs(label, "logout", "user", id(userID), fmt.Sprintf("session=%d", sessID))
	})
}

// PurgeSessions deletes every session past its absolute expiry or idle
// for longer than SessionIdle, and returns how many. Sessions are also
// ended when presented; this removes those nobody comes back to. Needs no
// actor: it is the server's own housekeeping, and it is audited as such
// when it removes anything.
func (s *AuthService) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.run(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
			tx.now, tx.now.Add(-tx.db.opts.SessionIdle))
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.audit("session.purge", "session", "", fmt.Sprintf("count=%d", n))
	})
	return n, err
}
