package linking_test

import (
	"testing"

	"safeguard"
	"safeguard/linking"
)

func TestAreas_Assign(t *testing.T) {
	areas := linking.NewAreas([]*safeguard.Force{
		{Code: "QAA", Areas: []string{"QA1", "QA1X"}},
		{Code: "QAB", Areas: []string{"qa1y", "QA2 7"}},
		{Code: "QBB", Areas: []string{"QB"}},
		{Code: "QC1", Areas: []string{"QC9"}},
		{Code: "QC2", Areas: []string{"QC9"}},
	})
	for _, tt := range []struct{ addr, force, area string }{
		{"12 Acacia Avenue, Testtown, QA1 5ZZ", "QAA", "QA1"},
		{"12 Acacia Avenue, Testtown, qa1x 5zz", "QAA", "QA1X"},
		{"3 Quill Road, QA1Y 5ZZ", "QAB", "QA1Y"}, // longer prefix beats QA1
		{"3 Quill Road, QA1Z 5ZZ", "QAA", "QA1"},  // a sub-district of QA1
		{"3 Quill Road, QA10 5ZZ", "", ""},        // QA1 does not cover QA10
		{"3 Quill Road, QA2 7ZZ", "QAB", "QA2 7"}, // a sector
		{"3 Quill Road, QA2 8ZZ", "", ""},
		{"3 Quill Road, QB17 1ZZ", "QBB", "QB"}, // a whole postcode area
		{"3 Quill Road, QC9 1ZZ", "", "QC9"},    // claimed twice: national
		{"1 Example Road, Testtown", "", ""},    // no postcode: national
	} {
		got := areas.Assign(tt.addr)
		if got.ForceCode != tt.force || got.Area != tt.area || got.Reason == "" {
			t.Errorf("Assign(%q) = %+v, want force %q area %q", tt.addr, got, tt.force, tt.area)
		}
	}
}
