package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"safeguard"
	"safeguard/keyring"
	"safeguard/password"
	"safeguard/store"
)

// cheapParams keep argon2id fast in tests; production uses password.Default.
var cheapParams = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// TestMain raises the default test parallelism: each PostgreSQL test
// spends most of its time waiting for CREATE DATABASE, not on a CPU.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}

// TestDB is a migrated database that exists for one test.
type TestDB struct {
	*store.DB
	URL  string // as given to store.Open
	Path string // SQLite file path; "" on PostgreSQL
}

// forEachDB runs fn as a parallel subtest on SQLite and, when
// SAFEGUARD_TEST_POSTGRES holds a URL, on PostgreSQL, each with a fresh
// database.
func forEachDB(t *testing.T, fn func(t *testing.T, db *TestDB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, MustOpenDB(t, store.SQLite))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("SAFEGUARD_TEST_POSTGRES") == "" {
			t.Skip("SAFEGUARD_TEST_POSTGRES not set")
		}
		t.Parallel()
		fn(t, MustOpenDB(t, store.Postgres))
	})
}

// MustOpenDB opens and migrates a fresh database of the dialect: a file in
// a temp dir on SQLite, a newly created database on PostgreSQL (dropped at
// cleanup).
func MustOpenDB(tb testing.TB, dialect store.Dialect, opts ...func(*store.Options)) *TestDB {
	tb.Helper()
	ctx := context.Background()
	tdb := &TestDB{}
	if dialect == store.SQLite {
		tdb.Path = filepath.Join(tb.TempDir(), "safeguard.db")
		tdb.URL = "sqlite:" + tdb.Path
	} else {
		tdb.URL = mustCreatePostgresDB(tb)
	}
	kr, err := keyring.New(keyring.NewKey())
	if err != nil {
		tb.Fatal(err)
	}
	o := store.Options{Sealer: kr, PasswordParams: &cheapParams}
	for _, f := range opts {
		f(&o)
	}
	db, err := store.Open(ctx, tdb.URL, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	tdb.DB = db
	return tdb
}

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
	name := "sgtest_" + hex.EncodeToString(b)
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

// t0 is the fixed clock most tests run at.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

// ctxAs returns a context acting as a user with the role (and force), at t0.
func ctxAs(role safeguard.Role, force string) context.Context {
	ctx := safeguard.NewContextWithNow(context.Background(), t0)
	ctx = safeguard.NewContextWithRequestID(ctx, "req-test")
	return safeguard.NewContextWithActor(ctx, safeguard.Actor{
		Kind: safeguard.ActorUser, ID: 1, Name: string(role) + "1", Role: role, ForceCode: force})
}

// systemCtx acts as the CLI would.
func systemCtx() context.Context {
	return safeguard.NewContextWithActor(safeguard.NewContextWithNow(context.Background(), t0), safeguard.SystemActor("test"))
}

// wantCode fails unless err carries the error code.
func wantCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := safeguard.ErrorCode(err); got != want {
		tb.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// mustForce creates a force with the code.
func mustForce(tb testing.TB, db *TestDB, code string) *safeguard.Force {
	tb.Helper()
	f := &safeguard.Force{Code: code, Name: "Force " + code, Areas: []string{"ZZ1"}, WeeklyCapacity: 5, Synthetic: true}
	if err := store.NewForceService(db.DB).CreateForce(systemCtx(), f); err != nil {
		tb.Fatal(err)
	}
	return f
}

// mustExec runs raw SQL behind the services' back.
func mustExec(tb testing.TB, db *TestDB, query string, args ...any) {
	tb.Helper()
	if _, err := db.RawDB().Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", strings.Fields(query)[0], err)
	}
}
