package vics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"safeguard"
)

// Options control how a VICS file is read.
type Options struct {
	// Scheme is the bank's category scheme (default Project VIC).
	// Categories are checked against it, never translated.
	Scheme safeguard.Scheme
}

// caseKey is the key under which Extra keeps the fields of the case a Media
// came from. It is an OData-style annotation of our own, so that it cannot
// be mistaken for a member of a VICS Media object.
const caseKey = "@safeguard.case"

// field is one member of a JSON object: its key and compact raw value.
type field struct {
	key string
	raw json.RawMessage
}

// errStop ends parsing when the consumer stops ranging.
var errStop = errors.New("stop")

// Read returns the Media of a VICS hash set or case file as entries, one at
// a time: memory does not grow with the file. It stops at the first error,
// which names the JSON path and is EINVALID.
func Read(r io.Reader, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		p := &parser{dec: json.NewDecoder(r), scheme: opt.Scheme, yield: yield}
		if p.scheme == "" {
			p.scheme = safeguard.SchemeVIC
		}
		p.dec.UseNumber()
		if err := p.document(); err != nil && err != errStop {
			yield(nil, err)
		}
	}
}

type parser struct {
	dec    *json.Decoder
	scheme safeguard.Scheme
	yield  func(*safeguard.BankEntry, error) bool
}

// syntax turns a decoder error into EINVALID with the byte offset.
func (p *parser) syntax(path string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return safeguard.WrapError(safeguard.EINVALID, err, "%s: invalid JSON at byte %d: %s", path, se.Offset, se)
	}
	return safeguard.WrapError(safeguard.EINVALID, err, "%s: invalid JSON near byte %d: %s", path, p.dec.InputOffset(), err)
}

func invalid(path string, format string, args ...any) error {
	return safeguard.Errorf(safeguard.EINVALID, "%s: %s", path, fmt.Sprintf(format, args...))
}

// delim reads the next token and checks it is d.
func (p *parser) delim(path string, d json.Delim, what string) error {
	t, err := p.dec.Token()
	if err != nil {
		return p.syntax(path, err)
	}
	if t != d {
		return invalid(path, "want %s, got %s", what, describe(t))
	}
	return nil
}

