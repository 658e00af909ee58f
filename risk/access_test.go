package risk

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// randomFacts fills a random subset of every fact with random values and
// sources.
func randomFacts(r *rand.Rand) *safeguard.Facts {
	f := &safeguard.Facts{}
	src := func() []safeguard.FactSource {
		s := []safeguard.FactSource{fromReferral, fromScan, fromAnalyst}[r.IntN(3)]
		s.At = now.Add(-time.Duration(r.IntN(1000)) * time.Hour)
		return []safeguard.FactSource{s}
	}
	for _, d := range catalogue {
		if d.derive != nil || r.IntN(2) == 0 {
			continue
		}
		switch {
		case d.b != nil:
			*d.b(f) = &safeguard.BoolFact{Value: r.IntN(2) == 0, Sources: src()}
		case d.n != nil:
			*d.n(f) = &safeguard.CountFact{Value: []int64{0, 1, 2, 5, 999, 1000, 50000}[r.IntN(7)], Sources: src()}
		case d.t != nil:
			*d.t(f) = &safeguard.TextFact{Value: d.enum[r.IntN(len(d.enum))], Sources: src()}
		case d.list != nil:
			for range r.IntN(3) {
				*d.list(f) = append(*d.list(f), safeguard.TextFact{Value: []string{"plumber", "accountant", "driver"}[r.IntN(3)], Sources: src()})
			}
		}
	}
	// Other facts say nothing of access; the test adds it.
	f.AccessToChildren.ChildrenInHousehold = nil
	f.AccessToChildren.FamilyOrNeighboursChildren = nil
	return f
}

// grantAccess gives f one kind of access to children, chosen by i.
func grantAccess(f *safeguard.Facts, p *Policy, i int) {
	switch i % 3 {
	case 0:
		f.AccessToChildren.ChildrenInHousehold = yes()
	case 1:
		f.AccessToChildren.Occupations = append(f.AccessToChildren.Occupations, *word(p.Occupations[i%len(p.Occupations)]))
	case 2:
		f.AccessToChildren.FamilyOrNeighboursChildren = yes()
	}
}

// sneakyPolicy passes the access check (its probe has access alone) but
// its access rule stops firing when attribution is ambiguous: the engine's
// guarantee must still make the subject immediate.
const sneakyPolicy = `{"version": "sneaky-1", "score_bands": {"high": 10},
 "rules": [
  {"id": "access-unless-ambiguous", "title": "Access", "phase": "access_to_children", "band": "immediate",
   "when": {"all": [{"fact": "access_to_children.any", "eq": true}, {"not": {"fact": "other.attribution", "eq": "ambiguous"}}]}},
  {"id": "lower", "title": "Ambiguous", "phase": "other_factors", "band": "low", "score": -100,
   "when": {"fact": "other.attribution", "eq": "ambiguous"}}]}`

// TestAccessAlwaysImmediate is property-style: over random other facts,
// any access to children gives immediate, under the built-in policy, a
// minimal one and one written to dodge it.
func TestAccessAlwaysImmediate(t *testing.T) {
	policies := map[string]*Policy{
		"builtin": Builtin(),
		"minimal": MustParsePolicy(t, minimalPolicy),
		"sneaky":  MustParsePolicy(t, sneakyPolicy),
	}
	r := rand.New(rand.NewPCG(5, 2026))
	for name, p := range policies {
		for i := range 3000 {
			f := randomFacts(r)
			grantAccess(f, p, i)
			a := p.Assess(f, now)
			if a.Band != safeguard.BandImmediate || a.Due != p.Due[0] {
				t.Fatalf("%s: case %d: band %s due %s with access to children; trace %v", name, i, a.Band, a.Due, firedRules(a))
			}
			if !a.tracesAccess() && findFired(a, RuleAccessGuarantee) == nil {
				t.Fatalf("%s: case %d: immediate but the trace does not cite access: %v", name, i, firedRules(a))
			}
		}
	}
}

