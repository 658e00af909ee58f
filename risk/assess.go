package risk

import (
	"fmt"
	"strings"
	"time"

	"safeguard"
)

// Reserved trace entries the engine itself adds; the ':' keeps them apart
// from any policy rule id.
const (
	RuleAccessGuarantee = "engine:access-to-children"
	RuleScoreThreshold  = "engine:score-threshold"
)

// Assessment is the result of assessing one subject's facts under a policy.
type Assessment struct {
	Band          safeguard.Band
	Score         int
	Due           time.Duration // the band's due time
	DueAt         time.Time     // now + Due
	PolicyVersion string
	Trace         []Fired // rules that fired, in policy order, then the engine's own entries
}

// Fired is one rule that fired, with the facts that made it fire.
type Fired struct {
	Rule    string
	Title   string
	Phase   string
	Band    safeguard.Band // "" when the rule only adds to the score
	Score   int
	Because string // plain words with sources, e.g. "works or volunteers as a scout leader (referral R-1)"
	Facts   []FiredFact
}

// FiredFact is one fact that made a rule fire.
type FiredFact struct {
	Fact    string // its path, e.g. access_to_children.occupation
	Words   string // its value in plain words
	Sources []safeguard.FactSource

	access bool // it is access to children, recorded true
}

// Assess assesses f under p at now. It is pure: the same policy, facts and
// time always give the same assessment. The band is the most urgent of the
// policy's default band, the bands of the rules that fired and the band
// whose score threshold the summed score reaches; a subject with access to
// children is always immediate, whatever the policy says.
func (p *Policy) Assess(f *safeguard.Facts, now time.Time) Assessment {
	a := p.assessRules(f, true)
	if deriveAnyAccess(f, p).b && !a.tracesAccess() {
		a.Band = safeguard.BandImmediate
		a.Trace = append(a.Trace, Fired{
			Rule: RuleAccessGuarantee, Title: "Access to children is always immediate", Phase: "access_to_children",
			Band: safeguard.BandImmediate, Because: accessBecause(f, p),
		})
	}
	a.Due = p.Due[a.Band.Rank()]
	a.DueAt = now.Add(a.Due)
	return a
}

// Band is Assess without the trace: the band and score alone, for counting
// what a new policy would change across a backlog.
func (p *Policy) Band(f *safeguard.Facts) (safeguard.Band, int) {
	a := p.assessRules(f, false)
	if deriveAnyAccess(f, p).b {
		a.Band = safeguard.BandImmediate
	}
	return a.Band, a.Score
}

// ruleBand is the band p's own rules and score thresholds give f, without
// the engine's access guarantee.
func (p *Policy) ruleBand(f *safeguard.Facts) (safeguard.Band, int) {
	a := p.assessRules(f, false)
	return a.Band, a.Score
}

// assessRules applies the rules and score thresholds, with the trace when
// trace is set.
func (p *Policy) assessRules(f *safeguard.Facts, trace bool) Assessment {
	a := Assessment{Band: p.DefaultBand, PolicyVersion: p.Version}
	if trace {
		a.Trace = make([]Fired, 0, 8)
	}
	var buf [8]witness
	w := buf[:0]
	for _, r := range p.Rules {
		var held bool
		if w, held = r.when.eval(f, p, w[:0]); !held {
			continue
		}
		if r.Band != "" && r.Band.Rank() < a.Band.Rank() {
			a.Band = r.Band
		}
		a.Score += r.Score
		if trace {
			a.Trace = append(a.Trace, fired(r, w, f, p))
		}
	}
	for i, t := range p.ScoreBands {
		if t > 0 && a.Score >= t {
			if i < a.Band.Rank() {
				a.Band = safeguard.Bands[i]
				if trace {
					a.Trace = append(a.Trace, Fired{
						Rule: RuleScoreThreshold, Title: "Score threshold", Phase: "other_factors", Band: a.Band,
						Because: fmt.Sprintf("score %d reaches the %s threshold of %d", a.Score, a.Band, t),
					})
				}
			}
			break
		}
	}
	return a
}

func fired(r *Rule, w []witness, f *safeguard.Facts, p *Policy) Fired {
	fr := Fired{Rule: r.ID, Title: r.Title, Phase: r.Phase, Band: r.Band, Score: r.Score}
	if len(w) == 0 {
		fr.Because = r.Title // held only through not: nothing to cite
		return fr
	}
	fr.Facts = make([]FiredFact, 0, len(w))
	var sb strings.Builder
	sb.Grow(160)
	for _, x := range w {
		if hasFact(fr.Facts, x.fact.path) {
			continue
		}
		ff := FiredFact{Fact: x.fact.path, Words: x.fact.words(x.v), Sources: x.v.allSources()}
		if x.fact.path == factAnyAccess && x.v.b {
			ff.Sources = accessSources(f, p)
		}
		ff.access = x.v.b && (x.fact.path == factAnyAccess || contains(accessFacts, x.fact.path))
		fr.Facts = append(fr.Facts, ff)
		if sb.Len() > 0 {
			sb.WriteString(" and ")
		}
		sb.WriteString(ff.Words)
		writeSources(&sb, ff.Sources)
	}
	fr.Because = sb.String()
	return fr
}

