package risk

import (
	"fmt"
	"strconv"
	"strings"

	"safeguard"
)

// kind is the type of a fact's value.
type kind int

const (
	kindBool  kind = iota // true or false
	kindCount             // a whole number, zero or more
	kindText              // one word from a vocabulary
	kindList              // several words (occupations)
)

// String names the kind in error messages.
func (k kind) String() string {
	return [...]string{"yes/no", "count", "word", "list of words"}[k]
}

// Sections of a facts document, in the order of the structured tools'
// phases.
var sections = []string{"access_to_children", "history", "current_behaviour", "material", "other"}

// factDef describes one fact: its path, type, how to reach it in
// safeguard.Facts and how to say it in plain words. Exactly one accessor is
// set, by kind; a derived fact has derive instead and cannot be given in a
// facts document.
type factDef struct {
	path    string
	kind    kind
	enum    []string // allowed words of a text fact
	yes, no string   // plain words of a yes/no fact
	phrase  string   // plain words of a count (%d) or word (%s)
	b       func(*safeguard.Facts) **safeguard.BoolFact
	n       func(*safeguard.Facts) **safeguard.CountFact
	t       func(*safeguard.Facts) **safeguard.TextFact
	list    func(*safeguard.Facts) *[]safeguard.TextFact
	derive  func(*safeguard.Facts, *Policy) value
}

// The derived facts: the engine works them out from the others and the
// policy's list of occupations with access to children.
const (
	factOccupationWithAccess = "access_to_children.occupation_with_access"
	factAnyAccess            = "access_to_children.any"
)

// accessFacts are the facts that give access to children; any one of them
// true puts a subject in immediate.
var accessFacts = []string{
	"access_to_children.children_in_household",
	factOccupationWithAccess,
	"access_to_children.family_or_neighbours_children",
}

