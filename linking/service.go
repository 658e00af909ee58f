package linking

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"safeguard"
)

// Service links stored referrals to stored subjects. Each referral is
// linked to the subject whose referrals share a strong identifier with it,
// or to a new subject; a referral that would bridge two subjects is linked
// to the older one and the other is reported as a merge candidate, never
// merged silently.
//
// It runs as a national actor (analyst, coordinator or system): a force
// user cannot see other forces' subjects, so would create duplicates.
type Service struct {
	Subjects  safeguard.SubjectService
	Referrals safeguard.ReferralService
	Forces    safeguard.ForceService
}

// Outcome says what LinkReferral did.
type Outcome struct {
	ReferralID int64
	Subject    *safeguard.Subject // the subject the referral is linked to
	Created    bool               // the subject was created for it
	// AlreadyLinked is true when the referral had a subject before the
	// call; nothing was changed.
	AlreadyLinked bool
	Evidence      string        // as stored on the link
	Links         []SubjectLink // the strong identifiers shared with the subject
	// MergeCandidates are other subjects the referral also shares a strong
	// identifier with: an analyst must decide whether to merge them.
	MergeCandidates []SubjectLink
	// Possible are subjects sharing only a weak identifier.
	Possible []SubjectLink
	// Assignment is set when the subject's force was decided by this call.
	Assignment *Assignment
}

// SubjectLink is evidence tying the referral to one stored subject.
type SubjectLink struct {
	Subject   *safeguard.Subject
	Kind      string
	Masked    string
	Referrals []int64 // the subject's referrals carrying it, then this one
	Reason    string  // for a possible link: why it does not link
}

// Words returns the evidence in words.
func (l SubjectLink) Words() string {
	if l.Reason != "" {
		return fmt.Sprintf("possible link to %s by %s %s (%s): an analyst must confirm or reject it",
			l.Subject.Ref, KindWords(l.Kind), l.Masked, l.Reason)
	}
	return Link{Kind: l.Kind, Masked: l.Masked, Referrals: l.Referrals}.Words(l.Subject.Ref)
}

// LinkReferral links the referral to a subject, creating one if no
// subject's referrals share a strong identifier with it (named from its
// name identifier, addressed and assigned to a force from its installation
// address). Candidates found by blind index are checked against the
// decrypted identifiers under this package's rules, so a blind-index match
// that the rules do not call equal (an account id differing in case) does
// not link. Returns EFORBIDDEN for a force-scoped actor, ENOTFOUND for an
// unknown referral, and the services' errors.
func (s *Service) LinkReferral(ctx context.Context, referralID int64) (*Outcome, error) {
	if a, ok := safeguard.ActorFromContext(ctx); ok && a.Role.ForceScoped() && a.Kind != safeguard.ActorSystem {
		return nil, safeguard.Errorf(safeguard.EFORBIDDEN, "linking needs a national role: a force user cannot see other forces' subjects")
	}
	ref, err := s.Referrals.FindReferralByID(ctx, referralID)
	if err != nil {
		return nil, err
	}
	out := &Outcome{ReferralID: ref.ID}
	if ref.SubjectID != nil {
		out.AlreadyLinked = true
		out.Subject, err = s.Subjects.FindSubjectByID(ctx, *ref.SubjectID)
		return out, err
	}
	v := verifier{s: s, ctx: ctx, refs: map[int64][]Norm{}}
	norms := Identifiers(ref)
	strong := map[string]Norm{}
	for _, n := range norms {
		if n.Strong() {
			strong[n.Key()] = n
		}
	}
	// Find candidate subjects by blind index, then check them.
	cands := map[int64]*safeguard.Subject{}
	for i, id := range ref.Identifiers {
		n := norms[i]
		subs, err := v.lookup(id, n)
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if n.Strong() {
				cands[sub.ID] = sub
			} else if !slices.ContainsFunc(out.Possible, func(p SubjectLink) bool { return p.Subject.ID == sub.ID && p.Kind == n.Kind }) {
				out.Possible = append(out.Possible, SubjectLink{Subject: sub, Kind: n.Kind, Masked: n.Masked(), Reason: weakReason(n)})
			}
		}
	}
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var matched []int64
	byKey := map[int64][]SubjectLink{}
	for _, id := range ids {
		links, err := v.shared(cands[id], ref.ID, strong)
		if err != nil {
			return nil, err
		}
		if len(links) > 0 {
			matched = append(matched, id)
			byKey[id] = links
		}
	}
	if len(matched) == 0 {
		if out.Subject, out.Assignment, err = s.create(ctx, ref); err != nil {
			return nil, err
		}
		out.Created = true
	} else {
		out.Subject = cands[matched[0]]
		out.Links = byKey[matched[0]]
		for _, id := range matched[1:] {
			out.MergeCandidates = append(out.MergeCandidates, byKey[id]...)
		}
		if out.Assignment, err = s.placeExisting(ctx, out.Subject, ref); err != nil {
			return nil, err
		}
	}
	out.Possible = slices.DeleteFunc(out.Possible, func(p SubjectLink) bool {
		return p.Subject.ID == out.Subject.ID || slices.Contains(matched, p.Subject.ID)
	})
	out.Evidence = evidence(out)
	if err := s.Subjects.LinkReferral(ctx, safeguard.SubjectLink{SubjectID: out.Subject.ID, ReferralID: ref.ID, Evidence: out.Evidence}); err != nil {
		return nil, err
	}
	return out, nil
}

