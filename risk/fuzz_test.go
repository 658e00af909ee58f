package risk

import (
	"os"
	"testing"

	"safeguard"
)

func FuzzParsePolicy(f *testing.F) {
	f.Add(BuiltinJSON())
	f.Add([]byte(minimalPolicy))
	f.Add([]byte(sneakyPolicy))
	f.Add([]byte(`{"version": "1", "rules": [{"id": "x", "when": {"any": [{"fact": "acess", "eq": true}]}}]}`))
	f.Add([]byte(`{"version": "1", "due": {"high": "1w"}, "score_bands": {"high": 10, "medium": 20}}`))
	access := &safeguard.Facts{}
	access.AccessToChildren.FamilyOrNeighboursChildren = yes()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if rejected(t, err) {
			return
		}
		if a := p.Assess(&safeguard.Facts{}, now); !a.Band.Valid() || a.DueAt.Before(now) {
			t.Fatalf("empty facts: band %q due %s", a.Band, a.DueAt)
		}
		if a := p.Assess(access, now); a.Band != safeguard.BandImmediate {
			t.Fatalf("access to children: band %s", a.Band)
		}
	})
}

func FuzzParseFacts(f *testing.F) {
	example, err := os.ReadFile(exampleFactsFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(`{"history": {"prior_iioc_conviction": {"value": true, "sources": [{"kind": "analyst", "by": "A", "at": "2026-03-02T09:30:00+01:00"}]}}}`))
	f.Add([]byte(`{"access_to_children": {"occupation": [{"value": "Scout Leader", "sources": [{"kind": "referral", "ref": "R", "at": "2026-03-02T09:30:00Z"}]}]}}`))
	f.Add([]byte(`{"material": {"uk_a": {"value": 1e3, "sources": []}}}`))
	p := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		facts, err := ParseFacts(data)
		if rejected(t, err) {
			return
		}
		a := p.Assess(facts, now)
		if !a.Band.Valid() || a.Explain() == "" {
			t.Fatalf("band %q", a.Band)
		}
		checkRoundTrip(t, facts) // what parses marshals back to a document that parses the same
	})
}

func FuzzParseCPORT(f *testing.F) {
	f.Add([]byte(`{"younger_age": true, "any_prior_criminal_history": null}`))
	f.Add([]byte(`{"more_boy_than_girl_cp": false, "more_boy_than_girl_other": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseCPORT(data)
		if rejected(t, err) {
			return
		}
		missing := 0
		for _, v := range a {
			if v == nil {
				missing++
			}
		}
		s, err := ScoreCPORT(a)
		if (err != nil) != (missing > 1) || (err == nil && (s.Total < 0 || s.Total > 7-missing)) {
			t.Fatalf("%d missing: score %+v err %v", missing, s, err)
		}
	})
}

// rejected reports whether a parser refused its input, failing the test
// unless it did so as EINVALID.
func rejected(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Fatalf("error code %s: %v", safeguard.ErrorCode(err), err)
	}
	return err != nil
}