// catalogue lists every fact a policy may name. Facts documents may give
// all but the derived ones.
var catalogue = []*factDef{
	// Access to children.
	{path: "access_to_children.children_in_household", kind: kindBool, yes: "lives in a household with children", no: "no children in the household",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.AccessToChildren.ChildrenInHousehold }},
	{path: "access_to_children.occupation", kind: kindList, phrase: "works or volunteers as %s",
		list: func(f *safeguard.Facts) *[]safeguard.TextFact { return &f.AccessToChildren.Occupations }},
	{path: "access_to_children.family_or_neighbours_children", kind: kindBool, yes: "has access to children of family, friends or neighbours", no: "no access to children of family, friends or neighbours",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.AccessToChildren.FamilyOrNeighboursChildren }},
	{path: factOccupationWithAccess, kind: kindBool, phrase: "works or volunteers as %s", no: "no occupation with access to children",
		derive: deriveOccupationWithAccess},
	{path: factAnyAccess, kind: kindBool, yes: "has access to children", no: "no known access to children",
		derive: deriveAnyAccess},

	// Previous behaviour.
	{path: "history.prior_contact_sexual_offence", kind: kindBool, yes: "has a prior contact sexual offence", no: "no prior contact sexual offence",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.History.PriorContactSexualOffence }},
	{path: "history.prior_iioc_conviction", kind: kindBool, yes: "has a prior conviction for indecent images of children", no: "no prior indecent-image conviction",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.History.PriorIIOCConviction }},
	{path: "history.other_convictions", kind: kindCount, phrase: "%d other convictions",
		n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.History.OtherConvictions }},
	{path: "history.failure_on_conditional_release", kind: kindBool, yes: "has failed on conditional release", no: "no failure on conditional release",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.History.FailureOnConditionalRelease }},
	{path: "history.on_sex_offender_register", kind: kindBool, yes: "is on the sex-offender register", no: "not on the sex-offender register",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.History.OnSexOffenderRegister }},

	// Current behaviour.
	{path: "current_behaviour.online_enticement", kind: kindBool, yes: "enticing or grooming a child online", no: "no online enticement or grooming",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.OnlineEnticement }},
	{path: "current_behaviour.sexual_communication_with_child", kind: kindBool, yes: "sexual communication with a child", no: "no sexual communication with a child",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.SexualCommunication }},
	{path: "current_behaviour.sextortion", kind: kindBool, yes: "sextortion of a child", no: "no sextortion",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.Sextortion }},
	{path: "current_behaviour.production", kind: kindBool, yes: "producing material", no: "no production of material",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.Production }},
	{path: "current_behaviour.possible_self_production", kind: kindBool, yes: "material flagged as possibly self-produced by the child shown", no: "no material flagged as possibly self-produced",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.PossibleSelfProduction }},
	{path: "current_behaviour.files_not_in_any_bank", kind: kindCount, phrase: "%d files not in any hash bank (possibly new material)",
		n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.CurrentBehaviour.FilesNotInAnyBank }},
	{path: "current_behaviour.distribution", kind: kindBool, yes: "distributing material", no: "no distribution",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.Distribution }},
	{path: "current_behaviour.possession", kind: kindBool, yes: "possessing material", no: "no possession",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.CurrentBehaviour.Possession }},
	{path: "current_behaviour.p2p_trading_volume", kind: kindCount, phrase: "%d files traded peer-to-peer",
		n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.CurrentBehaviour.P2PTradingVolume }},

	// Material.
	{path: "material.uk_a", kind: kindCount, phrase: "%d category A files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.UKA }},
	{path: "material.uk_b", kind: kindCount, phrase: "%d category B files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.UKB }},
	{path: "material.uk_c", kind: kindCount, phrase: "%d category C files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.UKC }},
	{path: "material.vic_1", kind: kindCount, phrase: "%d Project VIC category 1 files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.VIC1 }},
	{path: "material.vic_2", kind: kindCount, phrase: "%d Project VIC category 2 files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.VIC2 }},
	{path: "material.vic_3", kind: kindCount, phrase: "%d Project VIC category 3 files", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.VIC3 }},
	{path: "material.total_files", kind: kindCount, phrase: "%d files in all", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.TotalFiles }},
	{path: "material.industry_a1", kind: kindCount, phrase: "%d files classed A1 by industry", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.IndustryA1 }},
	{path: "material.industry_a2", kind: kindCount, phrase: "%d files classed A2 by industry", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.IndustryA2 }},
	{path: "material.industry_b1", kind: kindCount, phrase: "%d files classed B1 by industry", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.IndustryB1 }},
	{path: "material.industry_b2", kind: kindCount, phrase: "%d files classed B2 by industry", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.IndustryB2 }},
	{path: "material.potential_meme", kind: kindCount, phrase: "%d files flagged as a potential meme", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.PotentialMeme }},
	{path: "material.viral", kind: kindCount, phrase: "%d files flagged as viral", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.Viral }},
	{path: "material.physical_harm", kind: kindCount, phrase: "%d files flagged as showing physical harm", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.PhysicalHarm }},
	{path: "material.infant", kind: kindCount, phrase: "%d files flagged as showing an infant", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.Infant }},
	{path: "material.sadistic_online_exploitation", kind: kindCount, phrase: "%d reports flagged as sadistic online exploitation",
		n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Material.SadisticOnlineExploitation }},

	// Other factors.
	{path: "other.referrals", kind: kindCount, phrase: "%d referrals", n: func(f *safeguard.Facts) **safeguard.CountFact { return &f.Other.Referrals }},
	{path: "other.attribution", kind: kindText, phrase: "attribution %s",
		enum: []string{safeguard.AttrConfirmed, safeguard.AttrCorroborated, safeguard.AttrAmbiguous, safeguard.AttrUnresolved},
		t:    func(f *safeguard.Facts) **safeguard.TextFact { return &f.Other.Attribution }},
	{path: "other.domestic_abuse", kind: kindBool, yes: "domestic abuse recorded", no: "no domestic abuse recorded",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.Other.DomesticAbuse }},
	{path: "other.substance_misuse", kind: kindBool, yes: "substance misuse recorded", no: "no substance misuse recorded",
		b: func(f *safeguard.Facts) **safeguard.BoolFact { return &f.Other.SubstanceMisuse }},
}

// factsByPath indexes the catalogue; it is filled once by init and only
// read after.
var factsByPath = map[string]*factDef{}

func init() {
	for _, d := range catalogue {
		factsByPath[d.path] = d
	}
}

