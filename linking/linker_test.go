package linking_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"safeguard"
	"safeguard/linking"
)

func ref(id int64, ids ...string) *safeguard.Referral {
	r := &safeguard.Referral{ID: id, Source: safeguard.SourceHotline, SourceRef: fmt.Sprint("H-", id)}
	for _, s := range ids {
		kind, v, _ := strings.Cut(s, "=")
		if kind == linking.KindIP {
			r.IPEvents = append(r.IPEvents, safeguard.IPEvent{IP: netip.MustParseAddr(v)})
			continue
		}
		r.Identifiers = append(r.Identifiers, safeguard.Identifier{Kind: kind, Value: v})
	}
	return r
}

func TestLinker_ChainAndEvidence(t *testing.T) {
	l := linking.NewLinker()
	r1 := l.Add(ref(1, "email=Alice@Example.com"))
	if !r1.New || r1.Group == 0 {
		t.Fatalf("first: %+v", r1)
	}
	r2 := l.Add(ref(2, "email=alice@example.com", "phone=07700 900123"))
	if r2.New || r2.Group != r1.Group || len(r2.Links) != 1 {
		t.Fatalf("second: %+v", r2)
	}
	if got, want := r2.Links[0].Words("SG-2026-000001"), "linked to SG-2026-000001 by e-mail a…@example.com in referrals 1 and 2"; got != want {
		t.Errorf("words = %q, want %q", got, want)
	}
	r3 := l.Add(ref(3, "phone=+44 (0)7700 900123"))
	if r3.Group != r1.Group {
		t.Fatalf("chain through phone: %+v", r3)
	}
	if got, want := r3.Links[0].Words("G"), "linked to G by phone +44…123 in referrals 2 and 3"; got != want {
		t.Errorf("words = %q, want %q", got, want)
	}
	// A separate group, then a referral bridging both: merged, the older
	// id survives.
	r4 := l.Add(ref(4, "username=zeb@chat"))
	r5 := l.Add(ref(5, "username=Zeb@Chat", "email=a.lice@example.com"))
	if r5.Merged() || r5.Group != r4.Group {
		t.Fatalf("dots are significant at example.com: %+v", r5)
	}
	r6 := l.Add(ref(6, "username=@zeb", "email=ALICE@example.com"))
	if r6.Merged() {
		t.Fatalf("a username without a platform must not link: %+v", r6)
	}
	r6 = l.Add(&safeguard.Referral{ID: 7, Platform: "Chat", Identifiers: []safeguard.Identifier{
		{Kind: safeguard.IdentUsername, Value: "@zeb"}, {Kind: safeguard.IdentEmail, Value: "ALICE@example.com"}}})
	if !r6.Merged() || !slices.Equal(r6.Joined, []linking.GroupID{r1.Group, r4.Group}) || r6.Group != r1.Group {
		t.Fatalf("bridge: %+v", r6)
	}
	if got := l.Members(r1.Group); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("members = %v", got)
	}
	if l.Members(r4.Group) != nil {
		t.Errorf("merged-away group %d still has members", r4.Group)
	}
}

