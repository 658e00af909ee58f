package risk

import (
	"slices"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// builtinCases has one named case per rule of the built-in policy: the
// facts that make it fire, and the band and trace words that follow.
var builtinCases = []struct {
	rule  string
	facts func(f *safeguard.Facts)
	band  safeguard.Band
	words string // in the rule's because
}{
	{"prev-contact-sexual-offence", func(f *safeguard.Facts) { f.History.PriorContactSexualOffence = yes() },
		safeguard.BandHigh, "has a prior contact sexual offence (analyst entry by A. Analyst)"},
	{"prev-iioc-conviction", func(f *safeguard.Facts) { f.History.PriorIIOCConviction = yes(fromReferral) },
		safeguard.BandHigh, "prior conviction for indecent images of children (referral R-2026-0001)"},
	{"prev-sex-offender-register", func(f *safeguard.Facts) { f.History.OnSexOffenderRegister = yes() },
		safeguard.BandHigh, "is on the sex-offender register"},
	{"prev-failure-on-release", func(f *safeguard.Facts) { f.History.FailureOnConditionalRelease = yes() },
		safeguard.BandMedium, "has failed on conditional release"},
	{"access-household", func(f *safeguard.Facts) { f.AccessToChildren.ChildrenInHousehold = yes() },
		safeguard.BandImmediate, "lives in a household with children (analyst entry by A. Analyst)"},
	{"access-occupation", func(f *safeguard.Facts) {
		f.AccessToChildren.Occupations = occupation("scout_leader", fromReferral, fromAnalyst)
	}, safeguard.BandImmediate, "works or volunteers as a scout leader (referral R-2026-0001, analyst entry by A. Analyst)"},
	{"access-family-neighbours", func(f *safeguard.Facts) { f.AccessToChildren.FamilyOrNeighboursChildren = yes() },
		safeguard.BandImmediate, "access to children of family, friends or neighbours"},
	{"access-child-at-immediate-risk", func(f *safeguard.Facts) {
		f.AccessToChildren.ChildrenInHousehold = yes()
		f.CurrentBehaviour.Sextortion = yes(fromReferral)
	}, safeguard.BandImmediate, "has access to children (analyst entry by A. Analyst) and sextortion of a child (referral R-2026-0001)"},
	{"access-known-offender", func(f *safeguard.Facts) {
		f.AccessToChildren.FamilyOrNeighboursChildren = yes()
		f.History.OnSexOffenderRegister = yes(fromReferral)
	}, safeguard.BandImmediate, "has access to children (analyst entry by A. Analyst) and is on the sex-offender register (referral R-2026-0001)"},
	{"current-soliciting-children", func(f *safeguard.Facts) {
		f.CurrentBehaviour.OnlineEnticement = yes(fromReferral)
		f.CurrentBehaviour.SexualCommunication = no()
	}, safeguard.BandImmediate, "enticing or grooming a child online (referral R-2026-0001)"},
	{"current-home-made-trading-with-children", func(f *safeguard.Facts) {
		f.CurrentBehaviour.Production = yes(fromReferral)
		f.CurrentBehaviour.P2PTradingVolume = count(12)
		f.AccessToChildren.ChildrenInHousehold = yes()
	}, safeguard.BandImmediate, "producing material (referral R-2026-0001) and 12 files traded peer-to-peer (scan report SR-17) and lives in a household with children"},
	{"current-new-material", func(f *safeguard.Facts) {
		f.CurrentBehaviour.FilesNotInAnyBank = count(3)
		f.CurrentBehaviour.PossibleSelfProduction = yes(fromReferral)
	}, safeguard.BandHigh, "material flagged as possibly self-produced by the child shown (referral R-2026-0001) and 3 files not in any hash bank (possibly new material) (scan report SR-17)"},
	{"current-high-volume-trading", func(f *safeguard.Facts) { f.CurrentBehaviour.P2PTradingVolume = count(2500) },
		safeguard.BandHigh, "2500 files traded peer-to-peer"},
	{"current-distribution", func(f *safeguard.Facts) { f.CurrentBehaviour.Distribution = yes(fromReferral) },
		safeguard.BandMedium, "distributing material"},
	{"current-possession", func(f *safeguard.Facts) { f.CurrentBehaviour.Possession = yes(fromReferral) },
		safeguard.BandLow, "possessing material"},
	{"material-category-a", func(f *safeguard.Facts) { f.Material.IndustryA1 = count(2) },
		safeguard.BandMedium, "2 files classed A1 by industry"},
	{"material-aggravating", func(f *safeguard.Facts) { f.Material.Infant = count(1) },
		safeguard.BandHigh, "1 files flagged as showing an infant"},
	{"material-large-collection", func(f *safeguard.Facts) { f.Material.TotalFiles = count(4000) },
		safeguard.BandLow, "4000 files in all"},
	{"other-isolated-meme", func(f *safeguard.Facts) {
		f.Material.PotentialMeme = count(1, fromReferral)
		f.Other.Referrals = count(1, fromReferral)
	}, safeguard.BandLow, "1 files flagged as a potential meme (referral R-2026-0001) and 1 referrals"},
	{"other-repeat-referrals", func(f *safeguard.Facts) { f.Other.Referrals = count(4, fromReferral) },
		safeguard.BandLow, "4 referrals"},
	{"other-convictions", func(f *safeguard.Facts) { f.History.OtherConvictions = count(2, fromAnalyst) },
		safeguard.BandLow, "2 other convictions"},
	{"other-domestic-abuse", func(f *safeguard.Facts) { f.Other.DomesticAbuse = yes() },
		safeguard.BandLow, "domestic abuse recorded"},
	{"other-substance-misuse", func(f *safeguard.Facts) { f.Other.SubstanceMisuse = yes() },
		safeguard.BandLow, "substance misuse recorded"},
	{"other-attribution-strong", func(f *safeguard.Facts) { f.Other.Attribution = word("corroborated") },
		safeguard.BandLow, "attribution corroborated (referral R-2026-0001)"},
}

func TestBuiltinRules(t *testing.T) {
	p := Builtin()
	for _, tc := range builtinCases {
		t.Run(tc.rule, func(t *testing.T) {
			f := &safeguard.Facts{}
			tc.facts(f)
			a := p.Assess(f, now)
			fr := findFired(a, tc.rule)
			if fr == nil {
				t.Fatalf("rule did not fire; fired %v", firedRules(a))
			}
			if got, want := a.Band, tc.band; got != want {
				t.Errorf("band = %s, want %s (fired %v)", got, want, firedRules(a))
			}
			if !strings.Contains(fr.Because, tc.words) {
				t.Errorf("because = %q, want it to contain %q", fr.Because, tc.words)
			}
			if got, want := a.Due, p.Due[tc.band.Rank()]; got != want {
				t.Errorf("due = %s, want %s", got, want)
			}
			if !a.DueAt.Equal(now.Add(a.Due)) {
				t.Errorf("due at = %s, want now + %s", a.DueAt, a.Due)
			}
		})
	}
}

// TestBuiltinRulesAllCovered fails when a rule is added to the built-in
// policy without a named case above.
func TestBuiltinRulesAllCovered(t *testing.T) {
	var have []string
	for _, tc := range builtinCases {
		have = append(have, tc.rule)
	}
	for _, r := range Builtin().Rules {
		if !slices.Contains(have, r.ID) {
			t.Errorf("built-in rule %s has no named test case", r.ID)
		}
	}
}

func TestBuiltinShape(t *testing.T) {
	p := Builtin()
	if got, want := p.Due, DefaultDue; got != want {
		t.Errorf("due = %v, want the defaults %v", got, want)
	}
	if p.Version == "" {
		t.Error("no version")
	}
	// Every phase of the structured tools, and every ICAC priority, has a rule.
	phases, icac := map[string]bool{}, map[int]bool{}
	for _, r := range p.Rules {
		phases[r.Phase] = true
		icac[r.ICACPriority] = true
	}
	for _, ph := range Phases {
		if !phases[ph] {
			t.Errorf("no rule in phase %s", ph)
		}
	}
	for i := 1; i <= 5; i++ {
		if !icac[i] {
			t.Errorf("no rule for ICAC priority %d", i)
		}
	}
}

// TestBuiltinICACOrder checks that the score orders the ICAC priorities:
// each example scores above the next.
func TestBuiltinICACOrder(t *testing.T) {
	p := Builtin()
	examples := []struct {
		name  string
		facts func(f *safeguard.Facts)
	}{
		{"child at immediate risk", func(f *safeguard.Facts) {
			f.AccessToChildren.ChildrenInHousehold = yes()
			f.CurrentBehaviour.OnlineEnticement = yes()
		}},
		{"child vulnerable to a known offender", func(f *safeguard.Facts) {
			f.AccessToChildren.ChildrenInHousehold = yes()
			f.History.PriorContactSexualOffence = yes()
		}},
		{"suspect soliciting children", func(f *safeguard.Facts) {
			f.CurrentBehaviour.OnlineEnticement = yes()
		}},
		{"trader of home-made material where children live", func(f *safeguard.Facts) {
			f.CurrentBehaviour.Production = yes()
			f.CurrentBehaviour.Distribution = yes()
			f.AccessToChildren.ChildrenInHousehold = yes()
		}},
		{"high-volume trader", func(f *safeguard.Facts) {
			f.CurrentBehaviour.P2PTradingVolume = count(5000)
			f.CurrentBehaviour.Distribution = yes()
		}},
	}
	prev := Assessment{}
	for i, ex := range examples {
		f := &safeguard.Facts{}
		ex.facts(f)
		a := p.Assess(f, now)
		t.Logf("%s: %s %d", ex.name, a.Band, a.Score)
		if i > 0 {
			if a.Band.Rank() < prev.Band.Rank() || (a.Band == prev.Band && a.Score >= prev.Score) {
				t.Errorf("%s (%s, %d) ranks with or above %s (%s, %d)", ex.name, a.Band, a.Score, examples[i-1].name, prev.Band, prev.Score)
			}
		}
		prev = a
	}
}

func TestExplain(t *testing.T) {
	f := &safeguard.Facts{}
	f.AccessToChildren.Occupations = occupation("Scout_leader", fromReferral, fromAnalyst)
	f.AccessToChildren.Occupations[0].Value = "scout_leader"
	f.CurrentBehaviour.Distribution = yes(fromReferral)
	a := Builtin().Assess(f, now)
	if got, want := a.Explain(), "Immediate because: works or volunteers as a scout leader (referral R-2026-0001, analyst entry by A. Analyst)."; got != want {
		t.Errorf("Explain() = %q, want %q", got, want)
	}
	if got, want := (&Assessment{Band: safeguard.BandLow}).Explain(), "Low: no rule raised the band (the policy's default)."; got != want {
		t.Errorf("empty Explain() = %q, want %q", got, want)
	}
	rec := a.Record(7, "system:test")
	if err := rec.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Trace[0].Effect, "band>=immediate +30"; got != want {
		t.Errorf("effect = %q, want %q", got, want)
	}
	if rec.SubjectID != 7 || rec.PolicyVersion != a.PolicyVersion || !rec.DueAt.Equal(now.Add(24*time.Hour)) {
		t.Errorf("record = %+v", rec)
	}
}

func TestScoreThreshold(t *testing.T) {
	p := Builtin()
	f := &safeguard.Facts{}
	f.CurrentBehaviour.Distribution = yes()       // medium +10
	f.CurrentBehaviour.Possession = yes()         // +5
	f.Material.TotalFiles = count(2000)           // +10
	f.Other.Referrals = count(5)                  // +10
	f.History.OtherConvictions = count(1)         // +5
	f.Other.DomesticAbuse = yes()                 // +5
	f.Other.Attribution = word("confirmed")       // +5
	f.History.FailureOnConditionalRelease = yes() // medium +10 → 60
	a := p.Assess(f, now)
	if a.Score != 60 || a.Band != safeguard.BandHigh {
		t.Fatalf("score %d band %s, want 60 high (%v)", a.Score, a.Band, firedRules(a))
	}
	if fr := findFired(a, RuleScoreThreshold); fr == nil || fr.Because != "score 60 reaches the high threshold of 50" {
		t.Errorf("threshold entry = %+v", fr)
	}
	// A meme in an isolated referral lowers the weight.
	g := &safeguard.Facts{}
	g.Material.UKC = count(1)
	g.Material.Viral = count(1)
	g.Other.Referrals = count(1)
	if a := p.Assess(g, now); a.Score != -15 || a.Band != safeguard.BandLow {
		t.Errorf("isolated viral referral: score %d band %s, want -15 low", a.Score, a.Band)
	}
}
