package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"safeguard"
)

// maxReason bounds an analyst's reason for a merge, split or decision.
const maxReason = 2000

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", safeguard.Errorf(safeguard.EINVALID, "a reason is required")
	case len(reason) > maxReason:
		return "", safeguard.Errorf(safeguard.EINVALID, "the reason is %d bytes; at most %d", len(reason), maxReason)
	}
	return reason, nil
}

// merge moves every referral of from to into: from's current links end
// (kept as history) and new ones start with the reason as evidence; from
// points at into, as do subjects merged into from before; into takes
// from's name, address and force where it has none.
func (l *linker) merge(into, from *linkSubject, reason string) error {
	if into.id == from.id {
		return safeguard.Errorf(safeguard.EINVALID, "%s cannot be merged into itself", into.ref)
	} else if into.mergedInto.Valid || from.mergedInto.Valid {
		return safeguard.Errorf(safeguard.EINVALID, "%s or %s was merged into another subject already", into.ref, from.ref)
	}
	tx := l.tx
	if _, err := tx.exec(`UPDATE subject_links SET ended_at = $1, ended_reason = $2 WHERE subject_id = $3 AND ended_at IS NULL`,
		tx.now, "merged into "+into.ref+": "+reason, from.id); err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO subject_links (subject_id, referral_id, evidence, created_at)
		SELECT $1, id, $2, $3 FROM referrals WHERE subject_id = $4`,
		into.id, "merged from "+from.ref+": "+reason, tx.now, from.id); err != nil {
		return err
	}
	n, err := tx.exec(`UPDATE referrals SET subject_id = $1 WHERE subject_id = $2`, into.id, from.id)
	if err != nil {
		return err
	}
	moved, _ := n.RowsAffected()
	if _, err := tx.exec(`UPDATE subjects SET
		name_enc = COALESCE(name_enc, (SELECT f.name_enc FROM subjects f WHERE f.id = $2)),
		address_enc = COALESCE(address_enc, (SELECT f.address_enc FROM subjects f WHERE f.id = $2)),
		force_code = COALESCE(force_code, (SELECT f.force_code FROM subjects f WHERE f.id = $2)),
		updated_at = $3 WHERE id = $1`, into.id, from.id, tx.now); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE subjects SET merged_into = $1, updated_at = $2 WHERE id = $3 OR merged_into = $3`,
		into.id, tx.now, from.id); err != nil {
		return err
	}
	if into.force == "" {
		into.force = from.force
	}
	into.hasAddress = into.hasAddress || from.hasAddress
	from.mergedInto.Int64, from.mergedInto.Valid = into.id, true
	l.mergedNow[from.id] = into.id
	for _, s := range l.subjects {
		if s.mergedInto.Valid && s.mergedInto.Int64 == from.id {
			s.mergedInto.Int64 = into.id
		}
	}
	if err := tx.audit("subject.merge", "subject", id(into.id), fmt.Sprintf("from=%s referrals=%d", from.ref, moved)); err != nil {
		return err
	}
	return tx.audit("subject.merged", "subject", id(from.id), "into="+into.ref)
}

// national loads a subject by ref for an analyst's linking decision: the
// actor must see it (force scoping) and it must not be merged away.
func (l *linker) national(ref string) (*linkSubject, error) {
	s, err := visibleSubject(l.tx, "ref = $1", ref)
	if err != nil {
		return nil, err
	}
	return l.subject(s.ID)
}

// MergeSubjects merges from into into (both by reference), keeping the
// history of links; open possible links between them are marked
// confirmed. Requires PermAssess and a national role. Returns EINVALID
// without a reason or for a subject merged already, ENOTFOUND for either.
func (s *LinkService) MergeSubjects(ctx context.Context, into, from, reason string) (*safeguard.Subject, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var out *safeguard.Subject
	err = s.db.run(ctx, func(tx *Tx) error {
		l, err := s.beginLinking(tx, "subject.merge")
		if err != nil {
			return err
		}
		defer l.close()
		a, err := l.national(into)
		if err != nil {
			return err
		}
		b, err := l.national(from)
		if err != nil {
			return err
		}
		if err := l.merge(a, b, reason); err != nil {
			return err
		}
		if err := l.confirmBetween(a.id, b.id, reason); err != nil {
			return err
		}
		out, err = visibleSubject(tx, "id = $1", a.id)
		return err
	})
	return out, err
}