func TestLinker_WeakNeverLink(t *testing.T) {
	l := linking.NewLinker()
	a := l.Add(ref(1, "name=Zebedee Example", "ip=203.0.113.7", "phone=900123", "email=z1@example.com"))
	b := l.Add(ref(2, "name=zebedee  EXAMPLE", "ip=203.0.113.7", "phone=900123", "email=z2@example.com"))
	if b.Group == a.Group || len(b.Links) != 0 || !b.New {
		t.Fatalf("weak identifiers linked: %+v", b)
	}
	kinds := map[string]bool{}
	for _, p := range b.Possible {
		kinds[p.Kind] = true
		if !slices.Equal(p.Groups, []linking.GroupID{a.Group}) || !slices.Equal(p.Referrals, []int64{1}) {
			t.Errorf("possible %+v", p)
		}
	}
	if !kinds[safeguard.IdentName] || !kinds[linking.KindIP] || !kinds[safeguard.IdentPhone] {
		t.Errorf("possible links = %+v", b.Possible)
	}
	words := b.Possible[0].Words(func(g linking.GroupID) string { return fmt.Sprint("G", g) })
	if !strings.Contains(words, "possible link to G1 by name Z… E… in referrals 1") {
		t.Errorf("words = %q", words)
	}
	// Private and CGNAT addresses are not even possible links.
	l.Add(ref(3, "ip=10.0.0.1", "ip=100.64.0.1"))
	if c := l.Add(ref(4, "ip=10.0.0.1", "ip=100.64.0.1")); len(c.Possible) != 0 {
		t.Errorf("shared private address offered: %+v", c.Possible)
	}
	// Confirmation by an analyst links them.
	g, err := l.Confirm(1, 2, "analyst confirmed the shared name")
	if err != nil || g != a.Group || len(l.Members(g)) != 2 {
		t.Fatalf("confirm: %v %v %v", g, err, l.Members(g))
	}
}

func TestLinker_Split(t *testing.T) {
	l := linking.NewLinker()
	l.Add(ref(1, "email=dad@example.com", "phone=07700 900001"))
	l.Add(ref(2, "email=family@example.com", "phone=07700 900001"))
	l.Add(ref(3, "email=family@example.com", "username=kid@chat"))
	r := l.Add(ref(4, "username=kid@chat"))
	g := r.Group
	if len(l.Members(g)) != 4 {
		t.Fatalf("members %v", l.Members(g))
	}
	if _, err := l.Split(g, []int64{1, 2, 3, 4}); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Fatalf("split of everything: %v", err)
	}
	if _, err := l.Split(99, []int64{1}); safeguard.ErrorCode(err) != safeguard.ENOTFOUND {
		t.Fatalf("unknown group: %v", err)
	}
	// The shared family e-mail tied two people: split 3 and 4 off.
	res, err := l.Split(g, []int64{3, 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 2 || res.Groups[0] != g {
		t.Fatalf("groups %v", res.Groups)
	}
	if got := l.Members(g); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("kept %v", got)
	}
	if got := l.Members(res.Groups[1]); !slices.Equal(got, []int64{3, 4}) {
		t.Errorf("split off %v", got)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Kind != safeguard.IdentEmail || !slices.Equal(res.Rejected[0].Side, []int64{3}) ||
		!slices.Equal(res.Rejected[0].Other, []int64{2}) || res.Rejected[0].Masked != "f…@example.com" {
		t.Errorf("rejected %+v", res.Rejected)
	}
	// The rejected link never links again, even through a new referral
	// carrying it: that is a possible link to both.
	r5 := l.Add(ref(5, "email=family@example.com"))
	if !r5.New || len(r5.Possible) != 1 || len(r5.Possible[0].Groups) != 2 {
		t.Fatalf("after split: %+v", r5)
	}
	l.Recompute()
	if got := l.Members(g); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("recomputed kept %v", got)
	}
	// New, independent evidence may join them again, and says so.
	r6 := l.Add(ref(6, "phone=07700900001", "username=KID@chat"))
	if !r6.Merged() || !r6.Rejoins {
		t.Errorf("rejoin not flagged: %+v", r6)
	}
	if len(l.Rejections()) != 1 {
		t.Errorf("rejections %+v", l.Rejections())
	}
}

// model is the brute-force reference: referrals and their strong keys,
// components by breadth-first search over every pair.
type model struct {
	ids    []int64
	keys   map[int64][]string
	labels map[string]map[int64]int // nil: the key links all its carriers
	next   int
}

func (m *model) linked(a, b int64) bool {
	for _, k := range m.keys[a] {
		if !slices.Contains(m.keys[b], k) {
			continue
		}
		lab := m.labels[k]
		if lab == nil {
			return true
		}
		la, oka := lab[a]
		lb, okb := lab[b]
		if oka && okb && la == lb {
			return true
		}
	}
	return false
}

