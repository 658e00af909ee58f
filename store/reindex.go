package store

import (
	"context"
	"fmt"

	"safeguard"
)

// reindexBatch is how many identifiers one re-index transaction rewrites.
const reindexBatch = 2000

// Reindex recomputes the blind index of every identifier written under an
// older form (before linking's normalisation was the one hashed), a batch
// a transaction, and returns how many it rewrote. SQL cannot compute the
// keyed hash, so this is a Go-side step; Migrate runs it when the DB has a
// Sealer, and a rerun after a crash goes on where it stopped. Each batch
// is audited as identifiers.reindex.
func (db *DB) Reindex(ctx context.Context) (int, error) {
	if db.opts.Sealer == nil {
		return 0, safeguard.Errorf(safeguard.EINTERNAL, "no data key configured: blind indexes cannot be recomputed")
	}
	ctx = safeguard.NewContextWithActor(ctx, safeguard.Actor{Kind: safeguard.ActorSystem, Name: "migrate", Role: safeguard.RoleAdmin})
	total := 0
	for {
		n := 0
		err := db.run(ctx, func(tx *Tx) error {
			n = 0
			type row struct {
				id             int64
				kind, platform string
				value          []byte
			}
			rows, err := tx.query(`SELECT i.id, i.kind, i.value_enc, r.platform FROM identifiers i
				JOIN referrals r ON r.id = i.referral_id WHERE i.bi_version < $1 ORDER BY i.id LIMIT $2`,
				blindIndexVersion, reindexBatch)
			if err != nil {
				return err
			}
			var todo []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.kind, &r.value, &r.platform); err != nil {
					rows.Close()
					return translate(err)
				}
				todo = append(todo, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return translate(err)
			}
			for _, r := range todo {
				v, err := tx.openString(r.value, identifierContext(r.kind))
				if err != nil {
					return err
				}
				bi, err := tx.blindIndex(&safeguard.Identifier{Kind: r.kind, Value: v}, r.platform)
				if err != nil {
					return err
				}
				if _, err := tx.exec(`UPDATE identifiers SET blind_index = $1, bi_version = $2 WHERE id = $3`,
					bi, blindIndexVersion, r.id); err != nil {
					return err
				}
			}
			n = len(todo)
			if n == 0 {
				return nil
			}
			return tx.audit("identifiers.reindex", "identifier", "", fmt.Sprintf("rows=%d first=%d last=%d version=%d",
				n, todo[0].id, todo[n-1].id, blindIndexVersion))
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < reindexBatch {
			return total, nil
		}
	}
}
