package linking

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"safeguard"
)

// GroupID names a group of linked referrals (a subject in the making). It
// is stable: when groups merge the oldest keeps its id; when an analyst
// splits one, the part that was not split off keeps it.
type GroupID int64

// evidenceRefs is how many referrals a link names before "and N more".
const evidenceRefs = 3

// weakCap bounds how many carriers of one weak value are remembered: a
// common name or a busy shared address would otherwise offer every
// referral as a possible link to every other.
const weakCap = 20

// Linker groups referrals that share a strong identifier, through any
// chain of links, as they arrive. It is safe for concurrent use.
type Linker struct {
	mu     sync.Mutex
	byRef  map[int64]int32 // referral id -> node
	nodes  []node
	parent []int32
	// ring links each group's nodes in a cycle, so that a union is two
	// swaps and a group's members are a walk; size counts them at a root.
	ring  []int32
	size  []int32
	gid   []GroupID // at a root: its group id
	roots map[GroupID]int32
	next  GroupID

	keyIdx map[keyName]int32
	keys   []key
	weak   map[keyName]*weakKey

	confirmed  []edge
	rejections []Rejection
	splits     []split
	nextLabel  int32
	rebuilding bool // linkAmong is running: gids of the nodes are stale
}

// keyName is a normalised identifier as a map key.
type keyName struct{ kind, value string }

type node struct {
	ref  int64
	keys []int32 // strong keys it carries
}

type key struct {
	norm     Norm
	carriers []int32
	// labels is nil until an analyst rejects this key as a link; then
	// only carriers with the same label are linked by it, and a carrier
	// with none (a later referral) is offered as a possible link.
	labels map[int32]int32
}

type weakKey struct {
	norm     Norm
	carriers []int32
	count    int
}

type edge struct {
	a, b   int32
	reason string
}

type split struct{ side, other []int32 }

// NewLinker returns an empty Linker.
func NewLinker() *Linker {
	return &Linker{byRef: map[int64]int32{}, roots: map[GroupID]int32{}, keyIdx: map[keyName]int32{}, weak: map[keyName]*weakKey{}}
}

// Result says what adding a referral did.
type Result struct {
	ReferralID int64
	Group      GroupID // the group it is in now
	// New is true when it linked to nothing and formed a group alone.
	New bool
	// Joined lists the existing groups it linked to, oldest first. Two or
	// more means it bridged them and they were merged into Group.
	Joined []GroupID
	// Links is the evidence: each strong identifier that tied it to a
	// group, and the referrals there that carry it.
	Links []Link
	// Possible lists weak matches for an analyst to confirm or reject.
	Possible []PossibleLink
	// Rejoins is true when the merge joined referrals that an analyst had
	// split apart (through an identifier other than the rejected ones).
	Rejoins bool
}

// Merged reports whether the referral bridged two or more groups.
func (r Result) Merged() bool { return len(r.Joined) > 1 }

// Link is one piece of evidence: the referral shares an identifier with
// referrals of a group.
type Link struct {
	Kind      string
	Masked    string  // the value as it may be shown, e.g. "a…@example.com"
	Group     GroupID // the group it linked to (before any merge)
	Referrals []int64 // referrals carrying it: up to three of the group's, then the new one
	More      int     // how many more of the group's carry it
}

// Words returns the evidence in words, naming the group by label (a
// subject reference such as SG-2026-000123): "linked to SG-2026-000123 by
// e-mail a…@example.com in referrals 12 and 40".
func (l Link) Words(label string) string {
	return fmt.Sprintf("linked to %s by %s %s in referrals %s", label, KindWords(l.Kind), l.Masked, refList(l.Referrals, l.More))
}

// PossibleLink is a match that does not link on its own.
type PossibleLink struct {
	Kind      string
	Masked    string
	Reason    string    // why it did not link
	Groups    []GroupID // the other groups that carry it
	Referrals []int64   // some of the referrals there that carry it
}

// Words returns the possible link in words for an analyst.
func (p PossibleLink) Words(label func(GroupID) string) string {
	names := make([]string, len(p.Groups))
	for i, g := range p.Groups {
		names[i] = label(g)
	}
	return fmt.Sprintf("possible link to %s by %s %s in referrals %s (%s): an analyst must confirm or reject it",
		strings.Join(names, ", "), KindWords(p.Kind), p.Masked, refList(p.Referrals, 0), p.Reason)
}

