package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"safeguard"
)

// translate turns a driver or database/sql error into a *safeguard.Error by
// error code, keeping the original as the cause for logs. Errors that are
// already *safeguard.Error pass through unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var se *safeguard.Error
	if errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return safeguard.WrapError(safeguard.ENOTFOUND, err, "not found")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "request cancelled or timed out")
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// Whatever the server said while connecting (refused, no such
		// database, bad password), the database cannot be used now.
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database unavailable")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return translatePg(pe, err)
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		return translateSQLite(le.Code(), err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) {
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database unavailable")
	}
	return safeguard.WrapError(safeguard.EINTERNAL, err, "internal error")
}

// PostgreSQL SQLSTATE codes this package reacts to.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgNotNullViolation     = "23502"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgRaiseException       = "P0001"
)

func translatePg(pe *pgconn.PgError, err error) error {
	switch code := pe.Code; {
	case code == pgUniqueViolation:
		return safeguard.WrapError(safeguard.ECONFLICT, err, "already exists")
	case code == pgForeignKeyViolation:
		return safeguard.WrapError(safeguard.EINVALID, err, "refers to a record that does not exist, or is still referred to")
	case code == pgNotNullViolation, code == pgCheckViolation, strings.HasPrefix(code, "22"):
		return safeguard.WrapError(safeguard.EINVALID, err, "invalid value")
	case code == pgSerializationFailure, code == pgDeadlockDetected:
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database busy, try again")
	case code == pgRaiseException:
		return safeguard.WrapError(safeguard.EFORBIDDEN, err, "refused by the database")
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "57P"):
		// connection exception, insufficient resources, operator intervention
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database unavailable")
	}
	return safeguard.WrapError(safeguard.EINTERNAL, err, "internal error")
}

func translateSQLite(code int, err error) error {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return safeguard.WrapError(safeguard.ECONFLICT, err, "already exists")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return safeguard.WrapError(safeguard.EINVALID, err, "refers to a record that does not exist, or is still referred to")
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
		return safeguard.WrapError(safeguard.EINVALID, err, "invalid value")
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return safeguard.WrapError(safeguard.EFORBIDDEN, err, "refused by the database")
	}
	switch code & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database busy, try again")
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return safeguard.WrapError(safeguard.EUNAVAILABLE, err, "database unavailable")
	case sqlite3.SQLITE_CONSTRAINT:
		return safeguard.WrapError(safeguard.EINVALID, err, "invalid value")
	}
	return safeguard.WrapError(safeguard.EINTERNAL, err, "internal error")
}

// retryable reports whether a translated error came from a transient
// conflict between transactions that a fresh attempt may not meet.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgSerializationFailure || pe.Code == pgDeadlockDetected
	}
	var le *sqlite.Error
	if errors.As(err, &le) {
		return le.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return false
}
