package risk

import (
	"math"
	"strings"

	"safeguard"
)

// RecordSummary returns a stored assessment in the Summary shape that
// policy eval prints: due_in_hours is the time from the assessment to its
// due date, rounded to the hour.
func RecordSummary(rec *safeguard.Assessment) Summary {
	s := Summary{Band: rec.Band, Score: int(math.Round(rec.Score)), PolicyVersion: rec.PolicyVersion,
		DueInHours: int64(math.Round(rec.DueAt.Sub(rec.CreatedAt).Hours())), Trace: make([]TraceLine, len(rec.Trace))}
	for i, t := range rec.Trace {
		s.Trace[i] = TraceLine{Rule: t.Rule, Because: t.Reason}
	}
	return s
}

// ExplainRecord says in one sentence why a stored assessment's trace puts
// a subject in band, as Explain does for a fresh assessment. band is the
// computed band: an override that stands is not the rules' doing.
func ExplainRecord(rec *safeguard.Assessment, band safeguard.Band) string {
	a := Assessment{Band: band, Trace: make([]Fired, len(rec.Trace))}
	for i, t := range rec.Trace {
		a.Trace[i] = Fired{Rule: t.Rule, Band: effectBand(t.Effect), Because: t.Reason}
	}
	return a.Explain()
}

// effectBand reads the band an Effect set ("band>=high +20" is high), or
// "" when the entry only added to the score.
func effectBand(effect string) safeguard.Band {
	for _, f := range strings.Fields(effect) {
		if b, ok := strings.CutPrefix(f, "band>="); ok {
			return safeguard.Band(b)
		}
	}
	return ""
}

// RecordableFact is a fact an analyst may record on a subject: every fact
// of the catalogue but the derived ones, which the engine works out.
type RecordableFact struct {
	Path  string   `json:"path"`
	Kind  string   `json:"kind"`            // yes/no, count, word, list of words
	Words []string `json:"words,omitempty"` // the allowed words of a word fact
}

// RecordableFacts lists the facts an analyst may record, in catalogue
// order.
func RecordableFacts() []RecordableFact {
	var out []RecordableFact
	for _, d := range catalogue {
		if d.derive == nil {
			out = append(out, RecordableFact{Path: d.path, Kind: d.kind.String(), Words: d.enum})
		}
	}
	return out
}
