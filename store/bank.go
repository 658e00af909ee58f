package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sort"
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
	// costs it a statement journal (and compile time quadratic in the
	// rows), so there one prepared single-row INSERT is fastest. Both stay
	// far below the parameter limits (11 a row).
	bankInsertRowsPostgres = 250
	bankInsertRowsSQLite   = 1
	// bankImportCacheKiB is SQLite's page cache during an import, so that
	// index pages touched at random by new hashes are not spilled to the
	// WAL before commit (about 100 bytes of index and table a hash).
	bankImportCacheKiB = 128 << 10
	// bankChunk is how many entries BankEntries reads per query.
	bankChunk = 5000
	// lookupBatch is how many hashes LookupExact asks for per query.
	lookupBatch = 500
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
// line or element path reaches the user. Returns EINVALID for a malformed
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
	stmt, err := tx.prepare(entryInsertSQL(batch))
	if err != nil {
		return nil, err
	}
	return &entryInserter{tx: tx, bankID: bankID, scheme: scheme, full: stmt, batch: batch,
		args: make([]any, 0, batch*entryInsertColumns), categories: map[string]int{}}, nil
}

func entryInsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO bank_entries (bank_id, entry_id, md5, sha1, sha256, pdq, quality, photodna, category, size, extra) VALUES `)
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range entryInsertColumns {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(r*entryInsertColumns + c + 1))
		}
		b.WriteByte(')')
	}
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
	_, err := ins.tx.exec(entryInsertSQL(ins.rows), ins.args...)
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

// allowRead returns the actor in ctx if it holds any of perms, for reads
// that run outside a transaction. Without an actor it returns
// EUNAUTHORIZED; a refusal is audited and committed, as tx.require does.
func (db *DB) allowRead(ctx context.Context, action string, perms ...safeguard.Permission) (safeguard.Actor, error) {
	a, ok := safeguard.ActorFromContext(ctx)
	if !ok {
		return a, safeguard.Errorf(safeguard.EUNAUTHORIZED, "you must be signed in")
	}
	for _, p := range perms {
		if can(a, p) {
			return a, nil
		}
	}
	err := db.view(ctx, func(tx *Tx) error {
		_, err := tx.require(action, perms...)
		return err
	})
	if err == nil {
		err = safeguard.Errorf(safeguard.EFORBIDDEN, "your role may not do this")
	}
	return a, err
}

const bankColumns = `id, name, version, scheme, source, licence, sha256, entries, imported_by, imported_at`

func scanBank(sc interface{ Scan(...any) error }) (*safeguard.HashBank, error) {
	b := &safeguard.HashBank{}
	var scheme string
	if err := sc.Scan(&b.ID, &b.Name, &b.Version, &scheme, &b.Source, &b.Licence, &b.SHA256,
		&b.Entries, &b.ImportedBy, timeCol{&b.ImportedAt}); err != nil {
		return nil, translate(err)
	}
	b.Scheme = safeguard.Scheme(scheme)
	return b, nil
}

// FindBanks lists banks by name. Requires PermMatch or PermManageBanks.
func (s *BankService) FindBanks(ctx context.Context) ([]*safeguard.HashBank, error) {
	if _, err := s.db.allowRead(ctx, "bank.list", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+bankColumns+` FROM hash_banks ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var banks []*safeguard.HashBank
	for rows.Next() {
		b, err := scanBank(rows)
		if err != nil {
			return nil, err
		}
		banks = append(banks, b)
	}
	return banks, translate(rows.Err())
}

// FindBankByName returns the bank. Returns ENOTFOUND if there is none;
// requires PermMatch or PermManageBanks.
func (s *BankService) FindBankByName(ctx context.Context, name string) (*safeguard.HashBank, error) {
	if _, err := s.db.allowRead(ctx, "bank.read", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
		return nil, err
	}
	b, err := scanBank(s.db.db.QueryRowContext(ctx, `SELECT `+bankColumns+` FROM hash_banks WHERE name = $1`, name))
	if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
		return nil, safeguard.Errorf(safeguard.ENOTFOUND, "no bank named %q", name)
	}
	return b, err
}

