package linking

import (
	"strings"

	"safeguard"
)

// Areas finds the force whose postcode-prefix area covers an address.
type Areas struct {
	force map[string]string // normalised area -> force code; "" if two forces claim it
}

// NewAreas indexes the forces' areas. An area is a postcode area ("QA"),
// district ("QA1", "QA1X"), sector ("QA1 5") or full postcode; case and
// spacing do not matter. An area two forces both claim assigns neither.
func NewAreas(forces []*safeguard.Force) *Areas {
	a := &Areas{force: map[string]string{}}
	for _, f := range forces {
		for _, area := range f.Areas {
			k := normArea(area)
			if k == "" {
				continue
			}
			if prev, ok := a.force[k]; ok && prev != f.Code {
				a.force[k] = ""
				continue
			}
			a.force[k] = f.Code
		}
	}
	return a
}

func normArea(s string) string {
	if pc, ok := NormalizePostcode(s); ok {
		return pc
	}
	return strings.Join(strings.Fields(strings.ToUpper(s)), " ")
}

// Assignment is the outcome of placing an address.
type Assignment struct {
	ForceCode string // "" leaves the subject with the national centre
	Postcode  string // the installation address's postcode, if any
	Area      string // the area that matched
	Reason    string // in words, for the subject's history
}

// Assign returns the force whose area is the longest prefix of the
// address's postcode, matching only at postcode boundaries ("QA1" covers
// "QA1 5ZZ" and the sub-district "QA1X 9ZZ", never "QA10 1ZZ"). An address
// without a UK postcode, or one no force covers, stays national.
func (a *Areas) Assign(address string) Assignment {
	_, pc := NormalizeAddress(address)
	if pc == "" {
		return Assignment{Reason: "no UK postcode in the installation address: stays with the national centre"}
	}
	// Reasons name only the district: they end up in evidence, stored in
	// clear, and a full postcode narrows an address to a few homes.
	district, _, _ := strings.Cut(pc, " ")
	for _, p := range postcodePrefixes(pc) {
		code, ok := a.force[p]
		if !ok {
			continue
		}
		if code == "" {
			return Assignment{Postcode: pc, Area: p,
				Reason: "area " + p + " is claimed by more than one force: stays with the national centre until an analyst allocates it"}
		}
		return Assignment{ForceCode: code, Postcode: pc, Area: p, Reason: "installation address (postcode district " + district + ") is in " + code + "'s area " + p}
	}
	return Assignment{Postcode: pc, Reason: "no force covers postcode district " + district + ": stays with the national centre"}
}

// postcodePrefixes lists a normalised postcode's prefixes that may name an
// area, longest first: "QA1X 9ZZ" → "QA1X 9ZZ", "QA1X 9", "QA1X", "QA1",
// "QA".
func postcodePrefixes(pc string) []string {
	out, in, _ := strings.Cut(pc, " ")
	ps := []string{pc, out + " " + in[:1], out}
	if last := out[len(out)-1]; last >= 'A' && last <= 'Z' {
		ps = append(ps, out[:len(out)-1]) // a sub-district's district
	}
	i := 0
	for i < len(out) && out[i] >= 'A' && out[i] <= 'Z' {
		i++
	}
	return append(ps, out[:i])
}
