package risk

import (
	"sort"
	"strconv"
	"strings"

	"safeguard"
)

// op is a condition's operator.
type op int

const (
	opAll op = iota
	opAny
	opNot
	opEq
	opNe
	opGt
	opGte
	opLt
	opLte
	opIn
	opKnown
)

// comparisons are the operator keys of a comparison, in the order the
// documentation gives them.
var comparisons = []string{"eq", "ne", "gt", "gte", "lt", "lte", "in", "known"}

var opByName = map[string]op{"eq": opEq, "ne": opNe, "gt": opGt, "gte": opGte, "lt": opLt, "lte": opLte, "in": opIn, "known": opKnown}

// cond is a compiled condition: all/any/not over kids, or a comparison of
// one fact with a value.
type cond struct {
	op   op
	kids []*cond
	fact *factDef
	b    bool
	n    int64
	s    string
	set  []string
}

// witness is a fact that helped a condition hold, with its value.
type witness struct {
	fact *factDef
	v    value
}

// eval reports whether c holds for f, appending to w the facts that made it
// hold (w is returned, so a caller's buffer can stay on its stack). An
// unknown fact makes every comparison false except known:false; not negates
// that, so "not known" and "not eq" hold for unknown facts. Facts under a
// not are never witnesses: they held by being absent.
func (c *cond) eval(f *safeguard.Facts, p *Policy, w []witness) ([]witness, bool) {
	switch c.op {
	case opAll:
		mark := len(w)
		for _, k := range c.kids {
			var held bool
			if w, held = k.eval(f, p, w); !held {
				return w[:mark], false
			}
		}
		return w, true
	case opAny:
		some := false
		for _, k := range c.kids {
			mark := len(w)
			var held bool
			if w, held = k.eval(f, p, w); held {
				some = true
			} else {
				w = w[:mark]
			}
		}
		return w, some
	case opNot:
		mark := len(w)
		w, held := c.kids[0].eval(f, p, w)
		return w[:mark], !held
	}
	v := c.fact.get(f, p)
	if c.op == opKnown {
		if v.known != c.b {
			return w, false
		} else if v.known {
			w = append(w, witness{c.fact, v})
		}
		return w, true
	}
	if !v.known || !c.compare(&v) {
		return w, false
	}
	return append(w, witness{c.fact, v}), true
}

// compare applies a comparison to a known value. For a list fact, eq and in
// hold when any item matches, and v keeps only the matching items.
func (c *cond) compare(v *value) bool {
	switch c.fact.kind {
	case kindBool:
		return (v.b == c.b) == (c.op == opEq)
	case kindCount:
		switch c.op {
		case opEq:
			return v.n == c.n
		case opNe:
			return v.n != c.n
		case opGt:
			return v.n > c.n
		case opGte:
			return v.n >= c.n
		case opLt:
			return v.n < c.n
		case opLte:
			return v.n <= c.n
		}
	case kindText:
		switch c.op {
		case opEq:
			return v.s == c.s
		case opNe:
			return v.s != c.s
		case opIn:
			return contains(c.set, v.s)
		}
	case kindList:
		var match []safeguard.TextFact
		for _, it := range v.items {
			if (c.op == opEq && it.Value == c.s) || (c.op == opIn && contains(c.set, it.Value)) {
				match = append(match, it)
			}
		}
		v.items = match
		return len(match) > 0
	}
	return false
}

// refs reports whether c names any fact in paths outside a not.
func (c *cond) refs(paths []string) bool {
	switch c.op {
	case opAll, opAny:
		for _, k := range c.kids {
			if k.refs(paths) {
				return true
			}
		}
		return false
	case opNot:
		return false
	}
	return contains(paths, c.fact.path)
}

// compileCond checks and compiles a condition, reporting problems by path.
func compileCond(l *errList, n *node, path string) *cond {
	if n.kind != 'o' {
		l.add(path, "want a condition object ({\"all\"|\"any\": [...]}, {\"not\": {...}} or {\"fact\": ..., \"<op>\": ...}), got %s", n.typeName())
		return nil
	}
	var logic []string
	for _, k := range n.keys {
		if k == "all" || k == "any" || k == "not" {
			logic = append(logic, k)
		}
	}
	switch {
	case len(n.keys) == 0:
		l.add(path, "empty condition: give all, any, not, or fact with one of %s", strings.Join(comparisons, ", "))
		return nil
	case len(logic) > 1 || (len(logic) == 1 && len(n.keys) > 1):
		l.add(path, "give one of all, any, not or a fact comparison per condition, not %s together", strings.Join(n.keys, " and "))
		return nil
	case len(logic) == 1:
		return compileLogic(l, logic[0], n.vals[0], joinKey(path, logic[0]))
	}
	return compileComparison(l, n, path)
}

