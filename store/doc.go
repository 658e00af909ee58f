// Package store implements the root package's service interfaces over
// database/sql, with one set of SQL statements serving both SQLite
// (modernc.org/sqlite, the embedded default) and PostgreSQL (pgx), and
// embedded migrations per dialect.
//
// Services open their own transaction for each call. Inside it they check
// the actor from the context against its role's permissions, scope reads to
// the actor's force (a force user asking for another force's record gets
// ENOTFOUND, and the attempt is audited and committed), and append to the
// hash-chained audit log. Driver errors are translated into safeguard error
// codes by driver error code at this boundary, never by message text.
//
// Transactions: writes run in one transaction per call (BEGIN IMMEDIATE on
// SQLite, so writers queue for the lock); reads run as views that on
// SQLite read beside writers and append their audit events in a short
// write transaction afterwards. The audit chain is extended only at
// commit, under PostgreSQL's advisory lock or SQLite's write lock. Times
// are stored in UTC at microsecond precision on both databases (TEXT in a
// fixed-width layout on SQLite, TIMESTAMPTZ on PostgreSQL), so they round
// trip exactly and audit hashes verify on either.
//
// The package must never store personal data in clear (names, addresses,
// identifier values, referral documents and file names are sealed with the
// configured safeguard.Sealer, looked up through blind indexes), never log
// personal data or secrets, and never keep more than a SHA-256 of session
// and API token secrets. The audit log is append-only: nothing here updates
// or deletes an audit row.
package store