// CategoryCounts returns the bank's entry counts by category, as counted
// at import. Returns ENOTFOUND if there is no such bank; requires PermMatch
// or PermManageBanks.
func (s *BankService) CategoryCounts(ctx context.Context, bankID int64) (map[string]int, error) {
	if _, err := s.db.allowRead(ctx, "bank.read", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
		return nil, err
	}
	var raw string
	err := s.db.db.QueryRowContext(ctx, `SELECT categories FROM hash_banks WHERE id = $1`, bankID).Scan(&raw)
	if err != nil {
		if err = translate(err); safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return nil, errNoBank()
		}
		return nil, err
	}
	counts := map[string]int{}
	if err := json.Unmarshal([]byte(raw), &counts); err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "corrupt bank category counts")
	}
	return counts, nil
}

func errNoBank() error { return safeguard.Errorf(safeguard.ENOTFOUND, "no such bank") }

// BankVersions returns every bank's version by id, in one small query and
// without auditing, so that servers holding in-memory indexes can poll it
// and reload the banks that changed. Requires PermMatch or PermManageBanks.
func (s *BankService) BankVersions(ctx context.Context) (map[int64]int, error) {
	if _, err := s.db.allowRead(ctx, "bank.versions", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT id, version FROM hash_banks`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	versions := map[int64]int{}
	for rows.Next() {
		var bankID int64
		var v int
		if err := rows.Scan(&bankID, &v); err != nil {
			return nil, translate(err)
		}
		versions[bankID] = v
	}
	return versions, translate(rows.Err())
}

// BankEntries streams a bank's entries in id order, auditing the export
// (bank.export) first. Entries are read in chunks, each query its own
// snapshot, with nothing held open while the caller handles them; if the
// bank is re-imported meanwhile, the stream ends with ECONFLICT rather
// than mixing two versions. Yields ENOTFOUND for no such bank, and
// EUNAUTHORIZED or EFORBIDDEN (without PermMatch or PermManageBanks).
func (s *BankService) BankEntries(ctx context.Context, bankID int64) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		var version int
		err := s.db.view(ctx, func(tx *Tx) error {
			if _, err := tx.require("bank.export", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
				return err
			}
			var name string
			err := tx.queryRow(`SELECT name, version FROM hash_banks WHERE id = $1`, []any{bankID}, &name, &version)
			if safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
				return errNoBank()
			} else if err != nil {
				return err
			}
			return tx.audit("bank.export", "bank", id(bankID), fmt.Sprintf("name=%s version=%d", name, version))
		})
		if err != nil {
			yield(nil, err)
			return
		}
		after := int64(0)
		for {
			chunk, err := s.entryChunk(ctx, bankID, version, after)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, e := range chunk {
				if !yield(e, nil) {
					return
				}
			}
			if len(chunk) == bankChunk {
				after = chunk[len(chunk)-1].ID
				continue
			} else if len(chunk) > 0 {
				return // a short chunk is the end of version's entries
			}
			// Nothing came back: either the end, or the version changed.
			var now int
			err = s.db.db.QueryRowContext(ctx, `SELECT version FROM hash_banks WHERE id = $1`, bankID).Scan(&now)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				yield(nil, translate(err))
			} else if err != nil || now != version {
				yield(nil, safeguard.Errorf(safeguard.ECONFLICT, "the bank changed during the export: start again"))
			}
			return
		}
	}
}

// entryChunk reads up to bankChunk entries after the id, only while the
// bank is at the version; the join makes each chunk one version's.
func (s *BankService) entryChunk(ctx context.Context, bankID int64, version int, after int64) ([]*safeguard.BankEntry, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT e.id, e.entry_id, e.md5, e.sha1, e.sha256, e.pdq, e.quality,
		e.photodna, e.category, e.size, e.extra
		FROM bank_entries e JOIN hash_banks b ON b.id = e.bank_id
		WHERE e.bank_id = $1 AND b.version = $2 AND e.id > $3 ORDER BY e.id LIMIT `+strconv.Itoa(bankChunk),
		bankID, version, after)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	chunk := make([]*safeguard.BankEntry, 0, 256)
	for rows.Next() {
		e := &safeguard.BankEntry{BankID: bankID}
		var quality, size sql.NullInt64
		var extra sql.NullString
		if err := rows.Scan(&e.ID, &e.EntryID, &e.MD5, &e.SHA1, &e.SHA256, &e.PDQ, &quality,
			&e.PhotoDNA, &e.Category, &size, &extra); err != nil {
			return nil, translate(err)
		}
		if quality.Valid {
			q := int(quality.Int64)
			e.Quality = &q
		}
		if size.Valid {
			e.Size = &size.Int64
		}
		if extra.Valid {
			e.Extra = json.RawMessage(extra.String)
		}
		chunk = append(chunk, e)
	}
	return chunk, translate(rows.Err())
}

