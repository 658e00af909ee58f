package risk

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"safeguard"
)

// TestRecordSummary: a stored assessment reads back in the same shape, and
// with the same explanation, as the assessment it was made from.
func TestRecordSummary(t *testing.T) {
	_, f := MustExampleFacts(t)
	a := Builtin().Assess(f, now)
	rec := a.Record(1, "system:assessor")
	rec.Score, rec.CreatedAt = float64(a.Score), now
	if got, want := RecordSummary(rec), a.Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("RecordSummary:\n got %+v\nwant %+v", got, want)
	}
	if got, want := ExplainRecord(rec, a.Band), a.Explain(); got != want {
		t.Errorf("ExplainRecord = %q, want %q", got, want)
	}
	if got := ExplainRecord(rec, a.Band); !strings.HasPrefix(got, "Immediate because: ") || !strings.Contains(got, "scout leader") {
		t.Errorf("ExplainRecord = %q", got)
	}
	// An override to low that stands is not the rules' doing: explained
	// in the computed band, the rules still say why.
	if got := ExplainRecord(rec, safeguard.BandLow); got != "Low: no rule raised the band (the policy's default)." {
		t.Errorf("low = %q", got)
	}
	// A due date carried over from an earlier assessment counts from this one, rounded.
	rec.CreatedAt = now.Add(-89 * 60e9)
	if got := RecordSummary(rec).DueInHours; got != 25 {
		t.Errorf("due_in_hours = %d, want 25 (24h + 1h29m rounded)", got)
	}
}

func TestRecordableFacts(t *testing.T) {
	var paths []string
	for _, rf := range RecordableFacts() {
		paths = append(paths, rf.Path)
		if rf.Path == "other.attribution" && (rf.Kind != "word" || !slices.Contains(rf.Words, safeguard.AttrCorroborated)) {
			t.Errorf("attribution: %+v", rf)
		}
	}
	for _, derived := range []string{factOccupationWithAccess, factAnyAccess} {
		if slices.Contains(paths, derived) {
			t.Errorf("%s is derived, not recordable", derived)
		}
	}
	if len(paths) != len(FactPaths())-2 || !slices.Contains(paths, "access_to_children.occupation") {
		t.Errorf("recordable facts %v", paths)
	}
}
