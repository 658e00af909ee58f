package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"safeguard"
	"safeguard/password"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configures a DB. The zero value works for commands that need no
// personal data (migrate, audit verify); services that seal or open
// personal data return EINTERNAL without a Sealer.
type Options struct {
	// Sealer encrypts personal data and computes blind indexes.
	Sealer safeguard.Sealer
	// PasswordParams are the argon2id costs for new password hashes;
	// nil means password.Default. Tests pass cheap ones.
	PasswordParams *password.Params
	// Logger receives operational messages, never personal data; nil
	// discards them.
	Logger *slog.Logger

	// SessionIdle ends a session not used for this long (default 30m).
	SessionIdle time.Duration
	// SessionMaxAge ends a session this long after login (default 12h).
	SessionMaxAge time.Duration
	// MaxFailedLogins consecutive failures lock an account (default 5).
	MaxFailedLogins int
	// Lockout is how long a locked account stays locked (default 15m).
	Lockout time.Duration
}

func (o *Options) setDefaults() {
	if o.PasswordParams == nil {
		p := password.Default
		o.PasswordParams = &p
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SessionIdle <= 0 {
		o.SessionIdle = 30 * time.Minute
	}
	if o.SessionMaxAge <= 0 {
		o.SessionMaxAge = 12 * time.Hour
	}
	if o.MaxFailedLogins <= 0 {
		o.MaxFailedLogins = 5
	}
	if o.Lockout <= 0 {
		o.Lockout = 15 * time.Minute
	}
}

// DB is an open database: a connection pool, its dialect and options.
type DB struct {
	db      *sql.DB
	dialect Dialect
	opts    Options
	log     *slog.Logger

	dummyOnce sync.Once
	dummyHash string // checked for unknown users so timing does not tell
}

// Open opens the database named by rawURL without migrating it: callers
// run Migrate. rawURL is "sqlite:PATH", "sqlite://PATH", "file:PATH" or a
// "postgres://" / "postgresql://" URL. Returns EINVALID for an unknown
// scheme and EUNAVAILABLE if the database cannot be reached.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	opts.setDefaults()
	dialect, driver, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "cannot open database")
	}
	if dialect == SQLite {
		// Writers queue on SQLite's lock; a small pool keeps the busy
		// handler's polling short while WAL lets readers run beside them.
		sdb.SetMaxOpenConns(8)
		sdb.SetMaxIdleConns(8)
	} else {
		sdb.SetMaxOpenConns(32)
		sdb.SetMaxIdleConns(8)
		sdb.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{db: sdb, dialect: dialect, opts: opts, log: opts.Logger}
	if err := db.Ping(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// parseURL turns a database URL into a dialect, driver name and DSN.
func parseURL(rawURL string) (Dialect, string, string, error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return Postgres, "pgx", rawURL, nil
	case strings.HasPrefix(rawURL, "sqlite://"):
		return sqliteDSN(strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "sqlite:"):
		return sqliteDSN(strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "file:"):
		return sqliteDSN(rawURL)
	}
	return "", "", "", safeguard.Errorf(safeguard.EINVALID,
		"database URL must start with sqlite:, file: or postgres:// (got %q)", redactURL(rawURL))
}

// sqlitePragmas are run on every pooled connection through the DSN
// unless the URL sets the same pragma itself.
var sqlitePragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)",
	"cache_size(" + sqliteCacheSize + ")", "temp_store(memory)"}

// sqliteCacheSize is each connection's page cache: 64 MiB.
const sqliteCacheSize = "-65536"

func sqliteDSN(path string) (Dialect, string, string, error) {
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if path == "" || path == "file:" {
		return "", "", "", safeguard.Errorf(safeguard.EINVALID, "sqlite URL needs a file path")
	}
	if strings.Contains(path, ":memory:") || strings.Contains(query, "mode=memory") {
		// Each pooled connection would get its own empty database.
		return "", "", "", safeguard.Errorf(safeguard.EINVALID, "in-memory SQLite is not supported; use a file")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", "", "", safeguard.WrapError(safeguard.EINVALID, err, "bad sqlite URL parameters")
	}
	for _, p := range sqlitePragmas {
		name, _, _ := strings.Cut(p, "(")
		given := false
		for _, v := range q["_pragma"] {
			given = given || strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), name)
		}
		if !given {
			q.Add("_pragma", p)
		}
	}
	// Transactions begin IMMEDIATE so writers queue for the lock instead of
	// failing to upgrade a read lock; this also serialises audit appends.
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return SQLite, "sqlite", path + "?" + q.Encode(), nil
}

// redactURL drops any password from a URL before it reaches a message.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// Close closes the pool.
func (db *DB) Close() error { return db.db.Close() }

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks the database answers. Returns EUNAVAILABLE if it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database unavailable")
	}
	return nil
}

// String describes the database without secrets, for logs.
func (db *DB) String() string { return fmt.Sprintf("store(%s)", db.dialect) }
