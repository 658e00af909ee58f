package risk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxDepth bounds nesting so a hostile document cannot exhaust the stack.
const maxDepth = 64

// maxErrors bounds how many path errors one document reports.
const maxErrors = 50

// node is a parsed JSON value that keeps the order of object members, so
// errors come out in document order and duplicate keys can be refused.
type node struct {
	kind  byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys  []string
	vals  []*node
	items []*node
	str   string
	num   json.Number
	b     bool
}

// typeName names n's JSON type for error messages.
func (n *node) typeName() string {
	switch n.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// parseTree parses one JSON document. Syntax errors name the line and
// column; duplicate object keys are errors naming their path.
func parseTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec, "", 0)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = fmt.Errorf("unexpected data after the JSON document")
		}
	}
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("line %d, column %d: %s", line, col, se.Error())
		} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("unexpected end of JSON input")
		}
		return nil, err
	}
	return n, nil
}

func readNode(dec *json.Decoder, path string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nested more than %d deep", rootName(path), maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string) // the decoder only yields string keys inside an object
				kp := joinKey(path, k)
				if seen[k] {
					return nil, fmt.Errorf("%s: duplicate key", kp)
				}
				seen[k] = true
				v, err := readNode(dec, kp, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys, n.vals = append(n.keys, k), append(n.vals, v)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &node{kind: 'a'}
			for i := 0; dec.More(); i++ {
				v, err := readNode(dec, joinIndex(path, i), depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
	case string:
		return &node{kind: 's', str: t}, nil
	case json.Number:
		return &node{kind: 'n', num: t}, nil
	case bool:
		return &node{kind: 'b', b: t}, nil
	case nil:
		return &node{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("%s: unexpected token %v", rootName(path), tok)
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// joinKey extends a path by an object key, quoting keys that are not plain
// words so a path is never ambiguous.
func joinKey(path, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
		if path == "" {
			return "[" + key + "]"
		}
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func rootName(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

// PathError is one problem in a policy or facts document, at a path such as
// rules[3].when.any[0].fact.
type PathError struct {
	Path    string
	Message string
}

// Error returns "PATH: MESSAGE".
func (e PathError) Error() string { return rootName(e.Path) + ": " + e.Message }

// ValidationError lists every problem found in a document, in document
// order (at most 50).
type ValidationError struct {
	What   string // "policy" or "facts"
	Errors []PathError
}

// Error lists every problem on one line.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, pe := range e.Errors {
		msgs[i] = pe.Error()
	}
	return fmt.Sprintf("invalid %s: %s", e.What, strings.Join(msgs, "; "))
}

// errList collects path errors while a document is checked.
type errList struct {
	errs []PathError
}

func (l *errList) add(path, format string, args ...any) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, PathError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
}

func (l *errList) full() bool { return len(l.errs) >= maxErrors }

// object checks that n is an object and calls fn for each member, reporting
// keys fn does not know. known lists the allowed keys for the message.
func (l *errList) object(n *node, path string, known []string, fn func(key string, v *node, path string)) bool {
	if n.kind != 'o' {
		l.add(path, "want an object, got %s", n.typeName())
		return false
	}
	for i, k := range n.keys {
		kp := joinKey(path, k)
		if !contains(known, k) {
			l.add(kp, "unknown field %s (want one of: %s)", strconv.Quote(k), strings.Join(known, ", "))
			continue
		}
		fn(k, n.vals[i], kp)
	}
	return true
}

// get returns the member named key, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (l *errList) str(n *node, path string) (string, bool) {
	if n.kind != 's' {
		l.add(path, "want a string, got %s", n.typeName())
		return "", false
	}
	return n.str, true
}

func (l *errList) integer(n *node, path string, min, max int64) (int64, bool) {
	if n.kind != 'n' {
		l.add(path, "want a whole number, got %s", n.typeName())
		return 0, false
	}
	v, err := strconv.ParseInt(n.num.String(), 10, 64)
	if err != nil {
		l.add(path, "want a whole number, got %s", n.num)
		return 0, false
	} else if v < min || v > max {
		l.add(path, "%d is out of range (%d to %d)", v, min, max)
		return 0, false
	}
	return v, true
}

func (l *errList) boolean(n *node, path string) (bool, bool) {
	if n.kind != 'b' {
		l.add(path, "want true or false, got %s", n.typeName())
		return false, false
	}
	return n.b, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
