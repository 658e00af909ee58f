package risk

import (
	"fmt"
	"strings"
	"time"

	"safeguard"
)

// Override is a supervisor's change of a subject's band, with a reason.
type Override struct {
	Band   safeguard.Band
	Reason string
	By     string
	At     time.Time
}

// Validate returns EINVALID unless the override has a band, a reason, who
// made it and when.
func (o *Override) Validate() error {
	switch {
	case !o.Band.Valid():
		return safeguard.Errorf(safeguard.EINVALID, "override: unknown band %q", o.Band)
	case strings.TrimSpace(o.Reason) == "":
		return safeguard.Errorf(safeguard.EINVALID, "override: a reason is required")
	case strings.TrimSpace(o.By) == "":
		return safeguard.Errorf(safeguard.EINVALID, "override: who made it is required")
	case o.At.IsZero():
		return safeguard.Errorf(safeguard.EINVALID, "override: when it was made is required")
	}
	return nil
}

// Resolution is the band that applies once an override is weighed against
// the computed assessment.
type Resolution struct {
	Band           safeguard.Band // the band that applies
	Computed       Assessment     // the assessment on all the facts
	Override       Override
	OverrideStands bool
	// Raised lists the facts recorded after the override that raised the
	// computed band above it; empty when the override stands.
	Raised []FiredFact
	Note   string // plain words, for the subject page
}

// ResolveOverride weighs a supervisor's override against f. The override
// stands unless facts recorded after it raise the computed band above the
// override's band: then the computed band applies and the note says which
// facts did it. A fact counts as recorded after the override when its
// earliest source is later than o.At; the facts known at o.At are assessed
// too, so a band the supervisor knowingly lowered stays lowered until
// something new comes in.
func (p *Policy) ResolveOverride(f *safeguard.Facts, o Override, now time.Time) (Resolution, error) {
	if err := o.Validate(); err != nil {
		return Resolution{}, err
	}
	res := Resolution{Computed: p.Assess(f, now), Override: o, Band: o.Band, OverrideStands: true}
	who := fmt.Sprintf("%s's override to %s (%s)", o.By, o.Band, o.Reason)
	if res.Computed.Band.Rank() >= o.Band.Rank() {
		res.Note = fmt.Sprintf("%s stands; computed band %s.", capitalise(who), res.Computed.Band)
		return res, nil
	}
	before := p.Assess(KnownAt(f, o.At), now)
	if before.Band.Rank() <= res.Computed.Band.Rank() {
		res.Note = fmt.Sprintf("%s stands; computed band %s, on facts known when it was made.", capitalise(who), res.Computed.Band)
		return res, nil
	}
	res.Band, res.OverrideStands = res.Computed.Band, false
	var words []string
	for _, fr := range res.Computed.Trace {
		if fr.Band == "" || fr.Band.Rank() >= o.Band.Rank() {
			continue
		}
		for _, ff := range fr.Facts {
			if updatedAfter(ff.Sources, o.At) && !hasFact(res.Raised, ff.Fact) {
				res.Raised = append(res.Raised, ff)
				words = append(words, ff.Words+sourceWords(ff.Sources))
			}
		}
	}
	if len(words) == 0 { // raised through the score: cite every later fact that counted
		for _, fr := range res.Computed.Trace {
			for _, ff := range fr.Facts {
				if updatedAfter(ff.Sources, o.At) && !hasFact(res.Raised, ff.Fact) {
					res.Raised = append(res.Raised, ff)
					words = append(words, ff.Words+sourceWords(ff.Sources))
				}
			}
		}
	}
	res.Note = fmt.Sprintf("Raised to %s above %s by facts recorded after it: %s.", res.Band, who, strings.Join(words, "; "))
	return res, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// updatedAfter reports whether any source is after t: the fact was
// recorded, or recorded again, after t.
func updatedAfter(ss []safeguard.FactSource, t time.Time) bool {
	for _, s := range ss {
		if s.At.After(t) {
			return true
		}
	}
	return false
}

// KnownAt returns a copy of f holding only the facts unchanged since t: a
// fact, or an occupation, with any source later than t is dropped.
func KnownAt(f *safeguard.Facts, t time.Time) *safeguard.Facts {
	g := *f
	for _, d := range catalogue {
		switch {
		case d.b != nil:
			if p := d.b(&g); *p != nil && updatedAfter((*p).Sources, t) {
				*p = nil
			}
		case d.n != nil:
			if p := d.n(&g); *p != nil && updatedAfter((*p).Sources, t) {
				*p = nil
			}
		case d.t != nil:
			if p := d.t(&g); *p != nil && updatedAfter((*p).Sources, t) {
				*p = nil
			}
		case d.list != nil:
			p := d.list(&g)
			var keep []safeguard.TextFact
			for _, it := range *p {
				if !updatedAfter(it.Sources, t) {
					keep = append(keep, it)
				}
			}
			*p = keep
		}
	}
	return &g
}