// confirmBetween marks open possible links between two subjects (now one)
// confirmed by the actor's merge.
func (l *linker) confirmBetween(a, b int64, reason string) error {
	_, err := l.tx.exec(`UPDATE possible_links SET status = $1, decided_by = $2, decision_reason = $3, decided_at = $4
		WHERE status = $5 AND ((subject_id = $6 AND other_id = $7) OR (subject_id = $7 AND other_id = $6))`,
		safeguard.LinkConfirmed, l.tx.actor.Label(), reason, l.tx.now, safeguard.LinkOpen, a, b)
	return err
}

// SplitSubject moves the chosen referrals of a subject to a new subject
// and records a rejected link between the two, so that linking never
// merges them again by itself. Requires PermAssess and a national role.
func (s *LinkService) SplitSubject(ctx context.Context, ref string, referralIDs []int64, reason string) (*safeguard.Subject, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	ids := slices.Clone(referralIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil, safeguard.Errorf(safeguard.EINVALID, "choose at least one referral to split off")
	}
	var out *safeguard.Subject
	err = s.db.run(ctx, func(tx *Tx) error {
		l, err := s.beginLinking(tx, "subject.split")
		if err != nil {
			return err
		}
		defer l.close()
		from, err := l.national(ref)
		if err != nil {
			return err
		} else if from.mergedInto.Valid {
			return safeguard.Errorf(safeguard.EINVALID, "%s was merged into another subject: split that one", from.ref)
		}
		own, err := int64s(tx, `SELECT id FROM referrals WHERE subject_id = $1 ORDER BY id`, from.id)
		if err != nil {
			return err
		}
		for _, rid := range ids {
			if !slices.Contains(own, rid) {
				return safeguard.Errorf(safeguard.EINVALID, "referral %d is not linked to %s", rid, from.ref)
			}
		}
		if len(ids) == len(own) {
			return safeguard.Errorf(safeguard.EINVALID, "a split must leave at least one referral with %s", from.ref)
		}
		// The new subject is named and placed from the referrals split off.
		pending := map[int64]*pendingRef{}
		if err := l.load(ids, pending); err != nil {
			return err
		}
		first := pending[ids[0]].ref
		for _, rid := range ids[1:] {
			first.Identifiers = append(first.Identifiers, pending[rid].ref.Identifiers...)
		}
		var sum safeguard.LinkSummary
		var parts []string
		to, err := l.newSubject(&first, &sum, &parts)
		if err != nil {
			return err
		}
		if to.force == "" && from.force != "" {
			if _, err := tx.exec(`UPDATE subjects SET force_code = $1 WHERE id = $2`, from.force, to.id); err != nil {
				return err
			}
			to.force = from.force
		}
		in := inList(ids)
		if _, err := tx.exec(`UPDATE subject_links SET ended_at = $1, ended_reason = $2 WHERE subject_id = $3 AND ended_at IS NULL AND referral_id IN (`+in+`)`,
			tx.now, "split off to "+to.ref+": "+reason, from.id); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO subject_links (subject_id, referral_id, evidence, created_at)
			SELECT $1, id, $2, $3 FROM referrals WHERE id IN (`+in+`)`,
			to.id, "split from "+from.ref+": "+reason, tx.now); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE referrals SET subject_id = $1 WHERE id IN (`+in+`)`, to.id); err != nil {
			return err
		}
		if _, err := tx.insert(`INSERT INTO possible_links (subject_id, other_id, kind, key_hash, masked, reason, referrals,
			status, decided_by, decision_reason, decided_at, created_at) VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9, $10, $10)`,
			min(from.id, to.id), max(from.id, to.id), safeguard.PossibleLinkSplit, splitKey,
			"split by an analyst", joinIDs(ids), safeguard.LinkRejected, tx.actor.Label(), reason, tx.now); err != nil {
			return err
		}
		if err := tx.audit("subject.split", "subject", id(from.id), fmt.Sprintf("new=%s referrals=%s", to.ref, idRanges(ids))); err != nil {
			return err
		}
		out, err = visibleSubject(tx, "id = $1", to.id)
		return err
	})
	return out, err
}

