package store

import (
	"context"
	"database/sql"
	"fmt"

	"safeguard"
	"safeguard/linking"
)

// LinkAttached links what an attachment added to the stored referral
// (source, sourceRef), as the referral would have been linked had it
// arrived with it: a strong identifier it brought that another subject's
// referrals carry merges that subject with the referral's (the older one
// stays), unless an analyst or a force boundary keeps them apart, when it
// is offered as a possible link; weak ones (a name, an IP address) are
// offered as possible links. A referral not linked yet is linked whole.
// Requires PermAssess and a national role, as LinkPending.
func (s *LinkService) LinkAttached(ctx context.Context, source, sourceRef string, a *safeguard.Attachment) (safeguard.LinkSummary, error) {
	var sum safeguard.LinkSummary
	err := s.db.run(ctx, func(tx *Tx) error {
		sum = safeguard.LinkSummary{}
		l, err := s.beginLinking(tx, "link.attached")
		if err != nil {
			return err
		}
		defer l.close()
		var refID int64
		var platform string
		var subject sql.NullInt64
		if err := tx.queryRow(`SELECT id, platform, subject_id FROM referrals WHERE source = $1 AND source_ref = $2`,
			[]any{source, sourceRef}, &refID, &platform, &subject); err != nil {
			return err
		}
		if !subject.Valid {
			return l.linkAll([]int64{refID}, &sum)
		}
		norms := linking.Identifiers(&safeguard.Referral{Platform: platform, Identifiers: a.Identifiers, IPEvents: a.IPEvents})
		var keys [][]byte
		for _, n := range norms {
			if n.Strong() {
				keys = append(keys, blindIndexOf(l.sealer, n))
			}
		}
		if err := l.prefetch(keys); err != nil {
			return err
		}
		target, err := l.subject(subject.Int64)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, n := range norms {
			if seen[n.Key()] {
				continue
			}
			seen[n.Key()] = true
			if err := l.joinCarriers(n, &target, refID, &sum); err != nil {
				return err
			}
		}
		l.touched = append(l.touched, target.id)
		if err := tx.audit("subject.link", "referral", id(refID), fmt.Sprintf("attached %s %s: merged=%d possible=%d",
			a.Kind, a.Key, sum.Merged, sum.Possible)); err != nil {
			return err
		}
		if s.Attribute == nil {
			return nil
		}
		return s.Attribute.mark(tx, l.touched, l.resolve)
	})
	return sum, err
}

// joinCarriers joins to *target the other subjects carrying n, a value a
// referral of target's gained: merged for a strong value (into the older
// subject, which becomes *target) unless kept apart, else, and for a weak
// value, offered as a possible link.
func (l *linker) joinCarriers(n linking.Norm, target **linkSubject, refID int64, sum *safeguard.LinkSummary) error {
	var cs []carrier
	var err error
	if n.Strong() {
		cs, err = l.strongCarriers(n)
	} else {
		cs, err = l.weakCarriers(n)
	}
	if err != nil {
		return err
	}
	key := blindIndexOf(l.sealer, n)
	for _, c := range cs {
		t, other := *target, l.resolve(c.subject) // merges of this loop included
		if other == t.id {
			continue
		}
		o, err := l.subject(other)
		if err != nil {
			return err
		}
		why := "a weak identifier never links on its own"
		if n.Strong() {
			if why, err = l.keptApart(t, o); err != nil {
				return err
			}
		}
		if why == "" {
			into, from := t, o
			if from.id < into.id {
				into, from = from, into
			}
			if err := l.merge(into, from, fmt.Sprintf("referral %d gained a strong identifier (%s %s) that both carry", refID, linking.KindWords(n.Kind), n.Masked())); err != nil {
				return err
			}
			sum.Merged++
			*target = into
			continue
		}
		kind, reason := n.Kind, n.WeakReason()
		if n.Strong() {
			kind, reason = safeguard.PossibleLinkBridge, "a strong identifier joins subjects that "+why
		}
		added, err := l.possible(t.id, o.id, kind, key, n.Masked(), reason, []int64{c.first, refID})
		if err != nil {
			return err
		}
		if added {
			sum.Possible++
		}
	}
	return nil
}
