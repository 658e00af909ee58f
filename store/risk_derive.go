package store

import (
	"maps"
	"slices"
	"strings"

	"safeguard"
	"safeguard/risk"
)

// deriveReferral adds what a referral says to its subject's facts:
// risk.AddReferral's mapping (incident type, report and file annotations,
// industry classes, file counts), and what only the store knows, each
// citing the referral:
//
//   - bank matches by exact hash: a file counts once per scheme, at its
//     most severe category; a hashed file no bank knows counts towards
//     files_not_in_any_bank (possibly new material), but only when banks
//     are loaded (banked): with none, every file would look new;
//   - a peer-to-peer detection is distribution, and its files count towards
//     p2p_trading_volume;
//   - the CyberTipline incident type "Child Pornography (possession,
//     manufacture, and distribution)" is possession.
func deriveReferral(fs factSet, r *safeguard.Referral, ref string, files []*referralFile, banked bool) {
	risk.AddReferral(fs.f, r, ref)
	src := safeguard.FactSource{Kind: safeguard.FactFromReferral, Ref: ref, At: r.ReceivedAt}
	if strings.Contains(strings.ToLower(r.IncidentType), "child pornography") {
		fs.setBool("current_behaviour.possession", true, src)
	}
	if r.Source == safeguard.SourceP2P {
		fs.setBool("current_behaviour.distribution", true, src)
		if len(files) > 0 {
			fs.addCount("current_behaviour.p2p_trading_volume", int64(len(files)), src)
		}
	}
	counts := map[string]int64{}
	for _, f := range files {
		for scheme, cat := range f.categories {
			if path := categoryPath(scheme, cat); path != "" {
				counts[path]++
			}
		}
		if banked && f.hashed && len(f.categories) == 0 {
			counts["current_behaviour.files_not_in_any_bank"]++
		}
	}
	for _, path := range slices.Sorted(maps.Keys(counts)) {
		fs.addCount(path, counts[path], src)
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