// evidence writes the link's evidence in words; only masked values.
func evidence(o *Outcome) string {
	var parts []string
	if o.Created {
		parts = append(parts, "first referral of a new subject: no other subject's referrals share a strong identifier")
	}
	for _, l := range o.Links {
		parts = append(parts, l.Words())
	}
	for _, l := range o.MergeCandidates {
		parts = append(parts, "also "+Link{Kind: l.Kind, Masked: l.Masked, Referrals: l.Referrals}.Words(l.Subject.Ref)+
			": merge candidate, not merged (an analyst must decide)")
	}
	for _, l := range o.Possible {
		parts = append(parts, l.Words())
	}
	if o.Assignment != nil {
		parts = append(parts, o.Assignment.Reason)
	}
	return strings.Join(parts, "; ")
}

// create stores a new subject for the referral.
func (s *Service) create(ctx context.Context, ref *safeguard.Referral) (*safeguard.Subject, *Assignment, error) {
	subj := &safeguard.Subject{}
	for _, id := range ref.Identifiers {
		switch {
		case id.Kind == safeguard.IdentName && subj.Name == "":
			subj.Name = strings.TrimSpace(id.Value)
		case id.Kind == safeguard.IdentAddress && subj.Address == "":
			subj.Address = strings.TrimSpace(id.Value)
		}
	}
	var asg *Assignment
	if subj.Address != "" {
		a, err := s.assign(ctx, subj.Address)
		if err != nil {
			return nil, nil, err
		}
		subj.ForceCode, asg = a.ForceCode, &a
	}
	if err := s.Subjects.CreateSubject(ctx, subj); err != nil {
		return nil, nil, err
	}
	return subj, asg, nil
}

// placeExisting gives a national subject without an address the
// referral's installation address and the force that covers it. A subject
// that has an address or a force keeps them: moving an allocated case is
// an analyst's decision.
func (s *Service) placeExisting(ctx context.Context, subj *safeguard.Subject, ref *safeguard.Referral) (*Assignment, error) {
	if subj.Address != "" || subj.ForceCode != "" {
		return nil, nil
	}
	for _, id := range ref.Identifiers {
		if id.Kind != safeguard.IdentAddress {
			continue
		}
		addr := strings.TrimSpace(id.Value)
		a, err := s.assign(ctx, addr)
		if err != nil {
			return nil, err
		}
		upd := safeguard.SubjectUpdate{Address: &addr, ForceCode: &a.ForceCode}
		got, err := s.Subjects.UpdateSubject(ctx, subj.ID, upd)
		if err != nil {
			return nil, err
		}
		*subj = *got
		return &a, nil
	}
	return nil, nil
}

func (s *Service) assign(ctx context.Context, addr string) (Assignment, error) {
	forces, err := s.Forces.FindForces(ctx)
	if err != nil {
		return Assignment{}, err
	}
	return NewAreas(forces).Assign(addr), nil
}

// verifier looks subjects up by blind index and checks them against the
// decrypted identifiers of their referrals, reading each referral once.
type verifier struct {
	s    *Service
	ctx  context.Context
	refs map[int64][]Norm
}

