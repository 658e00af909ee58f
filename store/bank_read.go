package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"

	"safeguard"
)

// bankChunk is how many entries BankEntries reads per query.
const bankChunk = 5000

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
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return banks, nil
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
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return versions, nil
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
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return chunk, nil
}
