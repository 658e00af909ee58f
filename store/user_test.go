package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// mustUser creates a user and returns it with its one-time password.
func mustUser(tb testing.TB, db *TestDB, name string, role safeguard.Role, force string) (*safeguard.User, string) {
	tb.Helper()
	u := &safeguard.User{Name: name, DisplayName: "Test " + name, Role: role, ForceCode: force}
	pw, err := store.NewUserService(db.DB).CreateUser(systemCtx(), u)
	if err != nil {
		tb.Fatal(err)
	}
	return u, pw
}

// at returns a context with no actor at t0+d.
func at(d time.Duration) context.Context {
	return safeguard.NewContextWithNow(context.Background(), t0.Add(d))
}

func TestUser_CreateFindUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		us := store.NewUserService(db.DB)
		mustForce(t, db, "KNT")
		u, pw := mustUser(t, db, "jsmith", safeguard.RoleSupervisor, "KNT")
		if len(pw) < 16 || !u.MustChangePassword || u.ID == 0 {
			t.Fatalf("user %+v, password %q", u, pw)
		}
		admin := ctxAs(safeguard.RoleAdmin, "")
		got, err := us.FindUserByID(admin, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "jsmith" || got.ForceCode != "KNT" || got.Role != safeguard.RoleSupervisor ||
			!got.MustChangePassword || !got.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || got.PasswordHash == pw {
			t.Fatalf("got %+v", got)
		}
		_, err = us.CreateUser(systemCtx(), &safeguard.User{Name: "jsmith", Role: safeguard.RoleAnalyst})
		wantCode(t, err, safeguard.ECONFLICT)
		_, err = us.CreateUser(systemCtx(), &safeguard.User{Name: "other", Role: safeguard.RoleInvestigator, ForceCode: "NOPE"})
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = us.CreateUser(systemCtx(), &safeguard.User{Name: "x", Role: safeguard.RoleAnalyst})
		wantCode(t, err, safeguard.EINVALID)
		_, err = us.CreateUser(ctxAs(safeguard.RoleCoordinator, ""), &safeguard.User{Name: "other", Role: safeguard.RoleAnalyst})
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = us.FindUserByID(admin, 999)
		wantCode(t, err, safeguard.ENOTFOUND)

		mustUser(t, db, "analyst1", safeguard.RoleAnalyst, "")
		analyst := safeguard.RoleAnalyst
		users, total, err := us.FindUsers(admin, safeguard.UserFilter{Role: &analyst})
		if err != nil || total != 1 || len(users) != 1 || users[0].Name != "analyst1" {
			t.Fatalf("FindUsers = %v, %d, %v", users, total, err)
		}
		users, total, err = us.FindUsers(admin, safeguard.UserFilter{Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(users) != 1 || users[0].Name != "jsmith" {
			t.Fatalf("FindUsers page 2 = %v, %d, %v", users, total, err)
		}

		// Disabling ends sessions at once.
		token, _, _, err := store.NewAuthService(db.DB).Login(at(0), "jsmith", pw)
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		got, err = us.UpdateUser(admin, u.ID, safeguard.UserUpdate{Disabled: &yes})
		if err != nil || !got.Disabled {
			t.Fatalf("UpdateUser = %+v, %v", got, err)
		}
		_, _, err = store.NewAuthService(db.DB).Authenticate(at(time.Minute), token)
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		national := ""
		_, err = us.UpdateUser(admin, u.ID, safeguard.UserUpdate{ForceCode: &national})
		wantCode(t, err, safeguard.EINVALID) // a supervisor needs a force
	})
}

