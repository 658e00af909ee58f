package store

import (
	"database/sql"

	"safeguard"
)

// RawDB exposes the pool to tests that must tamper with the database
// behind the services' back (dropping audit triggers, editing rows).
func (db *DB) RawDB() *sql.DB { return db.db }

// Sealer exposes the data key to tests that write rows as an older
// version did.
func (db *DB) Sealer() safeguard.Sealer { return db.opts.Sealer }
