package risk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"safeguard"
)

// minimalPolicy is the smallest valid policy: access to children immediate.
const minimalPolicy = `{"version": "t-1", "rules": [
 {"id": "access", "title": "Access", "phase": "access_to_children", "band": "immediate",
  "when": {"fact": "access_to_children.any", "eq": true}}]}`

// withRule is minimalPolicy with one more rule (as JSON) after the first.
func withRule(rule string) string {
	return strings.Replace(minimalPolicy, "}}]}", "}}, "+rule+"]}", 1)
}

func TestParsePolicyErrors(t *testing.T) {
	for _, tt := range []struct {
		name, doc, want string
	}{
		{"syntax", `{"version": "1",`, "unexpected end of JSON input"},
		{"syntax line", "{\n \"version\": x}", "line 2, column"},
		{"not an object", `[]`, "(document): want an object, got an array"},
		{"unknown field", `{"version": "1", "rulez": [], "rules": []}`, `rulez: unknown field "rulez"`},
		{"missing version", `{"rules": []}`, `(document): missing "version"`},
		{"bad version", `{"version": "a b", "rules": []}`, `version: "a b" is not a version`},
		{"no rules", `{"version": "1", "rules": []}`, "rules: a policy needs at least one rule"},
		{"duplicate key", `{"version": "1", "version": "2"}`, "version: duplicate key"},
		{"misspelt fact", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"any": [{"fact": "acess_to_children", "eq": true}]}}`),
			`rules[1].when.any[0].fact: unknown fact "acess_to_children"`},
		{"suggestion", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"fact": "history.prior_iioc", "eq": true}}`),
			`did you mean "history.prior_iioc_conviction"`},
		{"wrong operator for kind", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"fact": "history.prior_iioc_conviction", "gte": 1}}`),
			"rules[1].when.gte: history.prior_iioc_conviction is a yes/no fact: use eq, ne, known"},
		{"wrong value type", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"all": [{"fact": "material.uk_a", "gte": "many"}]}}`),
			"rules[1].when.all[0].gte: want a whole number, got a string"},
		{"two operators", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"fact": "material.uk_a", "gte": 1, "lte": 5}}`),
			"rules[1].when.lte: one operator per comparison"},
		{"no operator", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"fact": "material.uk_a"}}`),
			"rules[1].when: missing an operator"},
		{"logic and comparison", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"not": {"fact": "material.uk_a", "gt": 0}, "fact": "material.uk_b", "gt": 0}}`),
			"rules[1].when: give one of all, any, not"},
		{"empty any", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"any": []}}`),
			"rules[1].when.any: want at least one condition"},
		{"not an array", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": {"all": {}}}`),
			"rules[1].when.all: want an array of conditions, got an object"},
		{"unknown attribution", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1,
			"when": {"fact": "other.attribution", "in": ["corroborated", "likely"]}}`),
			`rules[1].when.in[1]: "likely" is not one of: confirmed, corroborated, ambiguous, unresolved`},
		{"bad band", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "band": "urgent", "when": {"fact": "material.uk_a", "gt": 0}}`),
			`rules[1].band: "urgent" is not a band`},
		{"bad phase", withRule(`{"id": "x", "title": "X", "phase": "material", "score": 1, "when": {"fact": "material.uk_a", "gt": 0}}`),
			`rules[1].phase: "material" is not a phase`},
		{"no effect", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "when": {"fact": "material.uk_a", "gt": 0}}`),
			"rules[1]: rule has no effect"},
		{"missing when", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1}`),
			`rules[1]: missing "when"`},
		{"duplicate id", withRule(`{"id": "access", "title": "X", "phase": "other_factors", "score": 1, "when": {"fact": "material.uk_a", "gt": 0}}`),
			`rules[1].id: "access" is also the id of rules[0]`},
		{"bad id", withRule(`{"id": "Rule One", "title": "X", "phase": "other_factors", "score": 1, "when": {"fact": "material.uk_a", "gt": 0}}`),
			`rules[1].id: "Rule One" is not a rule id`},
		{"icac range", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "icac_priority": 6, "score": 1, "when": {"fact": "material.uk_a", "gt": 0}}`),
			"rules[1].icac_priority: 6 is out of range (1 to 5)"},
		{"score range", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 5000, "when": {"fact": "material.uk_a", "gt": 0}}`),
			"rules[1].score: 5000 is out of range"},
		{"fractional score", withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1.5, "when": {"fact": "material.uk_a", "gt": 0}}`),
			"rules[1].score: want a whole number, got 1.5"},
		{"due format", `{"version": "1", "due": {"high": "1w"}, "rules": []}`, `due.high: "1w" is not a due time`},
		{"due order", `{"version": "1", "due": {"immediate": "8d"}, "rules": []}`, "due.high: high is due sooner (168h0m0s) than the more urgent immediate (192h0m0s)"},
		{"due unknown band", `{"version": "1", "due": {"urgent": "1h"}, "rules": []}`, `due.urgent: unknown field "urgent"`},
		{"threshold order", `{"version": "1", "score_bands": {"high": 10, "medium": 20}, "rules": []}`, "score_bands.medium: threshold 20 must be below high's 10"},
		{"occupation word", `{"version": "1", "child_access_occupations": ["Scout Leader"], "rules": []}`, `child_access_occupations[0]: "Scout Leader" is not a word`},
		{"empty occupations", `{"version": "1", "child_access_occupations": [], "rules": []}`, "child_access_occupations: name at least one occupation"},
		{"access not immediate", `{"version": "1", "rules": [{"id": "a", "title": "A", "phase": "access_to_children", "band": "high",
			"when": {"fact": "access_to_children.any", "eq": true}}]}`,
			"rules: no rule puts a subject whose only fact is access_to_children.children_in_household in immediate (got high)"},
		{"quoted key", `{"version": "1", "a.b": 1, "rules": []}`, `["a.b"]: unknown field`},
		{"deep", `{"version": "1", "rules": [{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": ` +
			strings.Repeat(`{"not": `, 80) + `{"fact": "material.uk_a", "gt": 0}` + strings.Repeat("}", 80) + `}]}`, "nested more than 64 deep"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if got := safeguard.ErrorCode(err); got != safeguard.EINVALID {
				t.Errorf("code = %s, want %s", got, safeguard.EINVALID)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%v does not wrap a *ValidationError", err)
			}
			var found bool
			for _, pe := range ve.Errors {
				found = found || strings.Contains(pe.Error(), tt.want)
			}
			if !found {
				t.Errorf("errors %q, want one containing %q", ve.Errors, tt.want)
			}
		})
	}
}

