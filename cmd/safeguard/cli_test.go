package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// runCLI runs the command in-process with the environment env and returns
// its output and error.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	err = Run(context.Background(), e, args)
	return out.String(), errb.String(), err
}

// cliDB is a fresh database for a CLI test: its URL, the raw driver and DSN
// for tampering, and the key file.
type cliDB struct {
	url, driver, dsn, keyFile string
}

// forEachCLIDB runs fn on a fresh SQLite file and, when
// SAFEGUARD_TEST_POSTGRES is set, on a fresh PostgreSQL database.
func forEachCLIDB(t *testing.T, fn func(t *testing.T, db cliDB)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "cli.db")
		fn(t, cliDB{url: "sqlite:" + path, driver: "sqlite", dsn: path, keyFile: filepath.Join(dir, "key")})
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("SAFEGUARD_TEST_POSTGRES")
		if base == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("SAFEGUARD_TEST_POSTGRES must be set in CI")
			}
			t.Skip("SAFEGUARD_TEST_POSTGRES not set")
		}
		fn(t, cliDB{url: mustCreatePostgres(t, base), driver: "pgx", keyFile: filepath.Join(t.TempDir(), "key")})
	})
}

func mustCreatePostgres(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "sg_cli_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func (db cliDB) raw(t *testing.T) *sql.DB {
	t.Helper()
	dsn := db.dsn
	if db.driver == "pgx" {
		dsn = db.url
	}
	r, err := sql.Open(db.driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestUnknownCommandAndHelp(t *testing.T) {
	if _, _, err := runCLI(t, nil, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: err = %v", err)
	}
	out, _, err := runCLI(t, nil, "--help")
	if err != nil || !strings.Contains(out, "serve") || !strings.Contains(out, "audit") {
		t.Fatalf("--help: err = %v, out = %q", err, out)
	}
	_, errOut, err := runCLI(t, nil, "user", "add", "--help")
	if exitCode(err) != 0 || !strings.Contains(errOut, "--role") {
		t.Fatalf("user add --help: exit %d, stderr %q", exitCode(err), errOut)
	}
	if _, _, err := runCLI(t, nil, "serve", "--no-such-flag"); err == nil || exitCode(err) == 0 {
		t.Fatalf("bad flag accepted: %v", err)
	}
}

func TestAdminCommandsAndAuditVerify(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		if _, errOut, err := runCLI(t, env, "migrate"); err != nil {
			t.Fatalf("migrate: %v", err)
		} else if !strings.Contains(errOut, "created data key") {
			t.Fatalf("migrate did not report creating the key: %q", errOut)
		}
		if fi, err := os.Stat(db.keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v, mode %v", err, fi.Mode())
		}
		out, _, err := runCLI(t, env, "user", "add", "--name", "a.analyst", "--role", "analyst")
		if err != nil {
			t.Fatalf("user add: %v", err)
		}
		if !regexp.MustCompile(`one-time password: \S{12,}`).MatchString(out) {
			t.Fatalf("user add printed no one-time password: %q", out)
		}
		if _, _, err := runCLI(t, env, "user", "add", "--name", "a.analyst", "--role", "analyst"); err == nil {
			t.Fatal("user add of an existing name succeeded")
		}
		if _, _, err := runCLI(t, env, "user", "add", "--name", "b.inv", "--role", "investigator"); err == nil || !strings.Contains(err.Error(), "force") {
			t.Fatalf("investigator without force: err = %v", err)
		}
		if _, _, err := runCLI(t, env, "user", "add", "--name", "c.x", "--role", "wizard"); err == nil || !strings.Contains(err.Error(), "role") {
			t.Fatalf("unknown role: err = %v", err)
		}
		secret, _, err := runCLI(t, env, "token", "add", "--name", "intake-system", "--role", "analyst")
		if err != nil || !strings.HasPrefix(secret, "sg_") {
			t.Fatalf("token add: %q, %v", secret, err)
		}

		out, _, err = runCLI(t, env, "audit", "verify")
		if err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("audit verify on an intact chain: %q, %v", out, err)
		}

		// Edit one row: verify must fail naming it.
		raw := db.raw(t)
		var seq int64
		if err := raw.QueryRow(`SELECT MIN(seq) FROM audit_events WHERE action LIKE 'user.%'`).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		dropAppendOnly(t, raw, db.driver)
		if _, err := raw.Exec(`UPDATE audit_events SET actor = 'user:999:mallory' WHERE seq = $1`, seq); err != nil {
			t.Fatal(err)
		}
		_, _, err = runCLI(t, env, "audit", "verify")
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "row "+itoa(seq)) {
			t.Fatalf("audit verify after editing row %d: exit %d, %v", seq, exitCode(err), err)
		}
	})
}

func TestAuditVerifyAfterDelete(t *testing.T) {
	forEachCLIDB(t, func(t *testing.T, db cliDB) {
		env := map[string]string{"SAFEGUARD_DB": db.url, "SAFEGUARD_KEY_FILE": db.keyFile}
		runCLI(t, env, "migrate")
		for _, n := range []string{"u.one", "u.two", "u.three"} {
			if _, _, err := runCLI(t, env, "user", "add", "--name", n, "--role", "auditor"); err != nil {
				t.Fatal(err)
			}
		}
		raw := db.raw(t)
		var n, mid int64
		raw.QueryRow(`SELECT COUNT(*), MIN(seq) + 1 FROM audit_events`).Scan(&n, &mid)
		if n < 3 {
			t.Fatalf("only %d audit rows after three user adds", n)
		}
		dropAppendOnly(t, raw, db.driver)
		if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = $1`, mid); err != nil {
			t.Fatal(err)
		}
		_, _, err := runCLI(t, env, "audit", "verify", "--json")
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "row "+itoa(mid+1)) {
			t.Fatalf("audit verify after deleting row %d: exit %d, %v", mid, exitCode(err), err)
		}
	})
}

// dropAppendOnly removes the triggers that keep audit_events append-only,
// as an attacker with database access could.
func dropAppendOnly(t *testing.T, raw *sql.DB, driver string) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`}
	if driver == "pgx" {
		stmts = []string{`DROP TRIGGER audit_events_no_update ON audit_events`, `DROP TRIGGER audit_events_no_delete ON audit_events`}
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