// FactPaths lists every fact a policy condition may name, in catalogue
// order, derived facts included.
func FactPaths() []string {
	out := make([]string, len(catalogue))
	for i, d := range catalogue {
		out[i] = d.path
	}
	return out
}

// section returns the section part of a fact path.
func (d *factDef) section() string { return d.path[:strings.IndexByte(d.path, '.')] }

// name returns the fact's key within its section.
func (d *factDef) name() string { return d.path[strings.IndexByte(d.path, '.')+1:] }

// value is one fact as the engine sees it: whether it is known, its value
// and its sources. A list fact keeps its items, each with its sources.
type value struct {
	known   bool
	b       bool
	n       int64
	s       string
	items   []safeguard.TextFact
	sources []safeguard.FactSource
}

// get reads the fact from f.
func (d *factDef) get(f *safeguard.Facts, p *Policy) value {
	switch {
	case d.derive != nil:
		return d.derive(f, p)
	case d.b != nil:
		if v := *d.b(f); v != nil {
			return value{known: true, b: v.Value, sources: v.Sources}
		}
	case d.n != nil:
		if v := *d.n(f); v != nil {
			return value{known: true, n: v.Value, sources: v.Sources}
		}
	case d.t != nil:
		if v := *d.t(f); v != nil {
			return value{known: true, s: v.Value, sources: v.Sources}
		}
	case d.list != nil:
		if items := *d.list(f); len(items) > 0 {
			return value{known: true, items: items}
		}
	}
	return value{}
}

// words says v in plain words, e.g. "works or volunteers as a scout leader".
func (d *factDef) words(v value) string {
	switch d.kind {
	case kindBool:
		if len(v.items) > 0 { // derived from occupations: name them
			return fmt.Sprintf(d.phrase, occupationList(v.items))
		}
		if v.b {
			return d.yes
		}
		return d.no
	case kindCount:
		return strings.Replace(d.phrase, "%d", strconv.FormatInt(v.n, 10), 1)
	case kindText:
		return strings.Replace(d.phrase, "%s", v.s, 1)
	}
	return fmt.Sprintf(d.phrase, occupationList(v.items))
}

// occupationList joins occupations as "a scout leader and a teacher".
func occupationList(items []safeguard.TextFact) string {
	words := make([]string, len(items))
	for i, it := range items {
		words[i] = article(strings.ReplaceAll(it.Value, "_", " "))
	}
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

func deriveOccupationWithAccess(f *safeguard.Facts, p *Policy) value {
	occ := f.AccessToChildren.Occupations
	v := value{known: len(occ) > 0}
	first, n := -1, 0
	for i, o := range occ {
		if p.occupations[o.Value] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	switch {
	case n == 0:
	case n == 1:
		v.b, v.items = true, occ[first:first+1] // no copy for the usual case
	default:
		v.b = true
		for _, o := range occ {
			if p.occupations[o.Value] {
				v.items = append(v.items, o)
			}
		}
	}
	return v
}

// deriveAnyAccess reports whether f records any access to children. Its
// sources are gathered only when a rule cites it (accessSources).
func deriveAnyAccess(f *safeguard.Facts, p *Policy) value {
	var v value
	for _, path := range accessFacts {
		w := factsByPath[path].get(f, p)
		v.known = v.known || w.known
		v.b = v.b || (w.known && w.b)
	}
	return v
}

// accessSources gathers the sources of every access to children f records.
func accessSources(f *safeguard.Facts, p *Policy) []safeguard.FactSource {
	var out []safeguard.FactSource
	for _, path := range accessFacts {
		if w := factsByPath[path].get(f, p); w.known && w.b {
			out = append(out, w.allSources()...)
		}
	}
	return out
}

// allSources returns v's sources and those of its items.
func (v value) allSources() []safeguard.FactSource {
	if len(v.items) == 0 {
		return v.sources
	} else if len(v.sources) == 0 && len(v.items) == 1 {
		return v.items[0].Sources
	}
	out := append([]safeguard.FactSource(nil), v.sources...)
	for _, it := range v.items {
		out = append(out, it.Sources...)
	}
	return out
}