// Rejection is an identifier an analyst rejected as a link between two
// sets of referrals: it never links them again.
type Rejection struct {
	Kind   string
	Masked string
	Side   []int64 // the referrals split off
	Other  []int64 // the referrals they were split from
}

func refList(ids []int64, more int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	out := strings.Join(s, ", ")
	if len(s) > 1 {
		out = strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
	}
	if more > 0 {
		out += fmt.Sprintf(" (and %d more)", more)
	}
	return out
}

// Identifiers returns the normalised identifiers of a referral: its
// identifiers (usernames and account ids scoped by its platform) and, as
// weak ones, the public IP addresses of its IP events.
func Identifiers(ref *safeguard.Referral) []Norm {
	out := make([]Norm, 0, len(ref.Identifiers)+len(ref.IPEvents))
	for _, id := range ref.Identifiers {
		out = append(out, Normalize(id, ref.Platform))
	}
	for _, e := range ref.IPEvents {
		if ip := e.IP.Unmap(); linkableIP(ip) {
			out = append(out, Norm{Kind: KindIP, Value: ip.String(), Exact: true})
		}
	}
	return out
}

// linkableIP reports whether an address is worth offering as a possible
// link: not private, loopback, link-local or carrier-grade NAT, which
// thousands share.
func linkableIP(ip netip.Addr) bool {
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !safeguard.CGNAT.Contains(ip)
}

// Add links a referral (by its ID, which must be set) to the groups of
// referrals sharing a strong identifier with it. Adding a referral again
// adds only identifiers it did not carry before.
func (l *Linker) Add(ref *safeguard.Referral) Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.add(ref.ID, Identifiers(ref))
}

func (l *Linker) add(refID int64, norms []Norm) Result {
	n, known := l.byRef[refID]
	if !known {
		n = int32(len(l.nodes))
		l.byRef[refID] = n
		l.nodes = append(l.nodes, node{ref: refID})
		l.parent = append(l.parent, n)
		l.ring = append(l.ring, n)
		l.size = append(l.size, 1)
		l.next++
		l.gid = append(l.gid, l.next)
		l.roots[l.next] = n
	}
	res := Result{ReferralID: refID}
	type pending struct {
		nm       Norm
		carriers []int32
		reason   string
	}
	var later []pending
	var weak []Norm
	for _, nm := range norms {
		if !nm.Strong() {
			weak = append(weak, nm)
			continue
		}
		ks := keyName{nm.Kind, nm.Value}
		k, ok := l.keyIdx[ks]
		if !ok {
			k = int32(len(l.keys))
			l.keyIdx[ks] = k
			l.keys = append(l.keys, key{norm: nm})
		}
		if slices.Contains(l.nodes[n].keys, k) {
			continue
		}
		l.nodes[n].keys = append(l.nodes[n].keys, k)
		kk := &l.keys[k]
		kk.carriers = append(kk.carriers, n)
		if kk.labels != nil {
			later = append(later, pending{nm, kk.carriers[:len(kk.carriers)-1],
				"an analyst rejected it as a link between referrals that carry it"})
			continue
		}
		first := kk.carriers[0]
		if first == n {
			continue
		}
		root := l.find(first)
		g := l.gid[root]
		link := Link{Kind: nm.Kind, Masked: nm.Masked(), Group: g}
		for _, c := range kk.carriers[:len(kk.carriers)-1] {
			if l.find(c) != root {
				continue
			}
			if len(link.Referrals) < evidenceRefs {
				link.Referrals = append(link.Referrals, l.nodes[c].ref)
			} else {
				link.More++
			}
		}
		link.Referrals = append(link.Referrals, refID)
		res.Links = append(res.Links, link)
		if !slices.Contains(res.Joined, g) {
			res.Joined = append(res.Joined, g)
		}
		l.union(n, first)
	}
	for _, nm := range weak {
		ks := keyName{nm.Kind, nm.Value}
		w := l.weak[ks]
		if w == nil {
			w = &weakKey{norm: nm}
			l.weak[ks] = w
		}
		// The carriers so far: later appends never change this prefix.
		later = append(later, pending{nm, w.carriers[:len(w.carriers):len(w.carriers)], weakReason(nm)})
		w.count++
		if len(w.carriers) < weakCap {
			w.carriers = append(w.carriers, n)
		}
	}
	for _, p := range later {
		if pl := l.possible(p.nm, p.carriers, n, p.reason); len(pl.Groups) > 0 {
			res.Possible = append(res.Possible, pl)
		}
	}
	slices.Sort(res.Joined)
	res.Group = l.gid[l.find(n)]
	res.New = !known && len(res.Joined) == 0
	if len(res.Joined) > 1 {
		res.Rejoins = l.rejoins()
	}
	return res
}

