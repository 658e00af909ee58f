package risk

import (
	"os"
	"testing"
	"time"

	"safeguard"
	"safeguard/cybertip"
)

// TestAddReferralCyberTip reads the facts of a real-format (fictional)
// CyberTipline report, so the annotation names cannot drift from the parser's.
func TestAddReferralCyberTip(t *testing.T) {
	doc, err := os.ReadFile("../cybertip/testdata/report_multi.xml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cybertip.ParseReport(doc, cybertip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Referral
	r.ReceivedAt = now.Add(-time.Hour)
	f := &safeguard.Facts{}
	AddReferral(f, r, "R-2026-0007")
	src := []safeguard.FactSource{{Kind: safeguard.FactFromReferral, Ref: "R-2026-0007", At: now.Add(-time.Hour)}}
	if got := f.CurrentBehaviour.OnlineEnticement; got == nil || !got.Value || got.Sources[0] != src[0] {
		t.Errorf("online_enticement = %+v", got)
	}
	if got := f.CurrentBehaviour.Sextortion; got == nil || !got.Value {
		t.Errorf("sextortion = %+v", got)
	}
	if got := f.Material.SadisticOnlineExploitation; got == nil || got.Value != 1 {
		t.Errorf("sadistic_online_exploitation = %+v", got)
	}
	if got := f.Other.Referrals; got == nil || got.Value != 1 {
		t.Errorf("referrals = %+v", got)
	}
	a := Builtin().Assess(f, now)
	if a.Band != safeguard.BandImmediate || findFired(a, "current-soliciting-children") == nil {
		t.Errorf("band %s fired %v, want immediate by current-soliciting-children", a.Band, firedRules(a))
	}
}

func TestAddReferralFiles(t *testing.T) {
	meme := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "240009001", ReceivedAt: now.Add(-2 * time.Hour),
		Files: []safeguard.File{
			{Name: "a.jpg", Annotations: []string{"potentialMeme", "viral"}, Classification: "B2"},
			{Name: "b.jpg", Annotations: []string{"viral"}},
		}}
	f := &safeguard.Facts{}
	AddReferral(f, meme, "")
	if f.Material.TotalFiles.Value != 2 || f.Material.Viral.Value != 2 || f.Material.PotentialMeme.Value != 1 ||
		f.Material.IndustryB2.Value != 1 || f.Material.IndustryA1 != nil {
		t.Errorf("material = %+v", f.Material)
	}
	if got := f.Material.Viral.Sources[0].Ref; got != "240009001" {
		t.Errorf("source ref = %q, want the source's own reference", got)
	}
	a := Builtin().Assess(f, now)
	if findFired(a, "other-isolated-meme") == nil || a.Band != safeguard.BandLow {
		t.Errorf("isolated meme: band %s fired %v", a.Band, firedRules(a))
	}

	// A second referral, with a self-produced infant file, is no longer isolated.
	f.CurrentBehaviour.PossibleSelfProduction = no() // an earlier analyst entry
	second := &safeguard.Referral{Source: safeguard.SourceCyberTip, SourceRef: "240009002", ReceivedAt: now.Add(-time.Hour),
		IncidentType: "Unsolicited Obscene Material Sent to a Child",
		Files:        []safeguard.File{{Name: "c.jpg", Annotations: []string{"possibleSelfProduction", "infant"}, Classification: "A1"}}}
	AddReferral(f, second, "R-2")
	if f.Other.Referrals.Value != 2 || len(f.Other.Referrals.Sources) != 2 || f.Material.TotalFiles.Value != 3 {
		t.Errorf("referrals %+v total %+v", f.Other.Referrals, f.Material.TotalFiles)
	}
	if p := f.CurrentBehaviour.PossibleSelfProduction; !p.Value || len(p.Sources) != 1 || p.Sources[0].Ref != "R-2" {
		t.Errorf("possible_self_production = %+v, want true citing R-2 only", p)
	}
	if !f.CurrentBehaviour.SexualCommunication.Value || f.Material.Infant.Value != 1 || f.Material.IndustryA1.Value != 1 {
		t.Errorf("facts = %+v %+v", f.CurrentBehaviour, f.Material)
	}
	a = Builtin().Assess(f, now)
	if findFired(a, "other-isolated-meme") != nil || a.Band != safeguard.BandImmediate {
		t.Errorf("second referral: band %s fired %v", a.Band, firedRules(a))
	}
	checkRoundTrip(t, f)
}
