package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"safeguard"
)

// BankService stores hash banks. Hashes are not personal data and are
// stored in clear, indexed for plain SQL lookups. Reads run on the pool,
// outside any transaction, so they never queue behind SQLite's write lock
// while a large import is running.
type BankService struct{ db *DB }

var _ safeguard.BankService = (*BankService)(nil)

// NewBankService returns a BankService over db.
func NewBankService(db *DB) *BankService { return &BankService{db: db} }

const (
	// Entries per INSERT. PostgreSQL gains from multi-row INSERTs, which
	// save round trips. SQLite has none to save, and a multi-row INSERT
	// costs it a statement journal (each page it changes copied aside in
	// case it fails half way), so there one prepared single-row INSERT is
	// fastest. Both stay far below the parameter limits (11 a row).
	bankInsertRowsPostgres = 250
	bankInsertRowsSQLite   = 1
	// bankImportCacheKiB is SQLite's page cache during an import, so that
	// index pages touched at random by new hashes are not spilled to the
	// WAL before commit (about 100 bytes of index and table a hash).
	bankImportCacheKiB = 128 << 10
)

// errImportAborted stops an import whose iterator failed; ImportBank
// returns the iterator's own error instead.
var errImportAborted = errors.New("store: bank import aborted by its entries")

// ImportBank replaces the entries of the bank named b.Name (creating it if
// new) with entries, all or nothing, in one transaction, and bumps the
// bank's version. It records the actor, the time, the entry count and
// b.SHA256 (the imported file's); b.Source and b.Licence replace the old
// ones when given. On success b holds the bank as stored.
//
// The iterator is consumed once: the transaction is never retried. An
// error from it aborts the import and is returned unchanged, so a parser's
// line or element path reaches the user. On SQLite other writers wait for
// the import (about 4 s for 100,000 entries); readers carry on and see the
// old version until it commits. Returns EINVALID for a malformed
// bank or entry, or a bank that exists with another scheme;
// EUNAUTHORIZED without an actor and EFORBIDDEN without PermManageBanks.
func (s *BankService) ImportBank(ctx context.Context, b *safeguard.HashBank, entries iter.Seq2[*safeguard.BankEntry, error]) error {
	if err := b.Validate(); err != nil {
		return err
	}
	sum := strings.ToLower(b.SHA256)
	if sum != "" && !isHexOfLen(sum, 64) {
		return safeguard.Errorf(safeguard.EINVALID, "file SHA-256 must be 64 hex digits")
	}
	var iterErr error
	var stored safeguard.HashBank
	err := s.db.runOnce(ctx, func(tx *Tx) error {
		a, err := tx.require("bank.import", safeguard.PermManageBanks)
		if err != nil {
			return err
		}
		// Creating or bumping the row first locks it, so concurrent
		// imports into one bank queue instead of interleaving.
		stored = safeguard.HashBank{Name: b.Name, SHA256: sum, ImportedBy: a.Label(), ImportedAt: tx.now}
		var scheme string
		if err := tx.queryRow(`INSERT INTO hash_banks (name, version, scheme, source, licence, imported_at, created_at)
			VALUES ($1, 1, $2, $3, $4, $5, $6)
			ON CONFLICT (name) DO UPDATE SET version = hash_banks.version + 1
			RETURNING id, version, scheme, source, licence`,
			[]any{b.Name, string(b.Scheme), b.Source, b.Licence, tx.now, tx.now},
			&stored.ID, &stored.Version, &scheme, &stored.Source, &stored.Licence); err != nil {
			return err
		}
		if stored.Scheme = safeguard.Scheme(scheme); stored.Scheme != b.Scheme {
			return safeguard.Errorf(safeguard.EINVALID, "bank %q uses the %s scheme, not %s: import into a new bank",
				b.Name, stored.Scheme, b.Scheme)
		}
		if b.Source != "" {
			stored.Source = b.Source
		}
		if b.Licence != "" {
			stored.Licence = b.Licence
		}
		if tx.db.dialect == SQLite {
			restore, err := growSQLiteCache(tx)
			if err != nil {
				return err
			}
			defer restore()
		}
		if _, err := tx.exec(`DELETE FROM bank_entries WHERE bank_id = $1`, stored.ID); err != nil {
			return err
		}
		ins, err := newEntryInserter(tx, stored.ID, stored.Scheme)
		if err != nil {
			return err
		}
		defer ins.close()
		for e, err := range entries {
			if err != nil {
				iterErr = err
				return errImportAborted
			}
			if err := ins.add(e); err != nil {
				return err
			}
		}
		if err := ins.flush(); err != nil {
			return err
		}
		cats, err := json.Marshal(ins.categories)
		if err != nil {
			return err
		}
		stored.Entries = ins.count
		if _, err := tx.exec(`UPDATE hash_banks SET source = $1, licence = $2, sha256 = $3, entries = $4,
			categories = $5, imported_by = $6, imported_at = $7 WHERE id = $8`,
			stored.Source, stored.Licence, stored.SHA256, stored.Entries, string(cats),
			stored.ImportedBy, tx.now, stored.ID); err != nil {
			return err
		}
		return tx.audit("bank.import", "bank", id(stored.ID), fmt.Sprintf("name=%s entries=%d version=%d sha256=%s",
			stored.Name, stored.Entries, stored.Version, stored.SHA256))
	})
	if iterErr != nil {
		return iterErr
	} else if err != nil {
		return err
	}
	*b = stored
	return nil
}

