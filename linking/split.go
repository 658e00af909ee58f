package linking

import (
	"slices"

	"safeguard"
)

// SplitResult says what a split did.
type SplitResult struct {
	// Groups are the groups the old one became; the first is the part not
	// split off, which keeps the old id (if anything is left of it).
	Groups []GroupID
	// Rejected lists the links the split rejected.
	Rejected []Rejection
}

// Split separates referralIDs from the rest of group g, as an analyst does
// when a group was wrongly merged: every identifier linking the two sides
// is rejected as a link between them and never links them again (a later
// referral carrying it is offered as a possible link instead), and the
// group's components are recomputed without those links, so either side
// may itself fall apart if it was held together only through the other.
// Returns ENOTFOUND for an unknown group and EINVALID unless referralIDs
// is a non-empty proper subset of the group.
func (l *Linker) Split(g GroupID, referralIDs []int64) (SplitResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	root, ok := l.roots[g]
	if !ok {
		return SplitResult{}, safeguard.Errorf(safeguard.ENOTFOUND, "no group %d", g)
	}
	members := l.members(root)
	inSide := map[int32]bool{}
	for _, id := range referralIDs {
		n, ok := l.byRef[id]
		if !ok || l.find(n) != root {
			return SplitResult{}, safeguard.Errorf(safeguard.EINVALID, "referral %d is not in group %d", id, g)
		}
		inSide[n] = true
	}
	if len(inSide) == 0 || len(inSide) == len(members) {
		return SplitResult{}, safeguard.Errorf(safeguard.EINVALID, "a split must leave referrals on both sides")
	}
	var side, other []int32
	for _, n := range members {
		if inSide[n] {
			side = append(side, n)
		} else {
			other = append(other, n)
		}
	}
	var res SplitResult
	seen := map[int32]bool{}
	for _, n := range members {
		for _, k := range l.nodes[n].keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			if rej, ok := l.rejectKey(k, root, inSide); ok {
				res.Rejected = append(res.Rejected, rej)
			}
		}
	}
	l.confirmed = slices.DeleteFunc(l.confirmed, func(e edge) bool {
		if l.find(e.a) == root && inSide[e.a] != inSide[e.b] {
			res.Rejected = append(res.Rejected, Rejection{Kind: "analyst", Masked: e.reason,
				Side: l.refIDs(pick(inSide[e.a], e.a, e.b)), Other: l.refIDs(pick(inSide[e.a], e.b, e.a))})
			return true
		}
		return false
	})
	l.rejections = append(l.rejections, res.Rejected...)
	l.splits = append(l.splits, split{side: side, other: other})
	res.Groups = l.regroup(g, members, inSide)
	return res, nil
}

func pick(first bool, a, b int32) int32 {
	if first {
		return a
	}
	return b
}

func (l *Linker) refIDs(ns ...int32) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = l.nodes[n].ref
	}
	return out
}

// rejectKey refines key k's labels so that no carrier in the group at
// root on one side of the split shares a label with one on the other.
func (l *Linker) rejectKey(k, root int32, inSide map[int32]bool) (Rejection, bool) {
	kk := &l.keys[k]
	// Labels within the group that occur on both sides must split.
	type sides struct{ in, out []int32 }
	byLabel := map[int32]*sides{}
	for _, c := range kk.carriers {
		if l.find(c) != root {
			continue
		}
		lab := int32(-1) // an uncontested key: every carrier is linked
		if kk.labels != nil {
			var ok bool
			if lab, ok = kk.labels[c]; !ok {
				continue // an unlabelled carrier links by nothing here
			}
		}
		s := byLabel[lab]
		if s == nil {
			s = &sides{}
			byLabel[lab] = s
		}
		if inSide[c] {
			s.in = append(s.in, c)
		} else {
			s.out = append(s.out, c)
		}
	}
	rej := Rejection{Kind: kk.norm.Kind, Masked: kk.norm.Masked()}
	for _, s := range byLabel {
		if len(s.in) == 0 || len(s.out) == 0 {
			continue
		}
		if kk.labels == nil {
			kk.labels = map[int32]int32{}
			// Carriers outside this group cannot exist for an uncontested
			// key, but label them all so none is left unlinked.
			for _, c := range kk.carriers {
				kk.labels[c] = 0
			}
		}
		l.nextLabel++
		in := l.nextLabel
		l.nextLabel++
		out := l.nextLabel
		for _, c := range s.in {
			kk.labels[c] = in
		}
		for _, c := range s.out {
			kk.labels[c] = out
		}
		rej.Side = append(rej.Side, l.refIDs(s.in...)...)
		rej.Other = append(rej.Other, l.refIDs(s.out...)...)
	}
	if len(rej.Side) == 0 {
		return Rejection{}, false
	}
	slices.Sort(rej.Side)
	slices.Sort(rej.Other)
	return rej, true
}

