package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"safeguard"
	"safeguard/store"
)

func TestOpen_BadURL(t *testing.T) {
	for _, u := range []string{"mysql://x", "sqlite:", "sqlite::memory:", ""} {
		_, err := store.Open(context.Background(), u, store.Options{})
		wantCode(t, err, safeguard.EINVALID)
	}
}

func TestOpen_PostgresDown(t *testing.T) {
	// Port 1 on localhost refuses connections.
	_, err := store.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", store.Options{})
	wantCode(t, err, safeguard.EUNAVAILABLE)
}

func TestMigrate_Idempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := db.Dialect(), db.Dialect(); got != want {
			t.Fatalf("dialect %q", got)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.RawDB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		} else if n < 1 {
			t.Fatalf("schema_migrations has %d rows", n)
		}
	})
}

func TestSQLite_Pragmas(t *testing.T) {
	db := MustOpenDB(t, store.SQLite)
	var mode string
	var fk, busy int
	if err := db.RawDB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := db.RawDB().QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.RawDB().QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || fk != 1 || busy < 1000 {
		t.Fatalf("journal_mode=%s foreign_keys=%d busy_timeout=%d", mode, fk, busy)
	}
}

func TestForce_UniqueViolationIsConflict(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		fs := store.NewForceService(db.DB)
		mustForce(t, db, "KNT")
		err := fs.CreateForce(systemCtx(), &safeguard.Force{Code: "KNT", Name: "Again"})
		wantCode(t, err, safeguard.ECONFLICT)

		got, err := fs.FindForceByCode(ctxAs(safeguard.RoleAnalyst, ""), "KNT")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Force KNT" || len(got.Areas) != 1 || !got.Synthetic || got.WeeklyCapacity != 5 {
			t.Fatalf("got %+v", got)
		}
		_, err = fs.FindForceByCode(ctxAs(safeguard.RoleAnalyst, ""), "NOPE")
		wantCode(t, err, safeguard.ENOTFOUND)
		_, err = fs.FindForces(context.Background())
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		err = fs.CreateForce(ctxAs(safeguard.RoleAnalyst, ""), &safeguard.Force{Code: "ABC", Name: "A"})
		wantCode(t, err, safeguard.EFORBIDDEN)
	})
}

func TestSQLite_LockedIsUnavailable(t *testing.T) {
	tdb := MustOpenDB(t, store.SQLite)
	ctx := context.Background()
	db, err := store.Open(ctx, tdb.URL+"?_pragma=busy_timeout(50)", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Another connection holds the write lock.
	conn, err := tdb.RawDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)
	err = store.NewForceService(db).CreateForce(systemCtx(), &safeguard.Force{Code: "KNT", Name: "K"})
	wantCode(t, err, safeguard.EUNAVAILABLE)
	// Plain reads do not queue behind the writer.
	if _, err := store.NewForceService(db).FindForces(systemCtx()); err != nil {
		t.Fatalf("read beside a writer: %v", err)
	}
}

func TestMigrate_ConcurrentStarts(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			var u string
			if dialect == store.SQLite {
				u = "sqlite:" + filepath.Join(t.TempDir(), "m.db")
			} else if os.Getenv("SAFEGUARD_TEST_POSTGRES") == "" {
				t.Skip("SAFEGUARD_TEST_POSTGRES not set")
			} else {
				u = mustCreatePostgresDB(t)
			}
			t.Parallel()
			const servers = 3
			var wg sync.WaitGroup
			errs := make(chan error, servers)
			for i := 0; i < servers; i++ {
				db, err := store.Open(context.Background(), u, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- db.Migrate(context.Background())
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(context.Background(), u, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n, distinct int
			if err := db.RawDB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
				t.Fatal(err)
			}
			if n != distinct || n < 1 {
				t.Fatalf("schema_migrations: %d rows, %d versions", n, distinct)
			}
		})
	}
}

func TestPostgres_DroppedIsUnavailable(t *testing.T) {
	base := os.Getenv("SAFEGUARD_TEST_POSTGRES")
	if base == "" {
		t.Skip("SAFEGUARD_TEST_POSTGRES not set")
	}
	t.Parallel()
	db := MustOpenDB(t, store.Postgres)
	fs := store.NewForceService(db.DB)
	if _, err := fs.FindForces(systemCtx()); err != nil {
		t.Fatal(err)
	}
	// The database goes away under the running server.
	var name string
	if err := db.RawDB().QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`); err != nil {
		t.Fatal(err)
	}
	_, err = fs.FindForces(systemCtx())
	wantCode(t, err, safeguard.EUNAVAILABLE)
	wantCode(t, db.Ping(context.Background()), safeguard.EUNAVAILABLE)
}

func TestOpen_SQLiteURLForms(t *testing.T) {
	dir := t.TempDir()
	for i, prefix := range []string{"sqlite:", "sqlite://", "file:"} {
		path := filepath.Join(dir, fmt.Sprintf("f%d.db", i))
		db, err := store.Open(context.Background(), prefix+path, store.Options{})
		if err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		var mode string
		if err := db.RawDB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" || db.Dialect() != store.SQLite {
			t.Fatalf("%s: journal_mode %q, %v", prefix, mode, err)
		}
		db.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: no file at %s: %v", prefix, path, err)
		}
	}
}