// entryInserter batches entries into multi-row INSERTs, reusing one
// prepared statement for every full batch.
type entryInserter struct {
	tx         *Tx
	bankID     int64
	scheme     safeguard.Scheme
	full       *sql.Stmt // inserts batch rows
	batch      int
	args       []any
	rows       int
	count      int
	categories map[string]int
}

const entryInsertColumns = 11

func newEntryInserter(tx *Tx, bankID int64, scheme safeguard.Scheme) (*entryInserter, error) {
	batch := bankInsertRowsPostgres
	if tx.db.dialect == SQLite {
		batch = bankInsertRowsSQLite
	}
	stmt, err := tx.prepare(entryInsertSQL(tx.db, batch))
	if err != nil {
		return nil, err
	}
	return &entryInserter{tx: tx, bankID: bankID, scheme: scheme, full: stmt, batch: batch,
		args: make([]any, 0, batch*entryInsertColumns), categories: map[string]int{}}, nil
}

func entryInsertSQL(db *DB, rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO bank_entries (bank_id, entry_id, md5, sha1, sha256, pdq, quality, photodna, category, size, extra) VALUES `)
	db.writeRows(&b, rows, entryInsertColumns, nil)
	return b.String()
}

// add checks and normalises e and queues it, writing a batch when full.
func (ins *entryInserter) add(e *safeguard.BankEntry) error {
	n := ins.count + 1
	if e == nil {
		return safeguard.Errorf(safeguard.EINVALID, "entry %d is empty", n)
	}
	bad := func(format string, args ...any) error {
		return safeguard.Errorf(safeguard.EINVALID, "entry %d (id %q): %s", n, e.EntryID, fmt.Sprintf(format, args...))
	}
	hashes := [4]string{strings.ToLower(e.MD5), strings.ToLower(e.SHA1), strings.ToLower(e.SHA256), strings.ToLower(e.PDQ)}
	for i, want := range [4]int{32, 40, 64, 64} {
		if hashes[i] != "" && !isHexOfLen(hashes[i], want) {
			return bad("%s must be %d hex digits", [4]string{"md5", "sha1", "sha256", "pdq"}[i], want)
		}
	}
	cat := e.Category
	if cat == "" {
		cat = safeguard.Uncategorised
	}
	if !ins.scheme.ValidCategory(cat) {
		return bad("category %q is not in the %s scheme", cat, ins.scheme)
	}
	var quality, size, extra any
	if e.Quality != nil {
		if *e.Quality < 0 || *e.Quality > 100 {
			return bad("PDQ quality %d is not 0-100", *e.Quality)
		}
		quality = int64(*e.Quality)
	}
	if e.Size != nil {
		if *e.Size < 0 {
			return bad("negative size")
		}
		size = *e.Size
	}
	if len(e.Extra) > 0 {
		if !json.Valid(e.Extra) {
			return bad("extra fields are not valid JSON")
		}
		extra = string(e.Extra)
	}
	ins.args = append(ins.args, ins.bankID, e.EntryID, hashes[0], hashes[1], hashes[2], hashes[3],
		quality, e.PhotoDNA, cat, size, extra)
	ins.rows++
	ins.count++
	ins.categories[cat]++
	if ins.rows == ins.batch {
		if _, err := ins.full.ExecContext(ins.tx.ctx, ins.args...); err != nil {
			return translate(err)
		}
		ins.args, ins.rows = ins.args[:0], 0
	}
	return nil
}

// flush writes the last, partial batch.
func (ins *entryInserter) flush() error {
	if ins.rows == 0 {
		return nil
	}
	_, err := ins.tx.exec(entryInsertSQL(ins.tx.db, ins.rows), ins.args...)
	ins.args, ins.rows = ins.args[:0], 0
	return err
}

func (ins *entryInserter) close() { ins.full.Close() }

// growSQLiteCache enlarges the connection's page cache for an import and
// returns a function that puts the old size back.
func growSQLiteCache(tx *Tx) (func(), error) {
	var old int64
	if err := tx.queryRow(`PRAGMA cache_size`, nil, &old); err != nil {
		return nil, err
	}
	if _, err := tx.exec(`PRAGMA cache_size = ` + strconv.Itoa(-bankImportCacheKiB)); err != nil {
		return nil, err
	}
	return func() { tx.exec(`PRAGMA cache_size = ` + strconv.FormatInt(old, 10)) }, nil
}

// isHexOfLen reports whether s is exactly n lower-case hex digits.
func isHexOfLen(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
