package risk

import (
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// maxText bounds references, names and words in a facts document.
const maxText = 200

// ParseFacts reads a JSON facts document strictly: unknown fields, wrong
// types, facts without a source and times without an offset are errors,
// every one named by its JSON path (e.g. history.prior_iioc_conviction.value).
// The error is EINVALID and wraps a *ValidationError listing them.
// Occupations are normalised to lower-case words joined by underscores.
func ParseFacts(data []byte) (*safeguard.Facts, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, invalid("facts", []PathError{{Message: err.Error()}})
	}
	var l errList
	f := &safeguard.Facts{}
	l.object(root, "", append([]string{"subject"}, sections...), func(key string, v *node, path string) {
		if key == "subject" {
			if s, ok := l.str(v, path); ok && len(s) > maxText {
				l.add(path, "longer than %d characters", maxText)
			} else {
				f.Subject = s
			}
			return
		}
		l.object(v, path, sectionFacts(key), func(name string, v *node, path string) {
			readFact(&l, factsByPath[key+"."+name], f, v, path)
		})
	})
	if len(l.errs) > 0 {
		return nil, invalid("facts", l.errs)
	}
	return f, nil
}

// invalid wraps path errors as an EINVALID error whose safe message lists
// them.
func invalid(what string, errs []PathError) error {
	ve := &ValidationError{What: what, Errors: errs}
	return &safeguard.Error{Code: safeguard.EINVALID, Message: ve.Error(), Wrapped: ve}
}

// sectionFacts lists the facts a document may give in a section: all but
// the derived ones.
func sectionFacts(section string) []string {
	var out []string
	for _, d := range catalogue {
		if d.derive == nil && d.section() == section {
			out = append(out, d.name())
		}
	}
	return out
}

// readFact reads one fact ({"value": …, "sources": […]}, or for a list an
// array of them) into f.
func readFact(l *errList, d *factDef, f *safeguard.Facts, n *node, path string) {
	if d.kind == kindList {
		if n.kind != 'a' {
			l.add(path, "want an array of {\"value\", \"sources\"} objects, got %s", n.typeName())
			return
		}
		items := make([]safeguard.TextFact, 0, len(n.items))
		for i, it := range n.items {
			ip := joinIndex(path, i)
			var tf safeguard.TextFact
			ok := readLeaf(l, it, ip, &tf.Sources, func(v *node, vp string) bool {
				s, ok := l.str(v, vp)
				tf.Value = normalWord(s)
				if ok && !validWord(tf.Value) {
					l.add(vp, "%s is not a word (letters, digits and underscores, starting with a letter, at most 64)", strconv.Quote(s))
					return false
				}
				return ok
			})
			if ok {
				items = append(items, tf)
			}
		}
		if len(items) > 0 { // an empty list records nothing
			*d.list(f) = items
		}
		return
	}
	var sources []safeguard.FactSource
	var bv bool
	var nv int64
	var sv string
	ok := readLeaf(l, n, path, &sources, func(v *node, vp string) (ok bool) {
		switch d.kind {
		case kindBool:
			bv, ok = l.boolean(v, vp)
		case kindCount:
			nv, ok = l.integer(v, vp, 0, 1<<53)
		case kindText:
			if sv, ok = l.str(v, vp); ok && !contains(d.enum, sv) {
				l.add(vp, "%s is not one of: %s", strconv.Quote(sv), strings.Join(d.enum, ", "))
				return false
			}
		}
		return ok
	})
	if !ok {
		return
	}
	switch d.kind {
	case kindBool:
		*d.b(f) = &safeguard.BoolFact{Value: bv, Sources: sources}
	case kindCount:
		*d.n(f) = &safeguard.CountFact{Value: nv, Sources: sources}
	case kindText:
		*d.t(f) = &safeguard.TextFact{Value: sv, Sources: sources}
	}
}

// readLeaf reads {"value": …, "sources": […]}; value reads the value.
func readLeaf(l *errList, n *node, path string, sources *[]safeguard.FactSource, value func(*node, string) bool) bool {
	before := len(l.errs)
	var hasValue, hasSources bool
	if !l.object(n, path, []string{"value", "sources"}, func(key string, v *node, p string) {
		if key == "value" {
			hasValue = value(v, p)
			if !hasValue && len(l.errs) == before {
				l.add(p, "invalid value")
			}
			return
		}
		hasSources = readSources(l, v, p, sources)
	}) {
		return false
	}
	if n.get("value") == nil {
		l.add(path, "missing \"value\"")
	}
	if n.get("sources") == nil {
		l.add(path, "missing \"sources\": every fact needs at least one source")
	}
	return hasValue && hasSources && len(l.errs) == before
}

var sourceKinds = []string{safeguard.FactFromReferral, safeguard.FactFromScanReport, safeguard.FactFromAnalyst}

func readSources(l *errList, n *node, path string, out *[]safeguard.FactSource) bool {
	if n.kind != 'a' {
		l.add(path, "want an array of sources, got %s", n.typeName())
		return false
	} else if len(n.items) == 0 {
		l.add(path, "every fact needs at least one source")
		return false
	}
	before := len(l.errs)
	for i, it := range n.items {
		ip := joinIndex(path, i)
		var s safeguard.FactSource
		l.object(it, ip, []string{"kind", "ref", "by", "at"}, func(key string, v *node, p string) {
			str, ok := l.str(v, p)
			if !ok {
				return
			} else if len(str) > maxText {
				l.add(p, "longer than %d characters", maxText)
				return
			}
			switch key {
			case "kind":
				if !contains(sourceKinds, str) {
					l.add(p, "%s is not one of: %s", strconv.Quote(str), strings.Join(sourceKinds, ", "))
				}
				s.Kind = str
			case "ref":
				s.Ref = str
			case "by":
				s.By = str
			case "at":
				t, err := time.Parse(time.RFC3339, str)
				if err != nil {
					l.add(p, "%s is not an RFC 3339 time with an offset (e.g. 2026-03-01T10:00:00Z)", strconv.Quote(str))
					return
				}
				s.At = t.UTC()
			}
		})
		if it.kind != 'o' {
			continue
		}
		switch {
		case it.get("kind") == nil:
			l.add(ip, "missing \"kind\" (referral, scan_report or analyst)")
		case it.get("at") == nil:
			l.add(ip, "missing \"at\": when the fact was recorded")
		case s.Kind == safeguard.FactFromAnalyst && s.By == "":
			l.add(ip, "an analyst entry needs \"by\"")
		case (s.Kind == safeguard.FactFromReferral || s.Kind == safeguard.FactFromScanReport) && s.Ref == "":
			l.add(ip, "a %s source needs \"ref\"", s.Kind)
		}
		*out = append(*out, s)
	}
	return len(l.errs) == before
}

// normalWord lower-cases a word and joins its parts with underscores, so
// "Scout leader" and "scout-leader" are both scout_leader.
func normalWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

func validWord(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
