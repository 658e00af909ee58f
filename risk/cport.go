package risk

import (
	"fmt"
	"strings"

	"safeguard"
)

// CPORTItem is one item of the Child Pornography Offender Risk Tool.
type CPORTItem struct {
	Key  string // snake_case, as in a JSON answer sheet
	Text string
}

// CPORTItems are the seven items of the CPORT (Seto & Eke, 2015, Law and
// Human Behavior 39(4)), each scored 1 for yes and 0 for no. The age
// cut-off is the one in the scoring guide: 35 or younger at the time of the
// index investigation.
var CPORTItems = [7]CPORTItem{
	{"younger_age", "Offender aged 35 or younger at the time of the index investigation"},
	{"any_prior_criminal_history", "Any prior criminal history (charges or convictions)"},
	{"any_contact_sexual_offending", "Any contact sexual offending (prior or concurrent)"},
	{"failure_on_conditional_release", "Any failure on conditional release (bail, probation, parole)"},
	{"pedophilic_or_hebephilic_interest", "Indication of pedophilic or hebephilic interest (admission, diagnosis, or other evidence of sexual interest in prepubescent or pubescent children)"},
	{"more_boy_than_girl_cp", "More boy than girl content in the child pornography"},
	{"more_boy_than_girl_other", "More boy than girl content in other depictions of children"},
}

// CPORTCaveat is the published caveat shown with every score.
const CPORTCaveat = "CPORT estimates the risk of sexual recidivism of adult male offenders convicted of child pornography offences; it is not valid with more than one item missing, and it is not a measure of current risk to children."

// CPORTAnswers holds the investigator's answers by item, in CPORTItems
// order: nil is missing.
type CPORTAnswers [7]*bool

// CPORTScore is a completed CPORT.
type CPORTScore struct {
	Total   int      `json:"total"`   // 0-7; a missing item counts 0
	Missing []string `json:"missing"` // keys of missing items (at most one)
	Caveat  string   `json:"caveat"`
}

// ScoreCPORT totals the answers. It returns EINVALID, naming the missing
// items, when more than one is missing: the published caveat is that the
// tool is not valid then. With one missing, the total counts it as 0 and
// the score says which it was.
func ScoreCPORT(a CPORTAnswers) (CPORTScore, error) {
	s := CPORTScore{Caveat: CPORTCaveat, Missing: []string{}}
	for i, v := range a {
		switch {
		case v == nil:
			s.Missing = append(s.Missing, CPORTItems[i].Key)
		case *v:
			s.Total++
		}
	}
	if len(s.Missing) > 1 {
		return CPORTScore{}, safeguard.Errorf(safeguard.EINVALID,
			"CPORT not valid with more than one item missing: %d missing (%s)", len(s.Missing), strings.Join(s.Missing, ", "))
	}
	return s, nil
}

// String says the score in words, e.g. "CPORT 4/7 (1 item missing: younger_age)".
func (s CPORTScore) String() string {
	if len(s.Missing) == 0 {
		return fmt.Sprintf("CPORT %d/7", s.Total)
	}
	return fmt.Sprintf("CPORT %d/7 (1 item missing: %s)", s.Total, s.Missing[0])
}

// ParseCPORT reads an answer sheet: a JSON object keyed by item (see
// CPORTItems) with true, false, or null for a missing answer; an item left
// out is missing too. Unknown items and other values are EINVALID errors
// naming them.
func ParseCPORT(data []byte) (CPORTAnswers, error) {
	var a CPORTAnswers
	root, err := parseTree(data)
	if err != nil {
		return a, invalid("CPORT answers", []PathError{{Message: err.Error()}})
	}
	keys := make([]string, len(CPORTItems))
	for i, it := range CPORTItems {
		keys[i] = it.Key
	}
	var l errList
	l.object(root, "", keys, func(key string, v *node, path string) {
		if v.kind == 'z' {
			return
		}
		if b, ok := l.boolean(v, path); ok {
			for i, k := range keys {
				if k == key {
					a[i] = &b
				}
			}
		}
	})
	if len(l.errs) > 0 {
		return CPORTAnswers{}, invalid("CPORT answers", l.errs)
	}
	return a, nil
}
