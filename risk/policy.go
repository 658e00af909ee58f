package risk

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// Phases of the UK structured tools (KIRAT's order); every rule names one.
var Phases = []string{"previous_behaviour", "access_to_children", "current_behaviour", "other_factors"}

// DefaultDue is each band's due time when a policy does not say: immediate
// 24 hours, high 7 days, medium 30 days, low 90 days.
var DefaultDue = [4]time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour}

// DefaultOccupations are the occupations and volunteering roles that give
// access to children when a policy gives no list of its own.
var DefaultOccupations = []string{
	"teacher", "teaching_assistant", "school_staff", "tutor", "childcare", "nursery_worker", "childminder",
	"nanny", "babysitter", "foster_carer", "youth_leader", "youth_worker", "scout_leader", "guide_leader",
	"sports_coach", "swimming_instructor", "paediatric_health", "school_nurse", "children_social_care",
	"children_entertainer", "faith_youth_leader", "school_transport", "camp_counsellor",
}

// maxRules bounds a policy's size.
const maxRules = 1000

// Policy is a parsed, validated risk policy. It is immutable once parsed,
// so one Policy may assess from many goroutines at once.
type Policy struct {
	Name        string
	Version     string
	Description string
	// Due is each band's due time, by Band.Rank().
	Due [4]time.Duration
	// ScoreBands are score thresholds: a score at or above one puts the
	// subject in at least that band. Zero means none for that band.
	ScoreBands  [3]int
	DefaultBand safeguard.Band
	// Occupations are the occupations that give access to children.
	Occupations []string
	Rules       []*Rule

	occupations map[string]bool
}

// Rule is one rule of a policy: when its condition holds, the subject is in
// at least Band (if set) and Score is added to the score.
type Rule struct {
	ID           string
	Title        string
	Phase        string
	ICACPriority int // 1-5: which ICAC priority the rule serves; 0 for none
	Band         safeguard.Band
	Score        int
	when         *cond
}

var (
	versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)
	ruleIDRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	dueRE     = regexp.MustCompile(`^([1-9][0-9]{0,4})([hd])$`)
)

var policyFields = []string{"$schema", "name", "version", "description", "due", "score_bands", "default_band", "child_access_occupations", "rules"}
var ruleFields = []string{"id", "title", "phase", "icac_priority", "band", "score", "when"}

// ParsePolicy reads and validates a JSON policy. Every problem is reported
// by its JSON path (e.g. rules[3].when.any[0].fact: unknown fact …); the
// error is EINVALID and wraps a *ValidationError listing them.
func ParsePolicy(data []byte) (*Policy, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, invalid("policy", []PathError{{Message: err.Error()}})
	}
	var l errList
	p := &Policy{Due: DefaultDue, DefaultBand: safeguard.BandLow}
	var occSet bool
	l.object(root, "", policyFields, func(key string, v *node, path string) {
		switch key {
		case "$schema":
			l.str(v, path)
		case "name", "description":
			if s, ok := l.str(v, path); ok && len(s) > 1000 {
				l.add(path, "longer than 1000 characters")
			} else if key == "name" {
				p.Name = s
			} else {
				p.Description = s
			}
		case "version":
			if s, ok := l.str(v, path); ok && !versionRE.MatchString(s) {
				l.add(path, "%s is not a version (letters, digits, . _ + -, at most 64)", strconv.Quote(s))
			} else {
				p.Version = s
			}
		case "due":
			readDue(&l, v, path, p)
		case "score_bands":
			readScoreBands(&l, v, path, p)
		case "default_band":
			p.DefaultBand, _ = readBand(&l, v, path)
		case "child_access_occupations":
			occSet = true
			p.Occupations = readOccupations(&l, v, path)
		case "rules":
			readRules(&l, v, path, p)
		}
	})
	if root.kind == 'o' {
		if root.get("version") == nil {
			l.add("", "missing \"version\"")
		}
		if root.get("rules") == nil {
			l.add("", "missing \"rules\"")
		}
	}
	if !occSet {
		p.Occupations = DefaultOccupations
	}
	p.occupations = make(map[string]bool, len(p.Occupations))
	for _, o := range p.Occupations {
		p.occupations[o] = true
	}
	if len(l.errs) == 0 {
		checkAccess(&l, p)
	}
	if len(l.errs) > 0 {
		return nil, invalid("policy", l.errs)
	}
	return p, nil
}

func readBand(l *errList, v *node, path string) (safeguard.Band, bool) {
	s, ok := l.str(v, path)
	if !ok {
		return "", false
	} else if b := safeguard.Band(s); !b.Valid() {
		l.add(path, "%s is not a band (immediate, high, medium, low)", strconv.Quote(s))
		return "", false
	} else {
		return b, true
	}
}

// readDue reads {"immediate": "24h", "high": "7d", …}; bands not given keep
// their defaults, and a more urgent band may not have a longer due time.
func readDue(l *errList, n *node, path string, p *Policy) {
	names := bandNames(safeguard.Bands)
	l.object(n, path, names, func(key string, v *node, kp string) {
		s, ok := l.str(v, kp)
		if !ok {
			return
		}
		m := dueRE.FindStringSubmatch(s)
		if m == nil {
			l.add(kp, "%s is not a due time: hours or days, e.g. \"24h\" or \"7d\"", strconv.Quote(s))
			return
		}
		num, _ := strconv.Atoi(m[1])
		d := time.Duration(num) * time.Hour
		if m[2] == "d" {
			d *= 24
		}
		p.Due[safeguard.Band(key).Rank()] = d
	})
	for i := 1; i < len(p.Due); i++ {
		if p.Due[i] < p.Due[i-1] {
			l.add(joinKey(path, string(safeguard.Bands[i])), "%s is due sooner (%s) than the more urgent %s (%s)",
				safeguard.Bands[i], p.Due[i], safeguard.Bands[i-1], p.Due[i-1])
		}
	}
}