func TestAuth_LoginChangePassword(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		u, otp := mustUser(t, db, "analyst1", safeguard.RoleAnalyst, "")
		token, sess, got, err := as.Login(at(0), "analyst1", otp)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 || sess.UserID != u.ID || sess.CSRFToken == "" || !got.MustChangePassword {
			t.Fatalf("token %q session %+v user %+v", token, sess, got)
		}
		if got, want := sess.ExpiresAt, t0.Truncate(time.Microsecond).Add(12*time.Hour); !got.Equal(want) {
			t.Fatalf("expires %v, want %v", got, want)
		}
		// The database holds only the token's hash.
		var n int
		db.RawDB().QueryRow(`SELECT COUNT(*) FROM sessions WHERE csrf_token = $1`, token).Scan(&n)
		if n != 0 {
			t.Fatal("session token stored in clear")
		}
		other, _, _, err := as.Login(at(time.Second), "analyst1", otp)
		if err != nil {
			t.Fatal(err)
		}

		self := safeguard.NewContextWithActor(at(time.Minute), got.Actor())
		self = store.NewContextWithSessionID(self, sess.ID)
		wantCode(t, as.ChangePassword(self, u.ID, otp, "short"), safeguard.EINVALID)
		wantCode(t, as.ChangePassword(self, u.ID, "wrong-old-password", "a long enough new one"), safeguard.EUNAUTHORIZED)
		wantCode(t, as.ChangePassword(ctxAs(safeguard.RoleAnalyst, ""), 999, otp, "a long enough new one"), safeguard.EFORBIDDEN)
		if err := as.ChangePassword(self, u.ID, otp, "a long enough new one"); err != nil {
			t.Fatal(err)
		}
		// The current session survives; the other one ends.
		if _, _, err := as.Authenticate(at(2*time.Minute), token); err != nil {
			t.Fatal(err)
		}
		_, _, err = as.Authenticate(at(2*time.Minute), other)
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		_, _, got, err = as.Login(at(3*time.Minute), "analyst1", "a long enough new one")
		if err != nil || got.MustChangePassword {
			t.Fatalf("login after change: %+v, %v", got, err)
		}
		_, _, _, err = as.Login(at(3*time.Minute), "analyst1", otp)
		wantCode(t, err, safeguard.EUNAUTHORIZED)

		// Reset gives a new one-time password and ends every session.
		pw, err := store.NewUserService(db.DB).ResetPassword(ctxAs(safeguard.RoleAdmin, ""), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = as.Authenticate(at(4*time.Minute), token)
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		if _, _, got, err = as.Login(at(5*time.Minute), "analyst1", pw); err != nil || !got.MustChangePassword {
			t.Fatalf("login after reset: %+v, %v", got, err)
		}
	})
}

func TestAuth_Lockout(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		_, pw := mustUser(t, db, "inv1", safeguard.RoleAnalyst, "")
		_, _, _, errUnknown := as.Login(at(0), "nobody", "whatever-password")
		wantCode(t, errUnknown, safeguard.EUNAUTHORIZED)
		for i := 0; i < 5; i++ {
			_, _, _, err := as.Login(at(time.Duration(i)*time.Second), "inv1", "wrong-password")
			wantCode(t, err, safeguard.EUNAUTHORIZED)
			if got, want := safeguard.ErrorMessage(err), safeguard.ErrorMessage(errUnknown); got != want {
				t.Fatalf("wrong password says %q, unknown name says %q", got, want)
			}
		}
		// Locked: even the right password is refused.
		_, _, _, err := as.Login(at(time.Minute), "inv1", pw)
		wantCode(t, err, safeguard.ETOOMANY)
		_, _, _, err = as.Login(at(14*time.Minute), "inv1", pw)
		wantCode(t, err, safeguard.ETOOMANY)
		// The lock lapses after 15 minutes.
		_, _, u, err := as.Login(at(16*time.Minute), "inv1", pw)
		if err != nil {
			t.Fatal(err)
		}
		if u.FailedLogins != 0 || u.LockedUntil != nil {
			t.Fatalf("after login %+v", u)
		}
		// Every attempt is on the record.
		audit := store.NewAuditService(db.DB)
		for action, want := range map[string]int{"login.failed": 6, "login.locked": 2, "login.ok": 1} {
			_, total, err := audit.FindAuditEvents(ctxAs(safeguard.RoleAuditor, ""), safeguard.AuditFilter{Action: action})
			if err != nil {
				t.Fatal(err)
			}
			if total != want {
				t.Errorf("%s rows = %d, want %d", action, total, want)
			}
		}
	})
}

func TestAuth_SessionExpiry(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		_, pw := mustUser(t, db, "analyst1", safeguard.RoleAnalyst, "")
		token, _, _, err := as.Login(at(0), "analyst1", pw)
		if err != nil {
			t.Fatal(err)
		}
		// Use every 20 minutes keeps it alive past the 30-minute idle limit...
		for d := 20 * time.Minute; d < 12*time.Hour; d += 20 * time.Minute {
			if _, _, err := as.Authenticate(at(d), token); err != nil {
				t.Fatalf("at +%v: %v", d, err)
			}
		}
		// ...but not past the absolute limit.
		_, _, err = as.Authenticate(at(12*time.Hour+time.Minute), token)
		wantCode(t, err, safeguard.EUNAUTHORIZED)

		token, _, _, err = as.Login(at(13*time.Hour), "analyst1", pw)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = as.Authenticate(at(13*time.Hour+31*time.Minute), token)
		wantCode(t, err, safeguard.EUNAUTHORIZED)

		token, _, _, err = as.Login(at(14*time.Hour), "analyst1", pw)
		if err != nil {
			t.Fatal(err)
		}
		if err := as.Logout(at(14*time.Hour), token); err != nil {
			t.Fatal(err)
		}
		_, _, err = as.Authenticate(at(14*time.Hour), token)
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		_, _, err = as.Authenticate(at(0), "not-a-token")
		wantCode(t, err, safeguard.EUNAUTHORIZED)
	})
}