// regroup recomputes the components of the old group g's members with the
// links that remain. The component holding most of the part not split off
// keeps g.
func (l *Linker) regroup(g GroupID, members []int32, inSide map[int32]bool) []GroupID {
	delete(l.roots, g)
	for _, n := range members {
		l.parent[n] = n
		l.ring[n], l.size[n] = n, 1
	}
	l.linkAmong(members)
	comps := map[int32]bool{}
	var roots []int32
	best, bestN := int32(-1), 0
	for _, n := range members {
		r := l.find(n)
		if comps[r] {
			continue
		}
		comps[r] = true
		roots = append(roots, r)
		c := 0
		for _, m := range l.members(r) {
			if !inSide[m] {
				c++
			}
		}
		if c > bestN {
			best, bestN = r, c
		}
	}
	var out []GroupID
	if best >= 0 {
		l.gid[best], l.roots[g] = g, best
		out = append(out, g)
	}
	for _, r := range roots {
		if r == best {
			continue
		}
		l.next++
		l.gid[r], l.roots[l.next] = l.next, r
		out = append(out, l.next)
	}
	return out
}

// linkAmong unions the given nodes (each its own root) by every link that
// still holds between them: shared keys, respecting labels, and analyst
// confirmations.
func (l *Linker) linkAmong(nodes []int32) {
	l.rebuilding = true
	defer func() { l.rebuilding = false }()
	in := make(map[int32]bool, len(nodes))
	for _, n := range nodes {
		in[n] = true
	}
	firstByLabel := map[[2]int32]int32{}
	for _, n := range nodes {
		for _, k := range l.nodes[n].keys {
			lab := int32(-1)
			if labels := l.keys[k].labels; labels != nil {
				var ok bool
				if lab, ok = labels[n]; !ok {
					continue
				}
			}
			if f, ok := firstByLabel[[2]int32{k, lab}]; ok {
				l.union(f, n)
			} else {
				firstByLabel[[2]int32{k, lab}] = n
			}
		}
	}
	for _, e := range l.confirmed {
		if in[e.a] && in[e.b] {
			l.union(e.a, e.b)
		}
	}
}

// Recompute rebuilds every group from the referrals' identifiers, the
// rejections and the confirmations, as a batch would; the groups it finds
// equal those built incrementally. Group ids are kept where a group's
// oldest member is unchanged.
func (l *Linker) Recompute() {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := make([]GroupID, len(l.nodes))
	for n := range l.nodes {
		old[n] = l.gid[l.find(int32(n))]
	}
	all := make([]int32, len(l.nodes))
	for n := range all {
		all[n] = int32(n)
		l.parent[n], l.ring[n], l.size[n] = int32(n), int32(n), 1
	}
	l.linkAmong(all)
	clear(l.roots)
	for n := range all {
		if r := l.find(int32(n)); r == int32(n) {
			g := old[slices.Min(l.members(r))]
			if _, taken := l.roots[g]; taken {
				l.next++
				g = l.next
			}
			l.gid[r], l.roots[g] = g, r
		}
	}
}

// Confirm links two referrals on an analyst's word (a possible link
// confirmed), with the reason as its evidence. Returns ENOTFOUND for an
// unknown referral.
func (l *Linker) Confirm(a, b int64, reason string) (GroupID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	na, ok := l.byRef[a]
	if !ok {
		return 0, safeguard.Errorf(safeguard.ENOTFOUND, "referral %d was never linked", a)
	}
	nb, ok := l.byRef[b]
	if !ok {
		return 0, safeguard.Errorf(safeguard.ENOTFOUND, "referral %d was never linked", b)
	}
	l.confirmed = append(l.confirmed, edge{a: na, b: nb, reason: reason})
	l.union(na, nb)
	return l.gid[l.find(na)], nil
}
