package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"safeguard"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrateLockKey is the PostgreSQL advisory lock held while migrating, so
// several servers starting at once apply each migration once.
const migrateLockKey int64 = 0x73676d6967726174 // "sgmigrat"

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's embedded migrations in version order.
// Files are named NNNN_description.sql.
func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(db.dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: migration %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// Migrate applies every embedded migration not yet applied, each in its
// own transaction, recording it in schema_migrations, then (with a
// Sealer) recomputes blind indexes written under an older form (Reindex). On PostgreSQL it
// holds an advisory lock throughout so concurrent starts do not race.
// Returns EUNAVAILABLE if the database cannot be reached.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.migrations()
	if err != nil {
		return safeguard.WrapError(safeguard.EINTERNAL, err, "bad embedded migrations")
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	if db.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
			return translate(err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return translate(err)
	}
	for _, m := range ms {
		applied, err := db.applyMigration(ctx, conn, m)
		if err != nil {
			return safeguard.WrapError(safeguard.ErrorCode(err), err, "migration %s failed", m.name)
		} else if applied {
			db.log.Info("store: applied migration", "dialect", db.dialect, "migration", m.name)
		}
	}
	if db.opts.Sealer != nil {
		n, err := db.Reindex(ctx)
		if err != nil {
			return err
		} else if n > 0 {
			db.log.Info("store: recomputed blind indexes", "identifiers", n)
		}
	}
	return nil
}

// applyMigration runs m in a transaction unless it is already recorded;
// the check is inside the transaction so two SQLite processes cannot both
// apply it.
func (db *DB) applyMigration(ctx context.Context, conn *sql.Conn, m migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, translate(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return false, translate(err)
	} else if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, translate(err)
	}
	now := safeguard.NowFromContext(ctx).Format(timeLayout)
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, now); err != nil {
		return false, translate(err)
	}
	return true, translate(tx.Commit())
}