// WeakReason says why n does not link on its own ("a shared IP address
// alone does not identify a person").
func (n Norm) WeakReason() string { return weakReason(n) }

func weakReason(n Norm) string {
	switch {
	case n.Kind == KindIP:
		return "a shared IP address alone does not identify a person"
	case n.Kind == safeguard.IdentName:
		return "a name alone does not identify a person"
	case n.Kind == safeguard.IdentPhone:
		return "a phone number that could not be placed in a country"
	case n.Kind == safeguard.IdentUsername || n.Kind == safeguard.IdentAccountID:
		return "no platform: the same name on two services may be two people"
	}
	return "could not be normalised"
}

// possible lists the groups (other than n's) whose referrals carry a
// value that does not link.
func (l *Linker) possible(nm Norm, carriers []int32, n int32, reason string) PossibleLink {
	p := PossibleLink{Kind: nm.Kind, Masked: nm.Masked(), Reason: reason}
	own := l.find(n)
	for _, c := range carriers {
		r := l.find(c)
		if r == own {
			continue
		}
		if g := l.gid[r]; !slices.Contains(p.Groups, g) {
			p.Groups = append(p.Groups, g)
		}
		if len(p.Referrals) < evidenceRefs {
			p.Referrals = append(p.Referrals, l.nodes[c].ref)
		}
	}
	slices.Sort(p.Groups)
	return p
}

// rejoins reports whether any analyst split now has both its sides in one
// group.
func (l *Linker) rejoins() bool {
	for _, s := range l.splits {
		side := map[int32]bool{}
		for _, a := range s.side {
			side[l.find(a)] = true
		}
		for _, b := range s.other {
			if side[l.find(b)] {
				return true
			}
		}
	}
	return false
}

func (l *Linker) find(n int32) int32 {
	for l.parent[n] != n {
		l.parent[n] = l.parent[l.parent[n]]
		n = l.parent[n]
	}
	return n
}

// union joins the groups of a and b; the older group id survives.
func (l *Linker) union(a, b int32) {
	ra, rb := l.find(a), l.find(b)
	if ra == rb {
		return
	}
	if l.size[ra] < l.size[rb] {
		ra, rb = rb, ra
	}
	ga, gb := l.gid[ra], l.gid[rb]
	l.parent[rb] = ra
	l.size[ra] += l.size[rb]
	l.ring[ra], l.ring[rb] = l.ring[rb], l.ring[ra]
	l.gid[ra] = min(ga, gb)
	if l.rebuilding {
		return // group ids are reassigned once the rebuild is done
	}
	delete(l.roots, ga)
	delete(l.roots, gb)
	l.roots[l.gid[ra]] = ra
}

// members returns the nodes of the group whose root is r.
func (l *Linker) members(r int32) []int32 {
	out := make([]int32, 0, l.size[r])
	for n := r; ; {
		out = append(out, n)
		if n = l.ring[n]; n == r {
			return out
		}
	}
}

// GroupOf returns the group of a referral, and false if it was never added.
func (l *Linker) GroupOf(refID int64) (GroupID, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, ok := l.byRef[refID]
	if !ok {
		return 0, false
	}
	return l.gid[l.find(n)], true
}

// Members returns the referral ids of a group in the order they were
// added, or nil if there is no such group.
func (l *Linker) Members(g GroupID) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refs(g)
}

func (l *Linker) refs(g GroupID) []int64 {
	r, ok := l.roots[g]
	if !ok {
		return nil
	}
	m := l.members(r)
	slices.Sort(m)
	out := make([]int64, len(m))
	for i, n := range m {
		out[i] = l.nodes[n].ref
	}
	return out
}

// Groups returns every group's referral ids, keyed by group.
func (l *Linker) Groups() map[GroupID][]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[GroupID][]int64, len(l.roots))
	for g := range l.roots {
		out[g] = l.refs(g)
	}
	return out
}

// Rejections returns the links analysts have rejected.
func (l *Linker) Rejections() []Rejection {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.rejections)
}
