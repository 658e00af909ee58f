package risk

import (
	"strings"
	"testing"
	"time"

	"safeguard"
)

func TestResolveOverride(t *testing.T) {
	p := Builtin()
	overrideAt := now.Add(-10 * time.Hour)
	before := overrideAt.Add(-time.Hour) // known when the override was made
	after := overrideAt.Add(time.Hour)   // recorded later
	at := func(ts time.Time, s safeguard.FactSource) safeguard.FactSource { s.At = ts; return s }
	lower := Override{Band: safeguard.BandLow, Reason: "viral meme shared once", By: "S. Supervisor", At: overrideAt}

	for _, tt := range []struct {
		name   string
		facts  func(f *safeguard.Facts)
		o      Override
		band   safeguard.Band
		stands bool
		note   string
	}{
		{"lowered on what was known", func(f *safeguard.Facts) {
			f.CurrentBehaviour.FilesNotInAnyBank = count(2, at(before, fromScan)) // high
		}, lower, safeguard.BandLow, true, "S. Supervisor's override to low (viral meme shared once) stands; computed band high, on facts known when it was made."},
		{"a later fact raises it", func(f *safeguard.Facts) {
			f.CurrentBehaviour.FilesNotInAnyBank = count(2, at(before, fromScan))
			f.AccessToChildren.Occupations = occupation("sports_coach", at(after, fromAnalyst))
		}, lower, safeguard.BandImmediate, false,
			"Raised to immediate above S. Supervisor's override to low (viral meme shared once) by facts recorded after it: works or volunteers as a sports coach (analyst entry by A. Analyst)."},
		{"raised above the computed band", func(f *safeguard.Facts) {
			f.CurrentBehaviour.Distribution = yes(at(after, fromReferral)) // medium, later
		}, Override{Band: safeguard.BandHigh, Reason: "intelligence", By: "S. Supervisor", At: overrideAt},
			safeguard.BandHigh, true, "stands; computed band medium."},
		{"a later fact that does not pass the override", func(f *safeguard.Facts) {
			f.CurrentBehaviour.Distribution = yes(at(after, fromReferral)) // medium
		}, Override{Band: safeguard.BandMedium, Reason: "r", By: "S. Supervisor", At: overrideAt},
			safeguard.BandMedium, true, "stands; computed band medium."},
		{"a later fact that raises but not above the band known then", func(f *safeguard.Facts) {
			f.History.PriorIIOCConviction = yes(at(before, fromAnalyst))         // high, known
			f.CurrentBehaviour.FilesNotInAnyBank = count(5, at(after, fromScan)) // high too, later
		}, lower, safeguard.BandLow, true, "on facts known when it was made"},
		{"a count that grew after it", func(f *safeguard.Facts) {
			f.CurrentBehaviour.P2PTradingVolume = count(4000, at(before, fromScan), at(after, fromReferral)) // high now
		}, lower, safeguard.BandHigh, false, "4000 files traded peer-to-peer (scan report SR-17, referral R-2026-0001)"},
		{"raised through the score by later facts", func(f *safeguard.Facts) {
			f.CurrentBehaviour.Distribution = yes(at(before, fromReferral))      // medium +10
			f.History.FailureOnConditionalRelease = yes(at(before, fromAnalyst)) // medium +10
			f.Material.TotalFiles = count(5000, at(after, fromScan))             // +10
			f.Other.Referrals = count(4, at(after, fromReferral))                // +10
			f.Other.DomesticAbuse = yes(at(after, fromAnalyst))                  // +5
			f.History.OtherConvictions = count(1, at(after, fromAnalyst))        // +5 → 50: high
		}, Override{Band: safeguard.BandMedium, Reason: "r", By: "S. Supervisor", At: overrideAt},
			safeguard.BandHigh, false, "5000 files in all (scan report SR-17)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &safeguard.Facts{}
			tt.facts(f)
			res, err := p.ResolveOverride(f, tt.o, now)
			if err != nil {
				t.Fatal(err)
			}
			if res.Band != tt.band || res.OverrideStands != tt.stands {
				t.Errorf("band %s stands %v, want %s %v (computed %s; %s)", res.Band, res.OverrideStands, tt.band, tt.stands, res.Computed.Band, res.Note)
			}
			if !strings.Contains(res.Note, tt.note) {
				t.Errorf("note = %q, want it to contain %q", res.Note, tt.note)
			}
			if !tt.stands && len(res.Raised) == 0 {
				t.Error("raised, but no fact named")
			}
		})
	}
}

func TestResolveOverrideInvalid(t *testing.T) {
	good := Override{Band: safeguard.BandLow, Reason: "r", By: "S. Supervisor", At: now}
	for _, o := range []Override{
		{Band: "soon", Reason: "r", By: "b", At: now},
		{Band: safeguard.BandLow, Reason: " ", By: "b", At: now},
		{Band: safeguard.BandLow, Reason: "r", At: now},
		{Band: safeguard.BandLow, Reason: "r", By: "b"},
	} {
		if _, err := Builtin().ResolveOverride(&safeguard.Facts{}, o, now); safeguard.ErrorCode(err) != safeguard.EINVALID {
			t.Errorf("%+v: err = %v, want EINVALID", o, err)
		}
	}
	if _, err := Builtin().ResolveOverride(&safeguard.Facts{}, good, now); err != nil {
		t.Error(err)
	}
}

func TestKnownAt(t *testing.T) {
	f := &safeguard.Facts{}
	early, late := fromReferral, fromAnalyst
	early.At, late.At = now.Add(-2*time.Hour), now
	f.History.PriorIIOCConviction = yes(late)
	f.Material.UKA = count(1, early, late) // recorded again since: may have changed
	f.Material.UKB = count(1, early)
	f.AccessToChildren.Occupations = []safeguard.TextFact{*word("teacher", late), *word("tutor", early)}
	g := KnownAt(f, now.Add(-time.Hour))
	if g.History.PriorIIOCConviction != nil || g.Material.UKA != nil || g.Material.UKB == nil {
		t.Errorf("known at: iioc %v uka %v ukb %v", g.History.PriorIIOCConviction, g.Material.UKA, g.Material.UKB)
	}
	if len(g.AccessToChildren.Occupations) != 1 || g.AccessToChildren.Occupations[0].Value != "tutor" {
		t.Errorf("occupations = %+v", g.AccessToChildren.Occupations)
	}
	if f.History.PriorIIOCConviction == nil || len(f.AccessToChildren.Occupations) != 2 {
		t.Error("KnownAt changed its input")
	}
}