func describe(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '{' || v == '}' {
			return "an object"
		}
		return "an array"
	case string:
		return fmt.Sprintf("the string %.40q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}

// key reads an object member's name.
func (p *parser) key(path string) (string, error) {
	t, err := p.dec.Token()
	if err != nil {
		return "", p.syntax(path, err)
	}
	// The decoder guarantees a string here, but leaves invalid UTF-8 in a
	// member name as it is; taking it as U+FFFD now, as any JSON writer
	// will, keeps an export byte for byte what the next import reads.
	return strings.ToValidUTF8(t.(string), "\uFFFD"), nil
}

// raw reads one whole value, compacted so Extra is canonical.
func (p *parser) raw(path string) (json.RawMessage, error) {
	var m json.RawMessage
	if err := p.dec.Decode(&m); err != nil {
		return nil, p.syntax(path, err)
	}
	// Invalid UTF-8 is kept by the decoder in raw values; any JSON writer
	// turns it into U+FFFD, so do that now and an export reads back the same.
	m = bytes.ToValidUTF8(m, []byte("\uFFFD"))
	if bytes.IndexAny(m, " \t\r\n") < 0 {
		return m, nil // compact already
	}
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		return nil, p.syntax(path, err)
	}
	return b.Bytes(), nil
}

// document reads {"@odata.context": ..., "value": [...], ...}.
func (p *parser) document() error {
	if err := p.delim("$", '{', "a VICS JSON object"); err != nil {
		return err
	}
	sawValue := false
	for p.dec.More() {
		k, err := p.key("$")
		if err != nil {
			return err
		}
		if k != "value" {
			// @odata.context / odata.metadata, counts: regenerated on export.
			if _, err := p.raw(k); err != nil {
				return err
			}
			continue
		}
		sawValue = true
		t, err := p.dec.Token()
		if err != nil {
			return p.syntax("value", err)
		} else if t == nil {
			continue
		} else if t != json.Delim('[') {
			return invalid("value", "want an array, got %s", describe(t))
		}
		for i := 0; p.dec.More(); i++ {
			if err := p.element(fmt.Sprintf("value[%d]", i)); err != nil {
				return err
			}
		}
		if err := p.delim("value", ']', "the end of the array"); err != nil {
			return err
		}
	}
	if err := p.delim("$", '}', "the end of the object"); err != nil {
		return err
	}
	if !sawValue {
		return invalid("$", `no "value" array: not a VICS file`)
	}
	return nil
}

// element reads one member of value[]: a Media, or a case holding Media.
func (p *parser) element(path string) error {
	if err := p.delim(path, '{', "an object"); err != nil {
		return err
	}
	var fields []field
	isCase := false
	for p.dec.More() {
		k, err := p.key(path)
		if err != nil {
			return err
		}
		if !strings.EqualFold(k, "Media") || isCase {
			v, err := p.raw(path + "." + k)
			if err != nil {
				return err
			}
			if !isCase { // case fields after the Media array are not kept (see doc.go)
				fields = append(fields, field{k, v})
			}
			continue
		}
		isCase = true
		mpath := path + "." + k
		t, err := p.dec.Token()
		if err != nil {
			return p.syntax(mpath, err)
		} else if t == nil {
			continue
		} else if t != json.Delim('[') {
			return invalid(mpath, "want an array of Media, got %s", describe(t))
		}
		caseRaw := object(fields)
		for j := 0; p.dec.More(); j++ {
			if err := p.media(fmt.Sprintf("%s[%d]", mpath, j), caseRaw); err != nil {
				return err
			}
		}
		if err := p.delim(mpath, ']', "the end of the array"); err != nil {
			return err
		}
	}
	if err := p.delim(path, '}', "the end of the object"); err != nil {
		return err
	}
	if isCase || (has(fields, "CaseID") && !has(fields, "MediaID")) {
		return nil // a case, perhaps without Media
	}
	return p.emit(path, fields, nil)
}

// media reads one Media object of a case: one Decode, then a split of the
// compacted object, which is much cheaper than a Token per member.
func (p *parser) media(path string, caseRaw json.RawMessage) error {
	raw, err := p.raw(path)
	if err != nil {
		return err
	}
	if raw[0] != '{' {
		return invalid(path, "want a Media object, got %.40s", raw)
	}
	return p.emit(path, members(raw), caseRaw)
}

// members splits a compact JSON object, already checked by the decoder,
// into its members. Values share raw's memory.
func members(raw []byte) []field {
	var fields []field
	i := 1
	for i < len(raw) && raw[i] != '}' {
		j := endOfString(raw, i)
		var key string
		if k := raw[i+1 : j-1]; bytes.IndexByte(k, '\\') < 0 {
			key = string(k)
		} else {
			json.Unmarshal(raw[i:j], &key)
		}
		i = j + 1 // the colon
		j = endOfValue(raw, i)
		fields = append(fields, field{key, raw[i:j]})
		i = j
		if i < len(raw) && raw[i] == ',' {
			i++
		}
	}
	return fields
}

// endOfString returns the index after the string starting at b[i].
func endOfString(b []byte, i int) int {
	for p := i + 1; p < len(b); p++ {
		switch b[p] {
		case '\\':
			p++
		case '"':
			return p + 1
		}
	}
	return len(b)
}

// endOfValue returns the index after the compact value starting at b[i].
func endOfValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return endOfString(b, i)
	case '{', '[':
		depth := 0
		for p := i; p < len(b); p++ {
			switch b[p] {
			case '"':
				p = endOfString(b, p) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return p + 1
				}
			}
		}
		return len(b)
	}
	p := i
	for p < len(b) && b[p] != ',' && b[p] != '}' && b[p] != ']' {
		p++
	}
	return p
}

func (p *parser) emit(path string, fields []field, caseRaw json.RawMessage) error {
	e, err := entry(path, fields, caseRaw, p.scheme)
	if err != nil {
		return err
	}
	if !p.yield(e, nil) {
		return errStop
	}
	return nil
}

func has(fields []field, key string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.key, key) {
			return true
		}
	}
	return false
}

// object encodes fields as a compact JSON object, nil when there are none.
func object(fields []field) json.RawMessage {
	if len(fields) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(&b, f.key)
		b.WriteByte(':')
		b.Write(f.raw)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeString writes s as a JSON string without HTML escaping, so that
// compacted input and our output agree byte for byte.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}
