package cybertip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Default limits. A CyberTipline report is a few kilobytes; the defaults
// leave generous room while keeping a hostile document from exhausting
// memory or the stack.
const (
	DefaultMaxBytes     = 16 << 20 // per document
	DefaultMaxDepth     = 64
	DefaultMaxElements  = 100_000
	DefaultMaxTextBytes = 1 << 20 // character data of one element
	DefaultMaxAttrBytes = 8 << 10 // one attribute value
)

// maxAttrs bounds the attributes of one element; the schema's most is five.
const maxAttrs = 64

// Limits bounds what one document may cost to parse. A zero field takes its
// default.
type Limits struct {
	MaxBytes     int64 // size of the document
	MaxDepth     int   // nesting of elements, the root being depth 1
	MaxElements  int   // elements in the document
	MaxTextBytes int   // character data directly inside one element
	MaxAttrBytes int   // one attribute value
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = DefaultMaxTextBytes
	}
	if l.MaxAttrBytes <= 0 {
		l.MaxAttrBytes = DefaultMaxAttrBytes
	}
	return l
}

// node is one element of a document read within Limits. The tree it forms
// is bounded by MaxElements, MaxTextBytes and MaxAttrBytes, so its size is
// bounded too; mapping it to a Report is then plain code with paths and
// lines at hand for every error.
type node struct {
	name     string
	parent   *node
	index    int // among the parent's children of the same name, from 1
	line     int
	attrs    []xml.Attr
	text     strings.Builder
	children []*node
	mixed    bool // text after a child element
}

// path returns the element path, e.g.
// /report/personOrUserReported[2]/ipCaptureEvent: an index only from the
// second of a name on, since a streaming reader cannot know whether a
// second will follow. It is built on demand (for an error) so that a deep
// document of long names costs memory in proportion to its size.
func (n *node) path() string {
	var segs []string
	for m := n; m != nil; m = m.parent {
		s := safeName(m.name)
		if m.index > 1 {
			s += "[" + strconv.Itoa(m.index) + "]"
		}
		segs = append(segs, s)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(segs[i])
	}
	return b.String()
}

// attrNode returns a node standing for n's attribute name, for errors.
func (n *node) attrNode(name, value string) *node {
	return &node{name: "@" + name, parent: n, line: n.line, text: builder(value)}
}

// child returns the first child named name, or nil.
func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// single returns the child named name, or nil, refusing a second one: for
// an element the schema allows once (an event's ipAddress, dateTime or
// port, a file's reportId or fileViewedByEsp), two values leave no way to
// tell which is right, and taking the first would be a guess.
func (n *node) single(name string) (*node, error) {
	var first *node
	for _, c := range n.children {
		if c.name != name {
			continue
		}
		if first != nil {
			return nil, c.errorf("a second %s where the schema allows one: which is right cannot be told", name)
		}
		first = c
	}
	return first, nil
}

