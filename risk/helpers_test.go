package risk

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"safeguard"
)

// now is the fixed assessment time of the tests.
var now = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// Fictional sources.
var (
	fromReferral = safeguard.FactSource{Kind: safeguard.FactFromReferral, Ref: "R-2026-0001", At: now.Add(-72 * time.Hour)}
	fromScan     = safeguard.FactSource{Kind: safeguard.FactFromScanReport, Ref: "SR-17", At: now.Add(-48 * time.Hour)}
	fromAnalyst  = safeguard.FactSource{Kind: safeguard.FactFromAnalyst, By: "A. Analyst", At: now.Add(-24 * time.Hour)}
)

func yes(src ...safeguard.FactSource) *safeguard.BoolFact {
	if len(src) == 0 {
		src = []safeguard.FactSource{fromAnalyst}
	}
	return &safeguard.BoolFact{Value: true, Sources: src}
}

func no() *safeguard.BoolFact {
	return &safeguard.BoolFact{Value: false, Sources: []safeguard.FactSource{fromAnalyst}}
}

func count(n int64, src ...safeguard.FactSource) *safeguard.CountFact {
	if len(src) == 0 {
		src = []safeguard.FactSource{fromScan}
	}
	return &safeguard.CountFact{Value: n, Sources: src}
}

func word(w string, src ...safeguard.FactSource) *safeguard.TextFact {
	if len(src) == 0 {
		src = []safeguard.FactSource{fromReferral}
	}
	return &safeguard.TextFact{Value: w, Sources: src}
}

func occupation(w string, src ...safeguard.FactSource) []safeguard.TextFact {
	return []safeguard.TextFact{*word(w, src...)}
}

// MustParsePolicy parses a policy or fails the test.
func MustParsePolicy(tb testing.TB, doc string) *Policy {
	tb.Helper()
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// firedRules lists the rule ids in a's trace.
func firedRules(a Assessment) []string {
	var ids []string
	for _, fr := range a.Trace {
		ids = append(ids, fr.Rule)
	}
	return ids
}

func findFired(a Assessment, rule string) *Fired {
	for i := range a.Trace {
		if a.Trace[i].Rule == rule {
			return &a.Trace[i]
		}
	}
	return nil
}

// checkRoundTrip marshals f and parses it back, failing unless the result
// is the same.
func checkRoundTrip(t *testing.T, f *safeguard.Facts) {
	t.Helper()
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseFacts(out)
	if err != nil {
		t.Fatalf("re-parse of %s: %v", out, err)
	}
	if !reflect.DeepEqual(f, again) {
		t.Fatalf("round trip differs:\n%+v\n%+v", f, again)
	}
}

// exampleFactsFile is a fictional subject: a scout leader who distributes.
const exampleFactsFile = "testdata/facts-scout-leader.json"

// MustExampleFacts reads and parses exampleFactsFile, returning its bytes
// too.
func MustExampleFacts(tb testing.TB) ([]byte, *safeguard.Facts) {
	tb.Helper()
	data, err := os.ReadFile(exampleFactsFile)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := ParseFacts(data)
	if err != nil {
		tb.Fatal(err)
	}
	return data, f
}