// ExactHit is one bank entry whose hash equals a looked-up one.
type ExactHit struct {
	Hash     string           `json:"hash"`
	Kind     string           `json:"kind"` // md5, sha1 or sha256
	Bank     string           `json:"bank"`
	Scheme   safeguard.Scheme `json:"scheme"`
	EntryID  string           `json:"entry_id"`
	Category string           `json:"category"`
}

// exactKinds maps a hash kind to its column and hex length.
var exactKinds = map[string]int{"md5": 32, "sha1": 40, "sha256": 64}

// LookupExact returns the bank entries whose hash of the kind (md5, sha1
// or sha256) equals one of hexes, in plain SQL over the hash indexes,
// ordered by hash, bank and entry. Hashes may be in either case. Returns
// EINVALID for an unknown kind or a malformed hash; requires PermMatch or
// PermManageBanks. Lookups are not audited: they read no personal data.
func (s *BankService) LookupExact(ctx context.Context, kind string, hexes []string) ([]ExactHit, error) {
	n, ok := exactKinds[kind]
	if !ok {
		return nil, safeguard.Errorf(safeguard.EINVALID, "unknown hash kind %q (want md5, sha1 or sha256)", kind)
	}
	if _, err := s.db.allowRead(ctx, "bank.lookup", safeguard.PermMatch, safeguard.PermManageBanks); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(hexes))
	want := make([]string, 0, len(hexes))
	for _, h := range hexes {
		h = strings.ToLower(strings.TrimSpace(h))
		if !isHexOfLen(h, n) {
			return nil, safeguard.Errorf(safeguard.EINVALID, "%q is not a %s (%d hex digits)", h, kind, n)
		} else if !seen[h] {
			seen[h] = true
			want = append(want, h)
		}
	}
	var hits []ExactHit
	for start := 0; start < len(want); start += lookupBatch {
		batch := want[start:min(start+lookupBatch, len(want))]
		marks := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, h := range batch {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), h
		}
		// The "<> ''" term matches the partial indexes' predicate, so
		// both databases use them.
		q := fmt.Sprintf(`SELECT e.%[1]s, b.name, b.scheme, e.entry_id, e.category
			FROM bank_entries e JOIN hash_banks b ON b.id = e.bank_id
			WHERE e.%[1]s <> '' AND e.%[1]s IN (%[2]s)`, kind, strings.Join(marks, ","))
		if err := s.lookupBatch(ctx, q, args, kind, &hits); err != nil {
			return nil, err
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Hash != b.Hash {
			return a.Hash < b.Hash
		} else if a.Bank != b.Bank {
			return a.Bank < b.Bank
		}
		return a.EntryID < b.EntryID
	})
	return hits, nil
}

func (s *BankService) lookupBatch(ctx context.Context, q string, args []any, kind string, hits *[]ExactHit) error {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(q), args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		h := ExactHit{Kind: kind}
		var scheme string
		if err := rows.Scan(&h.Hash, &h.Bank, &scheme, &h.EntryID, &h.Category); err != nil {
			return translate(err)
		}
		h.Scheme = safeguard.Scheme(scheme)
		*hits = append(*hits, h)
	}
	return translate(rows.Err())
}
