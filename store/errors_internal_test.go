package store

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"safeguard"
)

func TestTranslate_PostgresCodes(t *testing.T) {
	for code, want := range map[string]string{
		"23505": safeguard.ECONFLICT,
		"23503": safeguard.EINVALID,
		"23502": safeguard.EINVALID,
		"22P02": safeguard.EINVALID,
		"40001": safeguard.EUNAVAILABLE,
		"40P01": safeguard.EUNAVAILABLE,
		"08006": safeguard.EUNAVAILABLE,
		"57P01": safeguard.EUNAVAILABLE,
		"42P01": safeguard.EINTERNAL,
	} {
		// The message is deliberately misleading: only the code may count.
		err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code, Message: "duplicate key value violates unique constraint"})
		if got := safeguard.ErrorCode(translate(err)); got != want {
			t.Errorf("SQLSTATE %s: got %s, want %s", code, got, want)
		}
	}
	if got := safeguard.ErrorCode(translate(sql.ErrNoRows)); got != safeguard.ENOTFOUND {
		t.Errorf("ErrNoRows: got %s", got)
	}
	if !retryable(translate(&pgconn.PgError{Code: "40001"})) {
		t.Error("serialization failure not retryable")
	}
	if translate(nil) != nil {
		t.Error("translate(nil) != nil")
	}
}

func TestTranslate_SQLiteCodes(t *testing.T) {
	for code, want := range map[int]string{
		2067: safeguard.ECONFLICT,    // SQLITE_CONSTRAINT_UNIQUE
		1555: safeguard.ECONFLICT,    // SQLITE_CONSTRAINT_PRIMARYKEY
		787:  safeguard.EINVALID,     // SQLITE_CONSTRAINT_FOREIGNKEY
		1299: safeguard.EINVALID,     // SQLITE_CONSTRAINT_NOTNULL
		5:    safeguard.EUNAVAILABLE, // SQLITE_BUSY
		517:  safeguard.EUNAVAILABLE, // SQLITE_BUSY_SNAPSHOT
		6:    safeguard.EUNAVAILABLE, // SQLITE_LOCKED
		1:    safeguard.EINTERNAL,    // SQLITE_ERROR
	} {
		if got := safeguard.ErrorCode(translateSQLite(code, fmt.Errorf("code %d", code))); got != want {
			t.Errorf("sqlite code %d: got %s, want %s", code, got, want)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:/tmp/a.db":                     "/tmp/a.db?_pragma=busy_timeout%2810000%29&_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=cache_size%28-65536%29&_pragma=temp_store%28memory%29&_txlock=immediate",
		"sqlite:///tmp/a.db":                   "/tmp/a.db?_pragma=busy_timeout%2810000%29&_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=cache_size%28-65536%29&_pragma=temp_store%28memory%29&_txlock=immediate",
		"sqlite:a.db?_pragma=busy_timeout(50)": "a.db?_pragma=busy_timeout%2850%29&_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=cache_size%28-65536%29&_pragma=temp_store%28memory%29&_txlock=immediate",
		"file:a.db":                            "file:a.db?_pragma=busy_timeout%2810000%29&_pragma=journal_mode%28WAL%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_pragma=cache_size%28-65536%29&_pragma=temp_store%28memory%29&_txlock=immediate",
	} {
		d, driver, dsn, err := parseURL(in)
		if err != nil || d != SQLite || driver != "sqlite" || dsn != want {
			t.Errorf("%s: got %s %s %q %v, want %q", in, d, driver, dsn, err, want)
		}
	}
}

func TestRebind(t *testing.T) {
	lite, pg := &DB{dialect: SQLite}, &DB{dialect: Postgres}
	in := `SELECT a FROM t WHERE b = $1 AND c = '$2' AND d IN ($2, $10) AND e = '$'`
	if got, want := lite.rebind(in), `SELECT a FROM t WHERE b = ?1 AND c = '$2' AND d IN (?2, ?10) AND e = '$'`; got != want {
		t.Errorf("sqlite:\n got %s\nwant %s", got, want)
	}
	if got := pg.rebind(in); got != in {
		t.Errorf("postgres changed the query: %s", got)
	}
}