// TestParsePolicyManyErrors checks that every problem is reported, not
// just the first, in document order.
func TestParsePolicyManyErrors(t *testing.T) {
	_, err := ParsePolicy([]byte(`{"version": "1", "rules": [
		{"id": "a", "title": "A", "phase": "nope", "score": 1, "when": {"fact": "x.y", "eq": true}},
		{"id": "b", "title": "B", "phase": "other_factors", "band": "soon", "when": {"fact": "material.uk_a", "gt": "1"}}]}`))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	var paths []string
	for _, pe := range ve.Errors {
		paths = append(paths, pe.Path)
	}
	if got, want := strings.Join(paths, " "), "rules[0].phase rules[0].when.fact rules[1].band rules[1].when.gt"; got != want {
		t.Errorf("paths = %s, want %s", got, want)
	}
}

func TestParsePolicyOptions(t *testing.T) {
	p := MustParsePolicy(t, `{"version": "force-7", "name": "Force", "due": {"immediate": "12h", "low": "120d"},
		"score_bands": {"immediate": 90, "high": 40}, "default_band": "medium",
		"child_access_occupations": ["lollipop_person"],
		"rules": [{"id": "access", "title": "Access", "phase": "access_to_children", "band": "immediate",
			"when": {"fact": "access_to_children.any", "eq": true}},
			{"id": "a", "title": "A", "phase": "current_behaviour", "score": 45, "when": {"fact": "material.uk_a", "gte": 10}}]}`)
	if got, want := p.Due, [4]time.Duration{12 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 120 * 24 * time.Hour}; got != want {
		t.Errorf("due = %v, want %v", got, want)
	}
	if a := p.Assess(&safeguard.Facts{}, now); a.Band != safeguard.BandMedium || a.Due != 30*24*time.Hour {
		t.Errorf("empty facts: %s due %s, want the default band medium, due 30 days", a.Band, a.Due)
	}
	f := &safeguard.Facts{}
	f.Material.UKA = count(12)
	if a := p.Assess(f, now); a.Band != safeguard.BandHigh || a.Score != 45 {
		t.Errorf("uk_a 12: %s %d, want high by score 45", a.Band, a.Score)
	}
	// The policy's own list of occupations decides access, not the default list.
	f = &safeguard.Facts{}
	f.AccessToChildren.Occupations = occupation("teacher")
	if a := p.Assess(f, now); a.Band != safeguard.BandMedium {
		t.Errorf("teacher under a policy that does not list it: %s, want medium", a.Band)
	}
	f.AccessToChildren.Occupations = occupation("lollipop_person")
	if a := p.Assess(f, now); a.Band != safeguard.BandImmediate || a.Due != 12*time.Hour {
		t.Errorf("listed occupation: %s due %s, want immediate due 12h", a.Band, a.Due)
	}
}

