package risk

import (
	"strings"

	"safeguard"
)

// CyberTipline names the referral facts are read from.
const (
	incidentEnticement        = "Online Enticement of Children for Sexual Acts"
	incidentObsceneToChild    = "Unsolicited Obscene Material Sent to a Child"
	annSextortion             = "sextortion"
	annSadistic               = "sadisticOnlineExploitation"
	annPotentialMeme          = "potentialMeme"
	annViral                  = "viral"
	annPhysicalHarm           = "physicalHarm"
	annInfant                 = "infant"
	annPossibleSelfProduction = "possibleSelfProduction"
)

// AddReferral adds to f what one referral says of its subject, citing it
// as ref (e.g. its Safeguard reference; the source's own reference when
// empty) at the time it was received:
//
//   - other.referrals counts it;
//   - the CyberTipline incident type "Online Enticement of Children for
//     Sexual Acts" sets current_behaviour.online_enticement, and
//     "Unsolicited Obscene Material Sent to a Child" sets
//     sexual_communication_with_child;
//   - the report annotations sextortion and sadisticOnlineExploitation set
//     current_behaviour.sextortion and count material.sadistic_online_exploitation;
//   - each file counts in material.total_files, in its industry class
//     (industry_a1 …) and in each of its annotations potentialMeme, viral,
//     physicalHarm and infant; possibleSelfProduction on any file sets
//     current_behaviour.possible_self_production.
//
// Counts add up and yes/no facts become true if any referral says so, each
// citing every referral that did; a recorded false stays until one does.
// Build a subject's facts from empty, adding each referral once. Other
// annotations (csamSolicitation, minorToMinorInteraction, …) need an
// analyst's reading and are not turned into facts here.
func AddReferral(f *safeguard.Facts, r *safeguard.Referral, ref string) {
	if ref == "" {
		ref = r.SourceRef
	}
	src := safeguard.FactSource{Kind: safeguard.FactFromReferral, Ref: ref, At: r.ReceivedAt}
	addCount(&f.Other.Referrals, 1, src)
	switch strings.TrimSpace(r.IncidentType) {
	case incidentEnticement:
		setTrue(&f.CurrentBehaviour.OnlineEnticement, src)
	case incidentObsceneToChild:
		setTrue(&f.CurrentBehaviour.SexualCommunication, src)
	}
	for _, a := range r.Annotations {
		switch a {
		case annSextortion:
			setTrue(&f.CurrentBehaviour.Sextortion, src)
		case annSadistic:
			addCount(&f.Material.SadisticOnlineExploitation, 1, src)
		}
	}
	if len(r.Files) == 0 {
		return
	}
	addCount(&f.Material.TotalFiles, int64(len(r.Files)), src)
	counts := map[**safeguard.CountFact]int64{}
	for _, file := range r.Files {
		switch file.Classification {
		case "A1":
			counts[&f.Material.IndustryA1]++
		case "A2":
			counts[&f.Material.IndustryA2]++
		case "B1":
			counts[&f.Material.IndustryB1]++
		case "B2":
			counts[&f.Material.IndustryB2]++
		}
		for _, a := range file.Annotations {
			switch a {
			case annPotentialMeme:
				counts[&f.Material.PotentialMeme]++
			case annViral:
				counts[&f.Material.Viral]++
			case annPhysicalHarm:
				counts[&f.Material.PhysicalHarm]++
			case annInfant:
				counts[&f.Material.Infant]++
			case annPossibleSelfProduction:
				setTrue(&f.CurrentBehaviour.PossibleSelfProduction, src)
			}
		}
	}
	// In catalogue order, so the sources read the same way every time.
	for _, d := range catalogue {
		if d.n == nil {
			continue
		}
		if n := counts[d.n(f)]; n > 0 {
			addCount(d.n(f), n, src)
		}
	}
}

func addCount(p **safeguard.CountFact, n int64, src safeguard.FactSource) {
	if *p == nil {
		*p = &safeguard.CountFact{}
	}
	(*p).Value += n
	(*p).Sources = appendSource((*p).Sources, src)
}

func setTrue(p **safeguard.BoolFact, src safeguard.FactSource) {
	if *p == nil {
		*p = &safeguard.BoolFact{}
	}
	if !(*p).Value {
		// A referral saying so overrides a recorded false; the false's
		// sources would no longer explain the value.
		(*p).Value, (*p).Sources = true, nil
	}
	(*p).Sources = appendSource((*p).Sources, src)
}

func appendSource(ss []safeguard.FactSource, s safeguard.FactSource) []safeguard.FactSource {
	for _, e := range ss {
		if e == s {
			return ss
		}
	}
	return append(ss, s)
}
