package store

import (
	"strings"

	"safeguard"
)

// deriveReferral turns what a referral says into facts, each citing the
// referral. The mapping is deliberately literal: only what the report
// states, never an inference about the person.
//
//   - incident type: online enticement → online_enticement; unsolicited
//     obscene material sent to a child → sexual_communication_with_child;
//     child pornography (possession, manufacture, distribution) →
//     possession;
//   - a peer-to-peer detection → distribution, and its files count towards
//     p2p_trading_volume;
//   - report annotations: sextortion; csamSolicitation (asking a child for
//     images) → online_enticement; sadisticOnlineExploitation;
//   - file annotations: possibleSelfProduction, potentialMeme, viral,
//     physicalHarm, infant, sadisticOnlineExploitation, counted by file;
//   - industry classification A1/A2/B1/B2, counted by file;
//   - bank matches by exact hash: a file counts once per scheme, at its
//     most severe category; a hashed file no bank knows counts towards
//     files_not_in_any_bank (possibly new material).
func deriveReferral(fs factSet, src safeguard.FactSource, source, incident string, annotations []string, files map[int64]*referralFile) {
	fs.addCount("other.referrals", 1, src)
	switch t := strings.ToLower(incident); {
	case strings.Contains(t, "online enticement"):
		fs.setBool("current_behaviour.online_enticement", true, src)
	case strings.Contains(t, "unsolicited obscene material"):
		fs.setBool("current_behaviour.sexual_communication_with_child", true, src)
	case strings.Contains(t, "child pornography"):
		fs.setBool("current_behaviour.possession", true, src)
	}
	if source == safeguard.SourceP2P {
		fs.setBool("current_behaviour.distribution", true, src)
		if len(files) > 0 {
			fs.addCount("current_behaviour.p2p_trading_volume", int64(len(files)), src)
		}
	}
	for _, a := range annotations {
		switch a {
		case "sextortion":
			fs.setBool("current_behaviour.sextortion", true, src)
		case "csamSolicitation":
			fs.setBool("current_behaviour.online_enticement", true, src)
		case "sadisticOnlineExploitation":
			fs.addCount("material.sadistic_online_exploitation", 1, src)
		}
	}
	counts := map[string]int64{}
	for _, f := range files {
		for _, a := range f.annotations {
			switch a {
			case "possibleSelfProduction":
				fs.setBool("current_behaviour.possible_self_production", true, src)
			case "potentialMeme":
				counts["material.potential_meme"]++
			case "viral":
				counts["material.viral"]++
			case "physicalHarm":
				counts["material.physical_harm"]++
			case "infant":
				counts["material.infant"]++
			case "sadisticOnlineExploitation":
				counts["material.sadistic_online_exploitation"]++
			}
		}
		if c := f.classification; c != "" {
			counts["material.industry_"+strings.ToLower(c)]++
		}
		for scheme, cat := range f.categories {
			if path := categoryPath(scheme, cat); path != "" {
				counts[path]++
			}
		}
		if f.hashed && len(f.categories) == 0 {
			counts["current_behaviour.files_not_in_any_bank"]++
		}
	}
	if len(files) > 0 {
		counts["material.total_files"] += int64(len(files))
	}
	for _, path := range sortedKeys(counts) {
		if n := counts[path]; n > 0 {
			fs.addCount(path, n, src)
		}
	}
}

// deriveScan adds a scan report's files and category counts.
func deriveScan(fs factSet, src safeguard.FactSource, files int64, byCat map[safeguard.Scheme]map[string]int) {
	if files > 0 {
		fs.addCount("material.total_files", files, src)
	}
	for _, scheme := range []safeguard.Scheme{safeguard.SchemeUK, safeguard.SchemeVIC} {
		for _, cat := range scheme.Categories() {
			if path, n := categoryPath(scheme, cat), byCat[scheme][cat]; path != "" && n > 0 {
				fs.addCount(path, int64(n), src)
			}
		}
	}
}

// categoryPath is the material fact counting a category, "" for the
// categories the policy does not weigh (not indecent, non-pertinent,
// comparison, uncategorised).
func categoryPath(scheme safeguard.Scheme, cat string) string {
	switch scheme {
	case safeguard.SchemeUK:
		if cat == "A" || cat == "B" || cat == "C" {
			return "material.uk_" + strings.ToLower(cat)
		}
	case safeguard.SchemeVIC:
		if cat == "1" || cat == "2" || cat == "3" {
			return "material.vic_" + cat
		}
	}
	return ""
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