func (m *model) components() [][]int64 {
	seen := map[int64]bool{}
	var out [][]int64
	for _, s := range m.ids {
		if seen[s] {
			continue
		}
		comp, queue := []int64{}, []int64{s}
		seen[s] = true
		for len(queue) > 0 {
			x := queue[0]
			queue = queue[1:]
			comp = append(comp, x)
			for _, y := range m.ids {
				if !seen[y] && m.linked(x, y) {
					seen[y] = true
					queue = append(queue, y)
				}
			}
		}
		slices.Sort(comp)
		out = append(out, comp)
	}
	return canon(out)
}

// split applies what an analyst's split does, naively.
func (m *model) split(group, side []int64) {
	in := map[int64]bool{}
	for _, s := range side {
		in[s] = true
	}
	for k := range m.keyset() {
		type lk struct {
			lab int
			set bool
		}
		classes := map[lk][2][]int64{}
		for _, c := range group {
			if !slices.Contains(m.keys[c], k) {
				continue
			}
			c2 := lk{}
			if m.labels[k] != nil {
				v, ok := m.labels[k][c]
				if !ok {
					continue
				}
				c2 = lk{v, true}
			}
			cl := classes[c2]
			if in[c] {
				cl[0] = append(cl[0], c)
			} else {
				cl[1] = append(cl[1], c)
			}
			classes[c2] = cl
		}
		for _, cl := range classes {
			if len(cl[0]) == 0 || len(cl[1]) == 0 {
				continue
			}
			if m.labels[k] == nil {
				m.labels[k] = map[int64]int{}
				for _, id := range m.ids {
					if slices.Contains(m.keys[id], k) {
						m.labels[k][id] = 0
					}
				}
			}
			m.next++
			for _, c := range cl[0] {
				m.labels[k][c] = m.next
			}
			m.next++
			for _, c := range cl[1] {
				m.labels[k][c] = m.next
			}
		}
	}
}

func (m *model) keyset() map[string]bool {
	out := map[string]bool{}
	for _, ks := range m.keys {
		for _, k := range ks {
			out[k] = true
		}
	}
	return out
}

func canon(groups [][]int64) [][]int64 {
	for _, g := range groups {
		slices.Sort(g)
	}
	slices.SortFunc(groups, func(a, b []int64) int { return int(a[0] - b[0]) })
	return groups
}

func linkerGroups(l *linking.Linker) [][]int64 {
	var out [][]int64
	for _, g := range l.Groups() {
		out = append(out, g)
	}
	return canon(out)
}

// randomRef draws identifiers from small pools, written in varied forms,
// so that chains and bridges form.
func randomRef(r *rand.Rand, id int64, pool int) *safeguard.Referral {
	var ids []string
	for range 1 + r.IntN(3) {
		v := r.IntN(pool)
		switch r.IntN(6) {
		case 0:
			ids = append(ids, fmt.Sprintf("email=U%d@Example.com", v))
		case 1:
			ids = append(ids, fmt.Sprintf("email=u%d@example.com", v))
		case 2:
			ids = append(ids, fmt.Sprintf("phone=07700 900%03d", v))
		case 3:
			ids = append(ids, fmt.Sprintf("phone=+44 7700 900%03d", v))
		case 4:
			ids = append(ids, fmt.Sprintf("name=Person %d", v%5), fmt.Sprintf("ip=203.0.113.%d", v%7))
		case 5:
			ids = append(ids, fmt.Sprintf("username=user%d@chat", v))
		}
	}
	return ref(id, ids...)
}

func strongKeys(r *safeguard.Referral) []string {
	var out []string
	for _, n := range linking.Identifiers(r) {
		if n.Strong() && !slices.Contains(out, n.Key()) {
			out = append(out, n.Key())
		}
	}
	return out
}