// lookup returns the subjects whose referrals carry id by blind index,
// querying every written form whose root normalisation
// (Identifier.Normalized, which the blind index hashes) may differ from
// another form this package calls equal.
func (v *verifier) lookup(id safeguard.Identifier, n Norm) ([]*safeguard.Subject, error) {
	seen := map[string]bool{}
	got := map[int64]*safeguard.Subject{}
	for _, form := range LookupForms(id, n) {
		q := safeguard.Identifier{Kind: id.Kind, Value: form}
		if q.Validate() != nil || seen[q.Normalized()] {
			continue
		}
		seen[q.Normalized()] = true
		subs, err := v.s.Subjects.FindSubjectsByIdentifier(v.ctx, q)
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			got[sub.ID] = sub
		}
	}
	out := make([]*safeguard.Subject, 0, len(got))
	for _, sub := range got {
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b *safeguard.Subject) int { return int(a.ID - b.ID) })
	return out, nil
}

// LookupForms returns the values to look an identifier up by, so that the
// blind index (a hash of Identifier.Normalized of the value as stored)
// finds the written forms this package calls equal: the value as given,
// its canonical form and, for phones, the national and international
// spellings of the number, and usernames and account ids without their
// platform. E-mail dot and plus variants and address
// punctuation cannot be enumerated; those match only when stored alike.
func LookupForms(id safeguard.Identifier, n Norm) []string {
	forms := []string{id.Value, n.Value}
	switch {
	case n.Kind == safeguard.IdentPhone && n.Exact && strings.HasPrefix(n.Value, "+44"):
		nsn := n.Value[3:]
		forms = append(forms, "0"+nsn, "+440"+nsn, "0044"+nsn, "00440"+nsn, "44"+nsn)
	case n.Kind == safeguard.IdentPhone && n.Exact:
		forms = append(forms, "00"+n.Value[1:])
	case n.Kind == safeguard.IdentEmail && strings.HasSuffix(n.Value, "@gmail.com"):
		forms = append(forms, strings.TrimSuffix(n.Value, "gmail.com")+"googlemail.com")
	case (n.Kind == safeguard.IdentUsername || n.Kind == safeguard.IdentAccountID) && n.Exact:
		// A referral may give the name bare and the platform apart: look
		// the bare name up too; the check drops other platforms'.
		bare := n.Value[:strings.LastIndexByte(n.Value, '@')]
		forms = append(forms, "@"+n.Value, bare, "@"+bare)
	case n.Kind == safeguard.IdentDeviceID && len(n.Value) == 14 && isDigits(n.Value):
		forms = append(forms, n.Value+luhnDigit(n.Value))
	}
	return forms
}

// luhnDigit returns the check digit that makes d+digit pass the Luhn check.
func luhnDigit(d string) string {
	for c := '0'; c <= '9'; c++ {
		if luhn(d + string(c)) {
			return string(c)
		}
	}
	return ""
}

// shared returns, for each strong key of the referral, the subject's
// referrals (other than refID) that carry it.
func (v *verifier) shared(subj *safeguard.Subject, refID int64, strong map[string]Norm) ([]SubjectLink, error) {
	ids, err := v.subjectReferrals(subj)
	if err != nil {
		return nil, err
	}
	carriers := map[string][]int64{}
	for _, id := range ids {
		if id == refID {
			continue
		}
		norms, ok := v.refs[id]
		if !ok {
			r, err := v.s.Referrals.FindReferralByID(v.ctx, id)
			if err != nil {
				return nil, err
			}
			norms = Identifiers(r)
			v.refs[id] = norms
		}
		for _, n := range norms {
			if _, ok := strong[n.Key()]; ok && n.Strong() && !slices.Contains(carriers[n.Key()], id) {
				carriers[n.Key()] = append(carriers[n.Key()], id)
			}
		}
	}
	var out []SubjectLink
	for k, refs := range carriers {
		n := strong[k]
		if len(refs) > evidenceRefs {
			refs = refs[:evidenceRefs]
		}
		out = append(out, SubjectLink{Subject: subj, Kind: n.Kind, Masked: n.Masked(), Referrals: append(refs, refID)})
	}
	slices.SortFunc(out, func(a, b SubjectLink) int { return strings.Compare(a.Kind+a.Masked, b.Kind+b.Masked) })
	return out, nil
}

// subjectReferrals returns the ids of the subject's referrals: those
// linked to it and those naming it as theirs.
func (v *verifier) subjectReferrals(subj *safeguard.Subject) ([]int64, error) {
	full, err := v.s.Subjects.FindSubjectByID(v.ctx, subj.ID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, l := range full.Links {
		ids = append(ids, l.ReferralID)
	}
	for off := 0; ; {
		refs, total, err := v.s.Referrals.FindReferrals(v.ctx, safeguard.ReferralFilter{SubjectID: &subj.ID, Offset: off, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			ids = append(ids, r.ID)
		}
		off += len(refs)
		if len(refs) == 0 || off >= total {
			break
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
