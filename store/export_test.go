package store

import "database/sql"

// RawDB exposes the pool to tests that must tamper with the database
// behind the services' back (dropping audit triggers, editing rows).
func (db *DB) RawDB() *sql.DB { return db.db }