func TestLinker_MatchesBruteForce(t *testing.T) {
	splits := 0
	defer func() {
		if splits < 10 {
			t.Errorf("only %d splits exercised", splits)
		}
	}()
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		l := linking.NewLinker()
		m := &model{keys: map[int64][]string{}, labels: map[string]map[int64]int{}}
		n := 60 + r.IntN(100)
		for i := range n {
			id := int64(i + 1)
			rf := randomRef(r, id, n)
			res := l.Add(rf)
			m.ids = append(m.ids, id)
			m.keys[id] = strongKeys(rf)
			if g, _ := l.GroupOf(id); g != res.Group {
				t.Fatalf("seed %d: GroupOf %d = %d, result says %d", seed, id, g, res.Group)
			}
			if r.IntN(15) == 0 {
				// An analyst splits a random group of two or more.
				var groups []linking.GroupID
				for g, ms := range l.Groups() {
					if len(ms) > 1 {
						groups = append(groups, g)
					}
				}
				if len(groups) > 0 {
					slices.Sort(groups)
					g := groups[r.IntN(len(groups))]
					ms := l.Members(g)
					k := 1 + r.IntN(len(ms)-1)
					r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
					side := slices.Clone(ms[:k])
					if _, err := l.Split(g, side); err != nil {
						t.Fatal(err)
					}
					m.split(ms, side)
					splits++
				}
			}
			if i%10 == 9 || i == n-1 {
				if got, want := linkerGroups(l), m.components(); !slices.EqualFunc(got, want, slices.Equal) {
					t.Fatalf("seed %d after %d referrals:\n got %v\nwant %v", seed, i+1, got, want)
				}
			}
		}
		before := linkerGroups(l)
		l.Recompute()
		if after := linkerGroups(l); !slices.EqualFunc(before, after, slices.Equal) {
			t.Fatalf("seed %d: incremental %v != recomputed %v", seed, before, after)
		}
	}
}

func TestLinker_IncrementalEqualsBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var refs []*safeguard.Referral
	for i := range 2000 {
		refs = append(refs, randomRef(r, int64(i+1), 1500))
	}
	a := linking.NewLinker()
	for _, rf := range refs {
		a.Add(rf)
	}
	b := linking.NewLinker()
	for _, i := range r.Perm(len(refs)) {
		b.Add(refs[i])
	}
	ga, gb := linkerGroups(a), linkerGroups(b)
	if !slices.EqualFunc(ga, gb, slices.Equal) {
		t.Fatal("arrival order changed the groups")
	}
	a.Recompute()
	if gr := linkerGroups(a); !slices.EqualFunc(ga, gr, slices.Equal) {
		t.Fatal("recomputing changed the groups")
	}
	if len(ga) == len(refs) || len(ga) == 1 {
		t.Fatalf("%d groups of %d referrals: the data forms no useful links", len(ga), len(refs))
	}
}

func TestLinker_AddAgain(t *testing.T) {
	l := linking.NewLinker()
	a := l.Add(ref(1, "email=z@example.com"))
	b := l.Add(ref(2, "email=z@example.com"))
	again := l.Add(ref(2, "email=z@example.com"))
	if again.New || len(again.Links) != 0 || again.Group != a.Group || b.Group != a.Group {
		t.Fatalf("adding again: %+v", again)
	}
	// A new identifier on a known referral links what it shares.
	l.Add(ref(3, "phone=07700 900777"))
	more := l.Add(ref(2, "phone=07700900777"))
	if !slices.Equal(more.Joined, []linking.GroupID{3}) || more.Group != a.Group || len(l.Members(a.Group)) != 3 {
		t.Fatalf("new identifier: %+v, members %v", more, l.Members(a.Group))
	}
}

func TestLinker_WeakCapped(t *testing.T) {
	l := linking.NewLinker()
	for i := range 100 {
		l.Add(ref(int64(i+1), "name=Common Name", fmt.Sprintf("email=p%d@example.com", i)))
	}
	r := l.Add(ref(101, "name=common name"))
	if len(r.Possible) != 1 || len(r.Possible[0].Groups) > 20 || len(r.Possible[0].Referrals) > 3 || !r.New {
		t.Fatalf("possible: %+v", r.Possible)
	}
}