// TestAccessGuaranteeShows checks that when a policy's rules miss access,
// the engine's own entry says so in the trace.
func TestAccessGuaranteeShows(t *testing.T) {
	p := MustParsePolicy(t, sneakyPolicy)
	f := &safeguard.Facts{}
	f.AccessToChildren.ChildrenInHousehold = yes()
	f.Other.Attribution = word("ambiguous")
	if band, _ := p.ruleBand(f); band != safeguard.BandLow {
		t.Fatalf("the policy's own band = %s, want low (the test needs a policy that misses access)", band)
	}
	a := p.Assess(f, now)
	fr := findFired(a, RuleAccessGuarantee)
	if a.Band != safeguard.BandImmediate || fr == nil {
		t.Fatalf("band %s, trace %v; want immediate with %s", a.Band, firedRules(a), RuleAccessGuarantee)
	}
	if !strings.Contains(a.Explain(), "Immediate because: lives in a household with children (analyst entry by A. Analyst)") {
		t.Errorf("Explain() = %q", a.Explain())
	}
	// An immediate rule citing an occupation not on the list does not
	// explain the access: the engine's entry does.
	p = MustParsePolicy(t, withRule(`{"id": "plumber", "title": "Plumber", "phase": "other_factors", "band": "immediate",
		"when": {"fact": "access_to_children.occupation", "eq": "plumber"}}`))
	p.Rules = p.Rules[1:] // past the access check: only the plumber rule is left
	h := &safeguard.Facts{}
	h.AccessToChildren.Occupations = occupation("plumber")
	h.AccessToChildren.ChildrenInHousehold = yes()
	if a := p.Assess(h, now); findFired(a, RuleAccessGuarantee) == nil || findFired(a, "plumber") == nil {
		t.Errorf("plumber policy: trace %v, want plumber and %s", firedRules(a), RuleAccessGuarantee)
	}

	// Recorded false access is not access.
	g := &safeguard.Facts{}
	g.AccessToChildren.ChildrenInHousehold = no()
	g.AccessToChildren.Occupations = occupation("plumber")
	if a := Builtin().Assess(g, now); a.Band != safeguard.BandLow {
		t.Errorf("no access: band %s, want low (%v)", a.Band, firedRules(a))
	}
}

// TestAssessIsPure checks that the same inputs give the same assessment and
// that assessing does not change the facts.
func TestAssessIsPure(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	p := Builtin()
	for range 200 {
		f := randomFacts(r)
		before := *f
		a, b := p.Assess(f, now), p.Assess(f, now)
		if a.Explain() != b.Explain() || a.Score != b.Score || len(a.Trace) != len(b.Trace) {
			t.Fatalf("two assessments differ: %+v %+v", a, b)
		}
		if f.Material != before.Material || f.History != before.History {
			t.Fatal("Assess changed the facts")
		}
	}
}

// TestAssessConcurrent backs the claim that one Policy may assess from many
// goroutines at once (run with -race).
func TestAssessConcurrent(t *testing.T) {
	p := Builtin()
	r := rand.New(rand.NewPCG(3, 3))
	subjects := make([]*safeguard.Facts, 64)
	want := make([]string, len(subjects))
	for i := range subjects {
		subjects[i] = randomFacts(r)
		a := p.Assess(subjects[i], now)
		want[i] = a.Explain()
	}
	done := make(chan string, 4)
	for g := range 4 {
		go func() {
			for i := range subjects {
				j := (i + g*16) % len(subjects)
				a := p.Assess(subjects[j], now)
				if got := a.Explain(); got != want[j] {
					done <- got
					return
				}
			}
			done <- ""
		}()
	}
	for range 4 {
		if got := <-done; got != "" {
			t.Errorf("concurrent assessment differs: %s", got)
		}
	}
}

// TestBandMatchesAssess checks the trace-free Band against Assess.
func TestBandMatchesAssess(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range []*Policy{Builtin(), MustParsePolicy(t, sneakyPolicy)} {
		for i := range 2000 {
			f := randomFacts(r)
			if i%5 == 0 {
				grantAccess(f, p, i)
			}
			a := p.Assess(f, now)
			band, score := p.Band(f)
			if band != a.Band || score != a.Score {
				t.Fatalf("%s case %d: Band() = %s %d, Assess = %s %d", p.Version, i, band, score, a.Band, a.Score)
			}
		}
	}
}