// all returns the children named name, in document order.
func (n *node) all(name string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// value returns the trimmed text of the first child named name, or "".
func (n *node) value(name string) string {
	if c := n.child(name); c != nil {
		return c.str()
	}
	return ""
}

// str returns the element's own text, trimmed of surrounding white space.
func (n *node) str() string { return strings.TrimSpace(n.text.String()) }

// plain returns an error unless n is a plain value: no child elements and
// no text beside them. The schema has no mixed content, and a value read
// around a child element (<ipAddress>192.0.2.1<b/>0</ipAddress>) would be
// a different value from the one the sender meant.
func (n *node) plain() error {
	if len(n.children) > 0 || n.mixed {
		return n.errorf("has child elements where a plain value belongs")
	}
	return nil
}

// attr returns the trimmed value of the attribute named name (in no
// namespace: xsi:type is not type), or "".
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// errorf returns a ParseError located at n.
func (n *node) errorf(format string, args ...any) error {
	return &ParseError{Line: n.line, Path: n.path(), Reason: fmt.Sprintf(format, args...)}
}

// ParseError says where and why a document was refused. Reason never quotes
// personal data from the document, so the error may be logged.
type ParseError struct {
	Line   int    // 1-based line of the offending element, 0 if unknown
	Path   string // element path, e.g. /report/internetDetails/peer2peerIncident/ipCaptureEvent[2]/ipAddress
	Reason string
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Where returns the location part of the error ("line 12, /report/...").
func (e *ParseError) Where() string {
	switch {
	case e.Line > 0 && e.Path != "":
		return fmt.Sprintf("line %d, %s", e.Line, e.Path)
	case e.Line > 0:
		return fmt.Sprintf("line %d", e.Line)
	}
	return e.Path
}

// readTree reads one XML document of at most lim.MaxBytes bytes into a tree
// through xml.Decoder.Token, refusing any DTD, more than one root, and
// anything past the limits. The root must be one of roots.
func readTree(doc []byte, lim Limits, roots ...string) (*node, error) {
	if int64(len(doc)) > lim.MaxBytes {
		return nil, &ParseError{Reason: fmt.Sprintf("document is %d bytes, over the limit of %d", len(doc), lim.MaxBytes)}
	}
	src, utf16, err := utf8Source(doc)
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	// Only the five predefined entities and character references; Strict
	// mode already refuses any other, and a DOCTYPE is refused below.
	d.Entity = nil
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) { return charsetReader(label, in, utf16) }
	var (
		root     *node
		stack    []*node
		counts   []map[string]int // per open element: children seen by name
		elements int
	)
	curPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].path()
	}
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		// The position before the token is where it starts: white space
		// between elements is a token of its own.
		start, _ := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &ParseError{Line: se.Line, Path: curPath(), Reason: "malformed XML: " + se.Msg}
			}
			return nil, &ParseError{Line: line(), Path: curPath(), Reason: "malformed XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if elements > lim.MaxElements {
				return nil, &ParseError{Line: start, Path: curPath(), Reason: fmt.Sprintf("more than %d elements", lim.MaxElements)}
			}
			name := t.Name.Local
			if t.Name.Space != "" && len(stack) > 0 {
				// The schema has no target namespace: an element in a
				// namespace is none of ours, whatever its local name, and is
				// skipped like any unknown element.
				name = "{" + t.Name.Space + "}" + name
			}
			n := &node{name: name, index: 1, line: start}
			if len(stack) == 0 {
				if root != nil {
					return nil, &ParseError{Line: n.line, Path: "/" + safeName(name), Reason: "a second root element"}
				}
				if t.Name.Space != "" {
					return nil, &ParseError{Line: n.line, Path: "/" + safeName(name), Reason: fmt.Sprintf("root element <%s> in namespace %q: the CyberTipline schema's elements are in no namespace", safeName(name), safeName(t.Name.Space))}
				}
				if !contains(roots, name) {
					return nil, &ParseError{Line: n.line, Path: "/" + safeName(name), Reason: fmt.Sprintf("root element <%s>, want <%s>", safeName(name), strings.Join(roots, "> or <"))}
				}
				root = n
			} else {
				c := counts[len(counts)-1]
				c[name]++
				n.index = c[name]
				n.parent = stack[len(stack)-1]
			}
			if len(stack)+1 > lim.MaxDepth {
				return nil, &ParseError{Line: n.line, Path: n.path(), Reason: fmt.Sprintf("elements nested deeper than %d", lim.MaxDepth)}
			}
			if len(t.Attr) > maxAttrs {
				return nil, &ParseError{Line: n.line, Path: n.path(), Reason: fmt.Sprintf("more than %d attributes", maxAttrs)}
			}
			for _, a := range t.Attr {
				if len(a.Value) > lim.MaxAttrBytes {
					return nil, &ParseError{Line: n.line, Path: n.path() + "/@" + safeName(a.Name.Local), Reason: fmt.Sprintf("attribute longer than %d bytes", lim.MaxAttrBytes)}
				}
			}
			n.attrs = t.Copy().Attr
			if n.parent != nil {
				n.parent.children = append(n.parent.children, n)
			}
			stack = append(stack, n)
			counts = append(counts, map[string]int{})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			counts = counts[:len(counts)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, &ParseError{Line: start, Reason: "text outside the root element"}
				}
				continue
			}
			n := stack[len(stack)-1]
			if len(n.children) > 0 {
				// Text between child elements is indentation (the schema has
				// no mixed content) and is never read: not kept. Text beside
				// children is not a value: plain refuses such an element.
				n.mixed = n.mixed || len(bytes.TrimSpace(t)) > 0
				continue
			}
			if n.text.Len()+len(t) > lim.MaxTextBytes {
				return nil, &ParseError{Line: start, Path: n.path(), Reason: fmt.Sprintf("text longer than %d bytes", lim.MaxTextBytes)}
			}
			n.text.Write(t)
		case xml.Directive:
			// <!DOCTYPE ...> with or without <!ENTITY ...>: a DTD can
			// define entities that expand without bound, or name external
			// resources. Neither has any place in a CyberTipline report.
			return nil, &ParseError{Line: start, Path: curPath(), Reason: "DOCTYPE or other declaration (<!...>) not allowed"}
		case xml.ProcInst, xml.Comment:
			// The XML declaration, comments and processing instructions carry
			// nothing we read.
		}
	}
	if root == nil {
		return nil, &ParseError{Line: line(), Reason: "no root element"}
	}
	return root, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// safeName shortens an element name from a hostile document for an error
// message.
func safeName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