// load reads referrals' platforms, identifiers and IP addresses.
func (l *linker) load(ids []int64, refs map[int64]*pendingRef) error {
	return loadPending(l.tx, ids, refs)
}

// DecidePossibleLink confirms (merging the newer subject into the older)
// or rejects an open possible link. Requires PermAssess and a national
// role. Returns ENOTFOUND for an unknown link, ECONFLICT for one decided
// already, EINVALID without a reason.
func (s *LinkService) DecidePossibleLink(ctx context.Context, linkID int64, confirm bool, reason string) (*safeguard.PossibleLink, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var out *safeguard.PossibleLink
	err = s.db.run(ctx, func(tx *Tx) error {
		action := "possible_link.reject"
		if confirm {
			action = "possible_link.confirm"
		}
		l, err := s.beginLinking(tx, action)
		if err != nil {
			return err
		}
		defer l.close()
		links, err := findPossible(tx, "p.id = $1", linkID)
		if err != nil {
			return err
		} else if len(links) == 0 {
			return safeguard.Errorf(safeguard.ENOTFOUND, "no possible link %d", linkID)
		}
		p := links[0]
		if p.Status != safeguard.LinkOpen {
			return safeguard.Errorf(safeguard.ECONFLICT, "possible link %d was %s already", linkID, p.Status)
		}
		a, err := l.national(p.SubjectRef)
		if err != nil {
			return err
		}
		b, err := l.national(p.OtherRef)
		if err != nil {
			return err
		}
		status := safeguard.LinkRejected
		if confirm {
			status = safeguard.LinkConfirmed
			if a.id != b.id {
				into, from := a, b
				if b.id < a.id {
					into, from = b, a
				}
				if err := l.merge(into, from, "possible link "+itoa(linkID)+" confirmed: "+reason); err != nil {
					return err
				}
			}
		}
		if _, err := tx.exec(`UPDATE possible_links SET status = $1, decided_by = $2, decision_reason = $3, decided_at = $4 WHERE id = $5`,
			status, tx.actor.Label(), reason, tx.now, linkID); err != nil {
			return err
		}
		if err := tx.audit(action, "possible_link", id(linkID), fmt.Sprintf("subjects=%s,%s kind=%s", p.SubjectRef, p.OtherRef, p.Kind)); err != nil {
			return err
		}
		links, err = findPossible(tx, "p.id = $1", linkID)
		if err == nil {
			out = links[0]
		}
		return err
	})
	return out, err
}

func itoa(n int64) string { return id(n) }