// TestConditionSemantics checks the operators, unknown facts and not.
func TestConditionSemantics(t *testing.T) {
	f := &safeguard.Facts{}
	f.Material.UKA = count(5)
	f.History.PriorIIOCConviction = no()
	f.Other.Attribution = word("ambiguous")
	f.AccessToChildren.Occupations = []safeguard.TextFact{*word("plumber"), *word("sports_coach")}
	for _, tt := range []struct {
		when string
		want bool
	}{
		{`{"fact": "material.uk_a", "eq": 5}`, true},
		{`{"fact": "material.uk_a", "ne": 5}`, false},
		{`{"fact": "material.uk_a", "gt": 4}`, true},
		{`{"fact": "material.uk_a", "gt": 5}`, false},
		{`{"fact": "material.uk_a", "gte": 5}`, true},
		{`{"fact": "material.uk_a", "lt": 6}`, true},
		{`{"fact": "material.uk_a", "lte": 4}`, false},
		{`{"fact": "material.uk_b", "lte": 4}`, false}, // unknown: every comparison false
		{`{"fact": "material.uk_b", "ne": 4}`, false},
		{`{"not": {"fact": "material.uk_b", "gt": 0}}`, true},
		{`{"fact": "material.uk_b", "known": false}`, true},
		{`{"fact": "material.uk_a", "known": true}`, true},
		{`{"fact": "history.prior_iioc_conviction", "eq": false}`, true},
		{`{"fact": "history.prior_iioc_conviction", "ne": true}`, true},
		{`{"fact": "history.prior_iioc_conviction", "eq": true}`, false},
		{`{"fact": "other.attribution", "in": ["ambiguous", "unresolved"]}`, true},
		{`{"fact": "other.attribution", "ne": "ambiguous"}`, false},
		{`{"fact": "access_to_children.occupation", "eq": "sports_coach"}`, true},
		{`{"fact": "access_to_children.occupation", "in": ["teacher", "plumber"]}`, true},
		{`{"fact": "access_to_children.occupation", "eq": "teacher"}`, false},
		{`{"fact": "access_to_children.occupation_with_access", "eq": true}`, true},
		{`{"all": [{"fact": "material.uk_a", "gt": 1}, {"fact": "material.uk_b", "known": false}]}`, true},
		{`{"all": [{"fact": "material.uk_a", "gt": 1}, {"fact": "material.uk_b", "gt": 0}]}`, false},
		{`{"any": [{"fact": "material.uk_c", "gt": 1}, {"fact": "material.uk_a", "gt": 1}]}`, true},
		{`{"any": [{"fact": "material.uk_c", "gt": 1}, {"fact": "material.uk_b", "gt": 1}]}`, false},
	} {
		p := MustParsePolicy(t, withRule(`{"id": "x", "title": "X", "phase": "other_factors", "score": 1, "when": `+tt.when+`}`))
		// The sports coach gives access, so every assessment is immediate;
		// the rule's firing is what is tested.
		got := findFired(p.Assess(f, now), "x") != nil
		if got != tt.want {
			t.Errorf("%s: fired %v, want %v", tt.when, got, tt.want)
		}
	}
}

// TestTraceCitesOnlyWhatHeld checks that a rule's trace names the facts
// that made it fire and not those that did not, nor those under a not.
func TestTraceCitesOnlyWhatHeld(t *testing.T) {
	p := MustParsePolicy(t, withRule(`{"id": "x", "title": "Category A, no prior", "phase": "current_behaviour", "score": 1,
		"when": {"all": [{"any": [{"fact": "material.uk_a", "gt": 0}, {"fact": "material.uk_b", "gt": 0}]},
			{"not": {"fact": "history.prior_iioc_conviction", "eq": true}}]}}`))
	f := &safeguard.Facts{}
	f.Material.UKA = count(3, fromScan)
	f.Material.UKB = count(0)
	f.History.PriorIIOCConviction = no()
	fr := findFired(p.Assess(f, now), "x")
	if fr == nil {
		t.Fatal("did not fire")
	}
	if got, want := fr.Because, "3 category A files (scan report SR-17)"; got != want {
		t.Errorf("because = %q, want %q", got, want)
	}
	if len(fr.Facts) != 1 || fr.Facts[0].Fact != "material.uk_a" {
		t.Errorf("facts = %+v", fr.Facts)
	}
	// A rule that held only through not cites its title.
	p = MustParsePolicy(t, withRule(`{"id": "y", "title": "No known attribution", "phase": "other_factors", "score": -1,
		"when": {"not": {"fact": "other.attribution", "known": true}}}`))
	if fr := findFired(p.Assess(&safeguard.Facts{}, now), "y"); fr == nil || fr.Because != "No known attribution" {
		t.Errorf("fired = %+v", fr)
	}
}
