package linking_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/linking"
	"safeguard/password"
	"safeguard/store"
)

// cheapParams keep argon2id fast in tests.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// forEachDB runs fn on a fresh SQLite database and, when
// SAFEGUARD_TEST_POSTGRES holds a server URL, on a fresh PostgreSQL one.
func forEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, mustOpenDB(t, "sqlite:"+filepath.Join(t.TempDir(), "safeguard.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("SAFEGUARD_TEST_POSTGRES") == "" {
			t.Skip("SAFEGUARD_TEST_POSTGRES not set")
		}
		t.Parallel()
		fn(t, mustOpenDB(t, mustCreatePostgresDB(t)))
	})
}

func mustOpenDB(tb testing.TB, u string) *store.DB {
	tb.Helper()
	kr, err := keyring.New(keyring.NewKey())
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(context.Background(), u, store.Options{Sealer: kr, PasswordParams: &cheapParams})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// mustCreatePostgresDB creates a database for one test, dropped at cleanup.
func mustCreatePostgresDB(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("SAFEGUARD_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "sglink_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func systemCtx() context.Context {
	ctx := safeguard.NewContextWithNow(context.Background(), time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC))
	return safeguard.NewContextWithActor(ctx, safeguard.SystemActor("test"))
}

func TestService_LinkReferral(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := systemCtx()
		svc := &linking.Service{Subjects: store.NewSubjectService(db), Referrals: store.NewReferralService(db), Forces: store.NewForceService(db)}
		for _, f := range []*safeguard.Force{
			{Code: "QAA", Name: "Quill Constabulary", Areas: []string{"QA1", "QA1X"}, Synthetic: true},
			{Code: "QAB", Name: "Quay Police", Areas: []string{"QA2"}, Synthetic: true},
		} {
			if err := svc.Forces.CreateForce(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		add := func(platform string, ids ...string) int64 {
			t.Helper()
			n++
			r := ref(0, ids...)
			r.SourceRef, r.Platform, r.Document = fmt.Sprint("H-", n), platform, []byte(fmt.Sprint(`{"n":`, n, `}`))
			if _, err := svc.Referrals.CreateReferral(ctx, r); err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		link := func(id int64) *linking.Outcome {
			t.Helper()
			o, err := svc.LinkReferral(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}

		r1 := add("", "name=Zebedee Example", "email=Zeb@Example.com", "address=12 Acacia Avenue, Testtown, qa1x 5zz")
		o1 := link(r1)
		s1 := o1.Subject
		if !o1.Created || s1.Name != "Zebedee Example" || s1.Address != "12 Acacia Avenue, Testtown, qa1x 5zz" || s1.ForceCode != "QAA" {
			t.Fatalf("first: %+v subject %+v", o1, s1)
		}
		if !strings.Contains(o1.Evidence, "first referral of a new subject") || !strings.Contains(o1.Evidence, "QAA's area QA1X") {
			t.Errorf("evidence %q", o1.Evidence)
		}

		r2 := add("", "email=zeb@example.com", "phone=07700 900123")
		o2 := link(r2)
		if o2.Created || o2.Subject.ID != s1.ID {
			t.Fatalf("second: %+v", o2)
		}
		if want := fmt.Sprintf("linked to %s by e-mail z…@example.com in referrals %d and %d", s1.Ref, r1, r2); o2.Evidence != want {
			t.Errorf("evidence %q, want %q", o2.Evidence, want)
		}
		// A chain: the phone, written another way, is only on r2.
		r3 := add("", "phone=+44 (0)7700 900123")
		o3 := link(r3)
		if o3.Subject.ID != s1.ID || !strings.Contains(o3.Evidence, fmt.Sprintf("by phone +44…123 in referrals %d and %d", r2, r3)) {
			t.Fatalf("chain: %+v", o3)
		}

		// A second person, sharing only a name: a possible link.
		r4 := add("Chat", "username=@Quill", "name=ZEBEDEE example")
		o4 := link(r4)
		if !o4.Created || o4.Subject.ID == s1.ID || o4.Subject.ForceCode != "" {
			t.Fatalf("weak linked: %+v", o4)
		}
		if len(o4.Possible) != 1 || o4.Possible[0].Subject.ID != s1.ID || !strings.Contains(o4.Evidence, "possible link to "+s1.Ref+" by name Z… E…") {
			t.Errorf("possible: %+v / %q", o4.Possible, o4.Evidence)
		}
		s2 := o4.Subject

		// A bridge: linked to the older subject, the other a merge candidate.
		r5 := add("", "email=ZEB@example.com", "username=quill@chat")
		o5 := link(r5)
		if o5.Subject.ID != s1.ID || len(o5.MergeCandidates) != 1 || o5.MergeCandidates[0].Subject.ID != s2.ID {
			t.Fatalf("bridge: %+v", o5)
		}
		if !strings.Contains(o5.Evidence, fmt.Sprintf("also linked to %s by username q…@chat in referrals %d and %d: merge candidate, not merged", s2.Ref, r4, r5)) {
			t.Errorf("evidence %q", o5.Evidence)
		}

		// Account ids are case-sensitive: the blind index (which folds
		// case) finds the other, the check refuses it.
		r6 := add("Chat", "account_id=AbC1", "address=3 Quay Street, QA2 7ZZ")
		o6 := link(r6)
		r7 := add("Chat", "account_id=abc1")
		o7 := link(r7)
		if o6.Subject.ForceCode != "QAB" || !o7.Created || o7.Subject.ID == o6.Subject.ID {
			t.Fatalf("case-sensitive account id linked: %+v %+v", o6.Subject, o7.Subject)
		}
		// A national subject takes the force of a later installation address.
		r8 := add("Chat", "account_id=abc1@CHAT", "address=9 Quill Lane, QA1 5ZZ")
		o8 := link(r8)
		if o8.Subject.ID != o7.Subject.ID || o8.Subject.ForceCode != "QAA" || o8.Assignment == nil {
			t.Fatalf("placement: %+v %+v", o8, o8.Subject)
		}

		// Evidence is stored in clear: it must hold no whole identifier.
		for _, o := range []*linking.Outcome{o1, o2, o3, o4, o5, o6, o7, o8} {
			for _, secret := range []string{"zeb@", "Zebedee", "zebedee", "900123", "Acacia", "acacia", "quill@", "AbC1", "abc1", "5ZZ", "7ZZ"} {
				if strings.Contains(o.Evidence, secret) {
					t.Errorf("evidence of referral %d holds %q: %q", o.ReferralID, secret, o.Evidence)
				}
			}
		}
		// Linking again changes nothing.
		again := link(r2)
		if !again.AlreadyLinked || again.Subject.ID != s1.ID {
			t.Fatalf("again: %+v", again)
		}
		got, err := svc.Subjects.FindSubjectByID(ctx, s1.ID)
		if err != nil || len(got.Links) != 4 {
			t.Fatalf("links %+v %v", got, err)
		}

		// Force users may not link.
		fctx := safeguard.NewContextWithActor(context.Background(), safeguard.Actor{Kind: safeguard.ActorUser, ID: 9, Name: "sup", Role: safeguard.RoleSupervisor, ForceCode: "QAA"})
		if _, err := svc.LinkReferral(fctx, r2); safeguard.ErrorCode(err) != safeguard.EFORBIDDEN {
			t.Errorf("force user: %v", err)
		}
		if _, err := svc.LinkReferral(ctx, 9999); safeguard.ErrorCode(err) != safeguard.ENOTFOUND {
			t.Errorf("unknown referral: %v", err)
		}
	})
}
