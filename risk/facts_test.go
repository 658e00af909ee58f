package risk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard"
)

func TestParseFactsExample(t *testing.T) {
	_, f := MustExampleFacts(t)
	occ := f.AccessToChildren.Occupations
	if len(occ) != 1 || occ[0].Value != "scout_leader" || len(occ[0].Sources) != 2 {
		t.Fatalf("occupations = %+v", occ)
	}
	if got, want := occ[0].Sources[1], (safeguard.FactSource{Kind: "analyst", By: "A. Analyst", At: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}); got != want {
		t.Errorf("source = %+v, want %+v", got, want)
	}
	if f.Material.UKA.Value != 3 || f.History.PriorIIOCConviction.Value || f.Other.Attribution.Value != "corroborated" {
		t.Errorf("facts = %+v", f)
	}
	a := Builtin().Assess(f, now)
	if got, want := a.Explain(), "Immediate because: works or volunteers as a scout leader (referral R-2026-0042, analyst entry by A. Analyst)."; got != want {
		t.Errorf("Explain() = %q, want %q", got, want)
	}
	checkRoundTrip(t, f)
}

func TestParseFactsErrors(t *testing.T) {
	const src = `[{"kind": "analyst", "by": "A. Analyst", "at": "2026-03-02T09:30:00Z"}]`
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"unknown section", `{"histroy": {}}`, `histroy: unknown field "histroy"`},
		{"unknown fact", `{"history": {"prior_iioc": {"value": true, "sources": ` + src + `}}}`, `history.prior_iioc: unknown field "prior_iioc"`},
		{"derived fact", `{"access_to_children": {"any": {"value": true, "sources": ` + src + `}}}`, `access_to_children.any: unknown field`},
		{"wrong type", `{"history": {"prior_iioc_conviction": {"value": "yes", "sources": ` + src + `}}}`,
			"history.prior_iioc_conviction.value: want true or false, got a string"},
		{"negative count", `{"material": {"uk_a": {"value": -1, "sources": ` + src + `}}}`, "material.uk_a.value: -1 is out of range"},
		{"fraction", `{"material": {"uk_a": {"value": 2.5, "sources": ` + src + `}}}`, "material.uk_a.value: want a whole number, got 2.5"},
		{"no value", `{"material": {"uk_a": {"sources": ` + src + `}}}`, `material.uk_a: missing "value"`},
		{"no sources", `{"material": {"uk_a": {"value": 1}}}`, `material.uk_a: missing "sources"`},
		{"empty sources", `{"material": {"uk_a": {"value": 1, "sources": []}}}`, "material.uk_a.sources: every fact needs at least one source"},
		{"extra leaf field", `{"material": {"uk_a": {"value": 1, "note": "x", "sources": ` + src + `}}}`, `material.uk_a.note: unknown field "note"`},
		{"source kind", `{"material": {"uk_a": {"value": 1, "sources": [{"kind": "rumour", "at": "2026-03-02T09:30:00Z"}]}}}`,
			`material.uk_a.sources[0].kind: "rumour" is not one of`},
		{"analyst needs by", `{"material": {"uk_a": {"value": 1, "sources": [{"kind": "analyst", "at": "2026-03-02T09:30:00Z"}]}}}`,
			`material.uk_a.sources[0]: an analyst entry needs "by"`},
		{"referral needs ref", `{"material": {"uk_a": {"value": 1, "sources": [{"kind": "referral", "at": "2026-03-02T09:30:00Z"}]}}}`,
			`material.uk_a.sources[0]: a referral source needs "ref"`},
		{"time without offset", `{"material": {"uk_a": {"value": 1, "sources": [{"kind": "scan_report", "ref": "S", "at": "2026-03-02T09:30:00"}]}}}`,
			`material.uk_a.sources[0].at: "2026-03-02T09:30:00" is not an RFC 3339 time with an offset`},
		{"no time", `{"material": {"uk_a": {"value": 1, "sources": [{"kind": "scan_report", "ref": "S"}]}}}`,
			`material.uk_a.sources[0]: missing "at"`},
		{"attribution word", `{"other": {"attribution": {"value": "probable", "sources": ` + src + `}}}`,
			`other.attribution.value: "probable" is not one of: confirmed, corroborated, ambiguous, unresolved`},
		{"occupation not a list", `{"access_to_children": {"occupation": {"value": "teacher", "sources": ` + src + `}}}`,
			"access_to_children.occupation: want an array"},
		{"occupation word", `{"access_to_children": {"occupation": [{"value": "teacher", "sources": ` + src + `}, {"value": "3d!", "sources": ` + src + `}]}}`,
			`access_to_children.occupation[1].value: "3d!" is not a word`},
		{"section not object", `{"history": []}`, "history: want an object, got an array"},
		{"trailing data", `{} {}`, "unexpected data after the JSON document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFacts([]byte(tt.doc))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if safeguard.ErrorCode(err) != safeguard.EINVALID {
				t.Errorf("code = %s", safeguard.ErrorCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseFactsNormalisesOccupations(t *testing.T) {
	f, err := ParseFacts([]byte(`{"access_to_children": {"occupation": [{"value": " Sports-Coach ",
		"sources": [{"kind": "analyst", "by": "A. Analyst", "at": "2026-03-02T09:30:00Z"}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.AccessToChildren.Occupations[0].Value; got != "sports_coach" {
		t.Errorf("occupation = %q, want sports_coach", got)
	}
}