// readScoreBands reads {"immediate": n, "high": n, "medium": n}: a more
// urgent band needs a higher threshold.
func readScoreBands(l *errList, n *node, path string, p *Policy) {
	names := bandNames(safeguard.Bands[:3])
	l.object(n, path, names, func(key string, v *node, kp string) {
		if num, ok := l.integer(v, kp, 1, 1_000_000); ok {
			p.ScoreBands[safeguard.Band(key).Rank()] = int(num)
		}
	})
	last := -1
	for i, t := range p.ScoreBands {
		if t == 0 {
			continue
		}
		if last >= 0 && t >= p.ScoreBands[last] {
			l.add(joinKey(path, string(safeguard.Bands[i])), "threshold %d must be below %s's %d", t, safeguard.Bands[last], p.ScoreBands[last])
		}
		last = i
	}
}

func bandNames(bands []safeguard.Band) []string {
	out := make([]string, len(bands))
	for i, b := range bands {
		out[i] = string(b)
	}
	return out
}

func readOccupations(l *errList, n *node, path string) []string {
	if n.kind != 'a' {
		l.add(path, "want an array of occupations, got %s", n.typeName())
		return nil
	} else if len(n.items) == 0 {
		l.add(path, "name at least one occupation with access to children")
	}
	var out []string
	for i, it := range n.items {
		ip := joinIndex(path, i)
		s, ok := l.str(it, ip)
		switch {
		case !ok:
		case !validWord(s):
			l.add(ip, "%s is not a word (lower-case letters, digits and underscores, e.g. scout_leader)", strconv.Quote(s))
		case contains(out, s):
			l.add(ip, "%s is listed twice", strconv.Quote(s))
		default:
			out = append(out, s)
		}
	}
	return out
}

func readRules(l *errList, n *node, path string, p *Policy) {
	if n.kind != 'a' {
		l.add(path, "want an array of rules, got %s", n.typeName())
		return
	} else if len(n.items) == 0 {
		l.add(path, "a policy needs at least one rule")
		return
	} else if len(n.items) > maxRules {
		l.add(path, "%d rules; at most %d", len(n.items), maxRules)
		return
	}
	ids := map[string]int{}
	for i, it := range n.items {
		if l.full() {
			return
		}
		rp := joinIndex(path, i)
		r := &Rule{}
		var effect bool
		l.object(it, rp, ruleFields, func(key string, v *node, kp string) {
			switch key {
			case "id":
				s, ok := l.str(v, kp)
				if ok && !ruleIDRE.MatchString(s) {
					l.add(kp, "%s is not a rule id (lower-case letters, digits and hyphens, at most 64)", strconv.Quote(s))
				} else if j, dup := ids[s]; ok && dup {
					l.add(kp, "%s is also the id of rules[%d]", strconv.Quote(s), j)
				} else if ok {
					ids[s] = i
					r.ID = s
				}
			case "title":
				if s, ok := l.str(v, kp); ok && (strings.TrimSpace(s) == "" || len(s) > 200) {
					l.add(kp, "want a title of 1 to 200 characters")
				} else {
					r.Title = s
				}
			case "phase":
				if s, ok := l.str(v, kp); ok && !contains(Phases, s) {
					l.add(kp, "%s is not a phase (%s)", strconv.Quote(s), strings.Join(Phases, ", "))
				} else {
					r.Phase = s
				}
			case "icac_priority":
				num, _ := l.integer(v, kp, 1, 5)
				r.ICACPriority = int(num)
			case "band":
				r.Band, _ = readBand(l, v, kp)
				effect = true
			case "score":
				num, _ := l.integer(v, kp, -1000, 1000)
				r.Score = int(num)
				effect = true
			case "when":
				r.when = compileCond(l, v, kp)
			}
		})
		if it.kind != 'o' {
			continue
		}
		for _, req := range []string{"id", "title", "phase", "when"} {
			if it.get(req) == nil {
				l.add(rp, "missing %s", strconv.Quote(req))
			}
		}
		if !effect {
			l.add(rp, "rule has no effect: give a band, a score or both")
		}
		p.Rules = append(p.Rules, r)
	}
}

// checkAccess probes the policy with each kind of access to children alone
// and requires its own rules to put the subject in immediate. The engine
// guarantees it anyway (Assess); this makes a policy say so itself.
func checkAccess(l *errList, p *Policy) {
	src := []safeguard.FactSource{{Kind: safeguard.FactFromAnalyst, By: "policy check"}}
	for _, path := range accessFacts {
		f := &safeguard.Facts{}
		if path == factOccupationWithAccess {
			if len(p.Occupations) == 0 {
				continue // reported where the list is
			}
			f.AccessToChildren.Occupations = []safeguard.TextFact{{Value: p.Occupations[0], Sources: src}}
		} else {
			*factsByPath[path].b(f) = &safeguard.BoolFact{Value: true, Sources: src}
		}
		if band, _ := p.ruleBand(f); band != safeguard.BandImmediate {
			l.add("rules", "no rule puts a subject whose only fact is %s in immediate (got %s): access to children is always immediate", path, band)
		}
	}
}
