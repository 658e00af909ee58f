package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"safeguard"
)

// Deconflict reports who already holds the request's subject, any of its
// identifiers (matched by blind index, so no value is compared in clear)
// or its installation address: packages of operations not closed and not
// returned, and subjects allocated to a force. A holding by the request's
// own force in its own operation is no conflict. The check is audited
// (deconflict.check). Requires PermReadOperational or PermManageOps.
// Returns EINVALID for a request naming nothing or a bad identifier,
// ENOTFOUND for an unknown subject.
func (s *OperationService) Deconflict(ctx context.Context, req safeguard.DeconflictRequest) ([]*safeguard.DeconflictHit, error) {
	var hits []*safeguard.DeconflictHit
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("deconflict.check", safeguard.PermReadOperational, safeguard.PermManageOps); err != nil {
			return err
		}
		req.ExcludePackageID = 0
		var err error
		if hits, err = deconflict(tx, req); err != nil {
			return err
		}
		obj := ""
		if req.SubjectID != 0 {
			obj = id(req.SubjectID)
		}
		return tx.audit("deconflict.check", "subject", obj, fmt.Sprintf("identifiers=%d address=%t hits=%d",
			len(req.Identifiers), req.Address != "", len(hits)))
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}

// match is why a subject or package is a candidate holding.
type match struct {
	kind      string // safeguard.MatchSubject, MatchIdentifier or MatchAddress
	identKind string
}

// deconflict finds the holdings that conflict with req.
func deconflict(tx *Tx, req safeguard.DeconflictRequest) ([]*safeguard.DeconflictHit, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	indexes := map[string]string{} // blind index -> identifier kind
	subjects := map[int64]match{}
	address := strings.TrimSpace(req.Address)
	if req.SubjectID != 0 {
		var addrEnc []byte
		if err := tx.queryRow(`SELECT address_enc FROM subjects WHERE id = $1`, []any{req.SubjectID}, &addrEnc); safeguard.ErrorCode(err) == safeguard.ENOTFOUND {
			return nil, errNoSubject()
		} else if err != nil {
			return nil, err
		}
		if address == "" {
			var err error
			if address, err = tx.openString(addrEnc, ctxSubjectAddress); err != nil {
				return nil, err
			}
		}
		subjects[req.SubjectID] = match{kind: safeguard.MatchSubject}
		rows, err := tx.query(`SELECT DISTINCT i.kind, i.blind_index FROM identifiers i
			JOIN referrals r ON r.id = i.referral_id WHERE r.subject_id = $1`, req.SubjectID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var kind string
			var bidx []byte
			if err := rows.Scan(&kind, &bidx); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			indexes[string(bidx)] = kind
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	for i := range req.Identifiers {
		bidx, err := tx.blindIndex(&req.Identifiers[i], "")
		if err != nil {
			return nil, err
		}
		indexes[string(bidx)] = req.Identifiers[i].Kind
	}
	var addrIndex []byte
	if address != "" {
		var err error
		if addrIndex, err = tx.blindIndex(&safeguard.Identifier{Kind: safeguard.IdentAddress, Value: address}, ""); err != nil {
			return nil, err
		}
		indexes[string(addrIndex)] = safeguard.IdentAddress
	}
	if err := identifierHolders(tx, indexes, string(addrIndex), subjects); err != nil {
		return nil, err
	}
	hits, err := packageHits(tx, req, subjects, addrIndex)
	if err != nil {
		return nil, err
	}
	more, err := allocationHits(tx, req, subjects)
	return append(hits, more...), err
}

// identifierHolders adds to subjects every subject with a referral that
// carries one of the blind indexes.
func identifierHolders(tx *Tx, indexes map[string]string, addrIndex string, subjects map[int64]match) error {
	keys := make([]any, 0, len(indexes))
	for k := range indexes {
		keys = append(keys, []byte(k))
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		batch := keys[:n]
		keys = keys[n:]
		rows, err := tx.query(`SELECT DISTINCT r.subject_id, i.blind_index FROM identifiers i
			JOIN referrals r ON r.id = i.referral_id
			WHERE r.subject_id IS NOT NULL AND i.blind_index IN (`+placeholders(1, n)+`)`, batch...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid int64
			var bidx []byte
			if err := rows.Scan(&sid, &bidx); err != nil {
				rows.Close()
				return translate(err)
			}
			if _, ok := subjects[sid]; ok {
				continue
			}
			m := match{kind: safeguard.MatchIdentifier, identKind: indexes[string(bidx)]}
			if string(bidx) == addrIndex {
				m = match{kind: safeguard.MatchAddress}
			}
			subjects[sid] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
	}
	return nil
}

// placeholders returns "$from, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// packageHits lists packages, not returned, of operations not closed, of a
// candidate subject or sent for the same installation address.
func packageHits(tx *Tx, req safeguard.DeconflictRequest, subjects map[int64]match, addrIndex []byte) ([]*safeguard.DeconflictHit, error) {
	ids := make([]any, 0, len(subjects)+1)
	ids = append(ids, addrIndex)
	for sid := range subjects {
		ids = append(ids, sid)
	}
	cond := `p.address_index = $1`
	if len(ids) > 1 {
		cond += ` OR p.subject_id IN (` + placeholders(2, len(ids)-1) + `)`
	}
	rows, err := tx.query(`SELECT p.id, p.subject_id, p.force_code, p.operation_id, s.ref, o.code, o.status
		FROM packages p JOIN subjects s ON s.id = p.subject_id JOIN operations o ON o.id = p.operation_id
		WHERE p.status <> 'returned' AND o.status <> 'closed' AND (`+cond+`) ORDER BY p.id`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []*safeguard.DeconflictHit
	for rows.Next() {
		h := &safeguard.DeconflictHit{HeldBy: safeguard.HeldByPackage}
		var sid, opID int64
		if err := rows.Scan(&h.PackageID, &sid, &h.ForceCode, &opID, &h.SubjectRef, &h.OperationCode, &h.OperationState); err != nil {
			return nil, translate(err)
		}
		if h.PackageID == req.ExcludePackageID || (h.ForceCode == req.ForceCode && opID == req.OperationID) {
			continue
		}
		m, ok := subjects[sid]
		if !ok {
			m = match{kind: safeguard.MatchAddress}
		}
		h.Match, h.IdentifierKind = m.kind, m.identKind
		hits = append(hits, h)
	}
	return hits, translate(rows.Err())
}

// allocationHits lists candidate subjects allocated to a force other than
// the request's. The subject a package is already held for (a warrant's
// check) is that holding's own business.
func allocationHits(tx *Tx, req safeguard.DeconflictRequest, subjects map[int64]match) ([]*safeguard.DeconflictHit, error) {
	var hits []*safeguard.DeconflictHit
	for sid, m := range subjects {
		if sid == req.SubjectID && req.ExcludePackageID != 0 {
			continue
		}
		var force sql.NullString
		var ref string
		if err := tx.queryRow(`SELECT force_code, ref FROM subjects WHERE id = $1`, []any{sid}, &force, &ref); err != nil {
			return nil, err
		}
		if !force.Valid || force.String == req.ForceCode {
			continue
		}
		hits = append(hits, &safeguard.DeconflictHit{Match: m.kind, IdentifierKind: m.identKind,
			HeldBy: safeguard.HeldByAllocation, ForceCode: force.String, SubjectRef: ref})
	}
	sortHits(hits)
	return hits, nil
}

func sortHits(hits []*safeguard.DeconflictHit) {
	sort.Slice(hits, func(i, j int) bool { return hits[i].SubjectRef < hits[j].SubjectRef })
}