func hasFact(ffs []FiredFact, path string) bool {
	for _, ff := range ffs {
		if ff.Fact == path {
			return true
		}
	}
	return false
}

// tracesAccess reports whether a rule that fired with an immediate band
// cites access to children.
func (a *Assessment) tracesAccess() bool {
	if a.Band != safeguard.BandImmediate {
		return false
	}
	for _, fr := range a.Trace {
		if fr.Band != safeguard.BandImmediate {
			continue
		}
		for _, ff := range fr.Facts {
			if ff.access {
				return true
			}
		}
	}
	return false
}

// accessBecause says in plain words which access to children f records.
func accessBecause(f *safeguard.Facts, p *Policy) string {
	var parts []string
	for _, path := range accessFacts {
		d := factsByPath[path]
		if v := d.get(f, p); v.known && v.b {
			parts = append(parts, d.words(v)+sourceWords(v.allSources()))
		}
	}
	return strings.Join(parts, " and ")
}

// sourceWords says where facts came from: " (referral R-1, analyst entry by
// A. Analyst)". Repeated sources are named once.
func sourceWords(ss []safeguard.FactSource) string {
	var sb strings.Builder
	writeSources(&sb, ss)
	return sb.String()
}

func writeSources(sb *strings.Builder, ss []safeguard.FactSource) {
	for i, s := range ss {
		if seenSource(ss[:i], s) {
			continue
		}
		if i == 0 {
			sb.WriteString(" (")
		} else {
			sb.WriteString(", ")
		}
		switch s.Kind {
		case safeguard.FactFromReferral:
			sb.WriteString("referral ")
			sb.WriteString(s.Ref)
		case safeguard.FactFromScanReport:
			sb.WriteString("scan report ")
			sb.WriteString(s.Ref)
		case safeguard.FactFromAnalyst:
			sb.WriteString("analyst entry by ")
			sb.WriteString(s.By)
		default:
			sb.WriteString(strings.TrimSpace(s.Kind + " " + s.Ref + " " + s.By))
		}
	}
	if len(ss) > 0 {
		sb.WriteString(")")
	}
}

// seenSource reports whether an earlier source would be named the same.
func seenSource(earlier []safeguard.FactSource, s safeguard.FactSource) bool {
	for _, e := range earlier {
		if e.Kind == s.Kind && e.Ref == s.Ref && (e.By == s.By || s.Kind != safeguard.FactFromAnalyst) {
			return true
		}
	}
	return false
}

// Explain says in one sentence why the subject is in its band, e.g.
// "Immediate because: works or volunteers as a scout leader (referral R-1,
// analyst entry by A. Analyst)." It names the entries that set the band;
// the trace has every rule that fired.
func (a *Assessment) Explain() string {
	var parts []string
	for _, fr := range a.Trace {
		if fr.Band == a.Band {
			parts = append(parts, fr.Because)
		}
	}
	band := strings.ToUpper(string(a.Band[:1])) + string(a.Band[1:])
	if len(parts) == 0 {
		return band + ": no rule raised the band (the policy's default)."
	}
	return band + " because: " + strings.Join(parts, "; ") + "."
}

// Record turns a into the domain's assessment record for subjectID, ready
// for an AssessmentService; by names who or what assessed.
func (a *Assessment) Record(subjectID int64, by string) *safeguard.Assessment {
	rec := &safeguard.Assessment{SubjectID: subjectID, Band: a.Band, DueAt: a.DueAt, PolicyVersion: a.PolicyVersion,
		AssessedBy: by, Trace: make([]safeguard.RuleFired, len(a.Trace))}
	for i, fr := range a.Trace {
		rec.Trace[i] = safeguard.RuleFired{Rule: fr.Rule, Effect: fr.Effect(), Reason: fr.Because}
	}
	return rec
}

// Effect says what the entry did, e.g. "band>=high +20".
func (fr *Fired) Effect() string {
	var parts []string
	if fr.Band != "" {
		parts = append(parts, "band>="+string(fr.Band))
	}
	if fr.Score != 0 {
		parts = append(parts, fmt.Sprintf("%+d", fr.Score))
	}
	return strings.Join(parts, " ")
}

// Summary is an assessment in the shape policy eval prints and the API
// gives for a subject's current assessment.
type Summary struct {
	Band          safeguard.Band `json:"band"`
	Score         int            `json:"score"`
	DueInHours    int64          `json:"due_in_hours"`
	PolicyVersion string         `json:"policy_version"`
	Trace         []TraceLine    `json:"trace"`
}

// TraceLine is one entry of a Summary's trace.
type TraceLine struct {
	Rule    string `json:"rule"`
	Because string `json:"because"`
}

// Summary returns a in the shape policy eval prints.
func (a *Assessment) Summary() Summary {
	s := Summary{Band: a.Band, Score: a.Score, DueInHours: int64(a.Due / time.Hour), PolicyVersion: a.PolicyVersion,
		Trace: make([]TraceLine, len(a.Trace))}
	for i, fr := range a.Trace {
		s.Trace[i] = TraceLine{Rule: fr.Rule, Because: fr.Because}
	}
	return s
}