// FindPossibleLinks returns a subject's possible links, both sides named
// by the subjects they now belong to (through merges); links whose sides
// are now one subject are left out. Open ones come first. Requires
// PermAssess and a national role.
func (s *LinkService) FindPossibleLinks(ctx context.Context, ref string) ([]*safeguard.PossibleLink, error) {
	var out []*safeguard.PossibleLink
	err := s.db.view(ctx, func(tx *Tx) error {
		a, err := tx.require("possible_link.list", safeguard.PermAssess)
		if err != nil {
			return err
		} else if a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
			return safeguard.Errorf(safeguard.EFORBIDDEN, "possible links are reviewed by the national centre")
		}
		subj, err := visibleSubject(tx, "ref = $1", ref)
		if err != nil {
			return err
		}
		members, err := int64s(tx, `SELECT id FROM subjects WHERE id = $1 OR merged_into = $1`, subj.ID)
		if err != nil {
			return err
		}
		in := inList(members)
		if out, err = findPossible(tx, "(p.subject_id IN ("+in+") OR p.other_id IN ("+in+"))"); err != nil {
			return err
		}
		out = slices.DeleteFunc(out, func(p *safeguard.PossibleLink) bool { return p.SubjectRef == p.OtherRef })
		slices.SortStableFunc(out, func(x, y *safeguard.PossibleLink) int {
			return boolRank(x.Status != safeguard.LinkOpen) - boolRank(y.Status != safeguard.LinkOpen)
		})
		return tx.audit("possible_link.list", "subject", id(subj.ID), fmt.Sprintf("links=%d", len(out)))
	})
	return out, err
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// findPossible reads possible links matching where, each side named by
// the subject it now belongs to.
func findPossible(tx *Tx, where string, args ...any) ([]*safeguard.PossibleLink, error) {
	rows, err := tx.query(`SELECT p.id, COALESCE(m1.ref, s1.ref), COALESCE(m2.ref, s2.ref), p.kind, p.masked, p.reason,
		p.referrals, p.status, p.decided_by, p.decision_reason, p.decided_at, p.created_at
		FROM possible_links p
		JOIN subjects s1 ON s1.id = p.subject_id LEFT JOIN subjects m1 ON m1.id = s1.merged_into
		JOIN subjects s2 ON s2.id = p.other_id LEFT JOIN subjects m2 ON m2.id = s2.merged_into
		WHERE `+where+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*safeguard.PossibleLink
	for rows.Next() {
		p := &safeguard.PossibleLink{}
		var refs string
		if err := rows.Scan(&p.ID, &p.SubjectRef, &p.OtherRef, &p.Kind, &p.Masked, &p.Reason, &refs, &p.Status,
			&p.DecidedBy, &p.DecisionReason, nullTimeCol{&p.DecidedAt}, timeCol{&p.CreatedAt}); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		p.Referrals = splitIDs(refs)
		out = append(out, p)
	}
	return out, closeRows(rows)
}

// FindLinkHistory returns every link to the subject, ended ones included,
// oldest first. Requires PermReadPersonal; a subject of another force is
// ENOTFOUND (audited).
func (s *LinkService) FindLinkHistory(ctx context.Context, ref string) ([]safeguard.SubjectLink, error) {
	var out []safeguard.SubjectLink
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("subject.links.read", safeguard.PermReadPersonal); err != nil {
			return err
		}
		subj, err := visibleSubject(tx, "ref = $1", ref)
		if err != nil {
			return err
		}
		rows, err := tx.query(`SELECT subject_id, referral_id, evidence, created_at, ended_at, ended_reason FROM subject_links
			WHERE subject_id = $1 ORDER BY id`, subj.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l safeguard.SubjectLink
			if err := rows.Scan(&l.SubjectID, &l.ReferralID, &l.Evidence, timeCol{&l.CreatedAt}, nullTimeCol{&l.EndedAt}, &l.EndedReason); err != nil {
				rows.Close()
				return translate(err)
			}
			out = append(out, l)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		return tx.audit("subject.links.read", "subject", id(subj.ID), fmt.Sprintf("links=%d", len(out)))
	})
	return out, err
}

// MergedInto returns the reference of the subject ref was merged into, or
// "" if it was not. Requires PermReadPersonal; ENOTFOUND for a subject
// the actor may not see.
func (s *LinkService) MergedInto(ctx context.Context, ref string) (string, error) {
	var into string
	err := s.db.view(ctx, func(tx *Tx) error {
		if _, err := tx.require("subject.read", safeguard.PermReadPersonal); err != nil {
			return err
		}
		subj, err := visibleSubject(tx, "ref = $1", ref)
		if err != nil {
			return err
		}
		err = tx.queryRow(`SELECT m.ref FROM subjects s JOIN subjects m ON m.id = s.merged_into WHERE s.id = $1`, []any{subj.ID}, &into)
		if err != nil && safeguard.ErrorCode(err) != safeguard.ENOTFOUND {
			return err
		}
		return tx.audit("subject.read", "subject", id(subj.ID), "merged_into="+into)
	})
	return into, err
}