func compileLogic(l *errList, key string, v *node, path string) *cond {
	if key == "not" {
		k := compileCond(l, v, path)
		if k == nil {
			return nil
		}
		return &cond{op: opNot, kids: []*cond{k}}
	}
	if v.kind != 'a' {
		l.add(path, "want an array of conditions, got %s", v.typeName())
		return nil
	} else if len(v.items) == 0 {
		l.add(path, "want at least one condition")
		return nil
	}
	c := &cond{op: opAll}
	if key == "any" {
		c.op = opAny
	}
	ok := true
	for i, it := range v.items {
		k := compileCond(l, it, joinIndex(path, i))
		ok = ok && k != nil
		c.kids = append(c.kids, k)
	}
	if !ok {
		return nil
	}
	return c
}

func compileComparison(l *errList, n *node, path string) *cond {
	var opKey string
	for _, k := range n.keys {
		switch {
		case k == "fact":
		case isOperator(k):
			if opKey != "" {
				l.add(joinKey(path, k), "one operator per comparison (already have %s); combine comparisons with all or any", opKey)
				return nil
			}
			opKey = k
		default:
			l.add(joinKey(path, k), "unknown field %s (want all, any, not, fact, or an operator: %s)", strconv.Quote(k), strings.Join(comparisons, ", "))
			return nil
		}
	}
	fn := n.get("fact")
	if fn == nil {
		l.add(path, "missing \"fact\"")
		return nil
	}
	fp := joinKey(path, "fact")
	name, ok := l.str(fn, fp)
	if !ok {
		return nil
	}
	d := factsByPath[name]
	if d == nil {
		l.add(fp, "unknown fact %s%s", strconv.Quote(name), suggest(name))
		return nil
	}
	if opKey == "" {
		l.add(path, "missing an operator: give one of %s", strings.Join(operatorsFor(d.kind), ", "))
		return nil
	}
	c := &cond{op: opByName[opKey], fact: d}
	vp := joinKey(path, opKey)
	v := n.get(opKey)
	if !contains(operatorsFor(d.kind), opKey) {
		l.add(vp, "%s is a %s fact: use %s", d.path, d.kind, strings.Join(operatorsFor(d.kind), ", "))
		return nil
	}
	switch {
	case c.op == opKnown:
		c.b, ok = l.boolean(v, vp)
	case c.op == opIn:
		ok = compileSet(l, c, v, vp)
	case d.kind == kindBool:
		c.b, ok = l.boolean(v, vp)
	case d.kind == kindCount:
		c.n, ok = l.integer(v, vp, -1<<53, 1<<53)
	default:
		c.s, ok = compileWord(l, d, v, vp)
	}
	if !ok {
		return nil
	}
	return c
}

func compileSet(l *errList, c *cond, v *node, path string) bool {
	if v.kind != 'a' || len(v.items) == 0 {
		l.add(path, "want a non-empty array of words, got %s", v.typeName())
		return false
	}
	ok := true
	for i, it := range v.items {
		w, good := compileWord(l, c.fact, it, joinIndex(path, i))
		ok = ok && good
		c.set = append(c.set, w)
	}
	return ok
}

func compileWord(l *errList, d *factDef, v *node, path string) (string, bool) {
	s, ok := l.str(v, path)
	if !ok {
		return "", false
	}
	if d.kind == kindText && !contains(d.enum, s) {
		l.add(path, "%s is not one of: %s", strconv.Quote(s), strings.Join(d.enum, ", "))
		return "", false
	} else if d.kind == kindList && !validWord(s) {
		l.add(path, "%s is not a word (lower-case letters, digits and underscores)", strconv.Quote(s))
		return "", false
	}
	return s, true
}

func isOperator(k string) bool {
	_, ok := opByName[k]
	return ok
}

// operatorsFor lists the operators a fact of kind k takes.
func operatorsFor(k kind) []string {
	switch k {
	case kindBool:
		return []string{"eq", "ne", "known"}
	case kindCount:
		return []string{"eq", "ne", "gt", "gte", "lt", "lte", "known"}
	case kindText:
		return []string{"eq", "ne", "in", "known"}
	}
	return []string{"eq", "in", "known"}
}

// suggest offers the nearest fact paths to a misspelt one.
func suggest(name string) string {
	type cand struct {
		path string
		d    int
	}
	var cs []cand
	for _, d := range catalogue {
		best := distance(name, d.path)
		if i := strings.IndexByte(name, '.'); i < 0 {
			// A section alone, or a fact without its section.
			best = min(best, distance(name, d.section()), distance(name, d.name()))
		} else if strings.HasPrefix(d.path, name) {
			best = min(best, 1) // cut short
		}
		if best <= 3 {
			cs = append(cs, cand{d.path, best})
		}
	}
	if len(cs) == 0 {
		return " (see the fact list in docs/policy.md)"
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for _, c := range cs {
		if c.d == cs[0].d && len(out) < 3 {
			out = append(out, strconv.Quote(c.path))
		}
	}
	return " (did you mean " + strings.Join(out, " or ") + "?)"
}

// distance is the Levenshtein distance, capped for long inputs.
func distance(a, b string) int {
	if len(a) > 100 || len(b) > 100 {
		return 100
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
