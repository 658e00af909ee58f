package risk

import (
	"strings"
	"testing"

	"safeguard"
)

func TestScoreCPORT(t *testing.T) {
	y, n := true, false
	all := func(v *bool) (a CPORTAnswers) {
		for i := range a {
			a[i] = v
		}
		return a
	}
	for _, tt := range []struct {
		name    string
		answers CPORTAnswers
		total   int
		missing []string
		err     string
	}{
		{"all no", all(&n), 0, nil, ""},
		{"all yes", all(&y), 7, nil, ""},
		{"mixed", CPORTAnswers{&y, &n, &y, &n, &n, &y, &n}, 3, nil, ""},
		{"one missing", CPORTAnswers{nil, &y, &y, &n, &n, &y, &n}, 3, []string{"younger_age"}, ""},
		{"two missing", CPORTAnswers{&y, &y, nil, &n, &n, nil, &n}, 0, nil,
			"not valid with more than one item missing: 2 missing (any_contact_sexual_offending, more_boy_than_girl_cp)"},
		{"all missing", CPORTAnswers{}, 0, nil, "7 missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ScoreCPORT(tt.answers)
			if tt.err != "" {
				if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want EINVALID with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Total != tt.total || strings.Join(s.Missing, ",") != strings.Join(tt.missing, ",") {
				t.Errorf("score %d missing %v, want %d %v", s.Total, s.Missing, tt.total, tt.missing)
			}
			if s.Caveat == "" {
				t.Error("no caveat")
			}
		})
	}
	s, _ := ScoreCPORT(CPORTAnswers{nil, &y, &y, &n, &n, &y, &n})
	if got, want := s.String(), "CPORT 3/7 (1 item missing: younger_age)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if len(CPORTItems) != 7 {
		t.Errorf("%d items", len(CPORTItems))
	}
}

func TestParseCPORT(t *testing.T) {
	a, err := ParseCPORT([]byte(`{"younger_age": true, "any_prior_criminal_history": false, "any_contact_sexual_offending": null,
		"failure_on_conditional_release": true, "pedophilic_or_hebephilic_interest": true, "more_boy_than_girl_cp": false,
		"more_boy_than_girl_other": false}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ScoreCPORT(a)
	if err != nil || s.Total != 3 || len(s.Missing) != 1 || s.Missing[0] != "any_contact_sexual_offending" {
		t.Errorf("score %+v %v", s, err)
	}
	// Items left out are missing: two of them make the score invalid.
	a, err = ParseCPORT([]byte(`{"younger_age": true, "any_prior_criminal_history": false, "failure_on_conditional_release": true,
		"pedophilic_or_hebephilic_interest": true, "more_boy_than_girl_cp": false}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ScoreCPORT(a); safeguard.ErrorCode(err) != safeguard.EINVALID {
		t.Errorf("two left out: err = %v", err)
	}
	for doc, want := range map[string]string{
		`{"younger_age": "yes"}`: "younger_age: want true or false, got a string",
		`{"age": true}`:          `age: unknown field "age"`,
		`[true]`:                 "want an object",
		`{"younger_age": true,}`: "line 1",
	} {
		if _, err := ParseCPORT([]byte(doc)); safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", doc, err, want)
		}
	}
}