func TestAuth_Tokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		mustForce(t, db, "KNT")
		admin := ctxAs(safeguard.RoleAdmin, "")
		tok := &safeguard.APIToken{Name: "intake-bridge", Role: safeguard.RoleInvestigator, ForceCode: "KNT"}
		secret, err := as.CreateToken(admin, tok)
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) != 46 || secret[:3] != "sg_" || tok.Prefix != secret[:10] || tok.ID == 0 {
			t.Fatalf("secret %q token %+v", secret, tok)
		}
		got, err := as.AuthenticateToken(at(time.Hour), secret)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || got.Role != safeguard.RoleInvestigator || got.ForceCode != "KNT" ||
			got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("got %+v", got)
		}
		if a := got.Actor(); a.Kind != safeguard.ActorToken || a.ForceCode != "KNT" {
			t.Fatalf("actor %+v", a)
		}
		_, err = as.AuthenticateToken(at(time.Hour), secret+"x")
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		_, err = as.CreateToken(admin, &safeguard.APIToken{Name: "bad", Role: safeguard.RoleSupervisor})
		wantCode(t, err, safeguard.EINVALID)
		_, err = as.CreateToken(ctxAs(safeguard.RoleAnalyst, ""), &safeguard.APIToken{Name: "bad", Role: safeguard.RoleAnalyst})
		wantCode(t, err, safeguard.EFORBIDDEN)

		wantCode(t, as.RevokeToken(ctxAs(safeguard.RoleCoordinator, ""), tok.ID), safeguard.EFORBIDDEN)
		if err := as.RevokeToken(admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := as.RevokeToken(admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, as.RevokeToken(admin, 999), safeguard.ENOTFOUND)
		_, err = as.AuthenticateToken(at(2*time.Hour), secret)
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		list, err := as.FindTokens(admin)
		if err != nil || len(list) != 1 || list[0].RevokedAt == nil || list[0].Prefix != tok.Prefix {
			t.Fatalf("FindTokens = %+v, %v", list, err)
		}
	})
}

func TestAuth_LoginOIDC(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		mustForce(t, db, "KNT")
		mustForce(t, db, "ESX")
		id := safeguard.OIDCIdentity{Subject: "https://idp.example.com|abc123", Name: "asmith",
			Display: "A Smith", Role: safeguard.RoleInvestigator, ForceCode: "KNT"}
		token, _, u, err := as.LoginOIDC(at(0), id)
		if err != nil {
			t.Fatal(err)
		}
		if u.OIDCSubject != id.Subject || u.MustChangePassword || u.ForceCode != "KNT" {
			t.Fatalf("user %+v", u)
		}
		if _, got, err := as.Authenticate(at(time.Minute), token); err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		// The identity moves force: the account follows.
		id.ForceCode, id.Role = "ESX", safeguard.RoleSupervisor
		_, _, u2, err := as.LoginOIDC(at(time.Hour), id)
		if err != nil {
			t.Fatal(err)
		}
		if u2.ID != u.ID || u2.ForceCode != "ESX" || u2.Role != safeguard.RoleSupervisor {
			t.Fatalf("user after move %+v", u2)
		}
		// An OIDC account has no password to guess.
		_, _, _, err = as.Login(at(time.Hour), "asmith", "")
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		// A new identity cannot take an existing login name.
		_, _, _, err = as.LoginOIDC(at(time.Hour), safeguard.OIDCIdentity{Subject: "other|x", Name: "asmith", Role: safeguard.RoleAnalyst})
		wantCode(t, err, safeguard.ECONFLICT)
	})
}

func TestAuth_ConcurrentFailuresAllCount(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		as := store.NewAuthService(db.DB)
		_, pw := mustUser(t, db, "inv1", safeguard.RoleAnalyst, "")
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, _, err := as.Login(at(0), "inv1", "wrong-password")
				if code := safeguard.ErrorCode(err); code != safeguard.EUNAUTHORIZED {
					t.Errorf("code %s (%v)", code, err)
				}
			}()
		}
		wg.Wait()
		_, _, _, err := as.Login(at(time.Second), "inv1", pw)
		wantCode(t, err, safeguard.ETOOMANY)
	})
}
