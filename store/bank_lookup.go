package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"safeguard"
)

// lookupBatch is how many hashes LookupExact asks for per query.
const lookupBatch = 500

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
