package vics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"safeguard"
)

// WriteOptions control how entries are written.
type WriteOptions struct {
	// Region is the data-model variant named in @odata.context: "US", "UK"
	// or "Default" (the default).
	Region string
}

// contextURL is the VICS 2.0 @odata.context, by region and entity set.
const contextURL = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/%s/$metadata#%s"

// Write writes entries as a VICS 2.0 file, streaming: a hash set
// (value[] of Media), or a case file (value[] of cases holding Media) when
// the first entry came from a case. Each entry's Extra is written back, so
// Read gives the same entries again. It stops at the first error from
// entries.
func Write(w io.Writer, entries iter.Seq2[*safeguard.BankEntry, error], opt WriteOptions) error {
	region := opt.Region
	if region == "" {
		region = "Default"
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		started, cases, inCase bool
		curCase                json.RawMessage
		n                      int // items written in the current array
		buf                    bytes.Buffer
	)
	header := func(set string) {
		bw.WriteString(`{"@odata.context":`)
		buf.Reset()
		writeString(&buf, fmt.Sprintf(contextURL, region, set))
		bw.Write(buf.Bytes())
		bw.WriteString(`,"value":[`)
		started = true
	}
	for e, err := range entries {
		if err != nil {
			return err
		}
		fields, err := extraFields(e.Extra)
		if err != nil {
			return fmt.Errorf("entry %q: %w", e.EntryID, err)
		}
		var c json.RawMessage
		if k := len(fields) - 1; k >= 0 && fields[k].key == caseKey && bytes.HasPrefix(fields[k].raw, []byte("{")) {
			c = fields[k].raw
		}
		if !started {
			cases = c != nil
			if cases {
				header("Cases")
			} else {
				header("Media")
			}
		}
		if cases {
			if c != nil {
				fields = fields[:len(fields)-1]
			}
			if !inCase || !bytes.Equal(c, curCase) {
				if inCase {
					bw.WriteString("]}")
					bw.WriteByte(',')
				}
				bw.WriteString("\n{")
				if members := bytes.TrimSuffix(bytes.TrimPrefix(c, []byte("{")), []byte("}")); len(members) > 0 {
					bw.Write(members)
					bw.WriteByte(',')
				}
				bw.WriteString(`"Media":[`)
				inCase, curCase, n = true, c, 0
			}
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		buf.Reset()
		media(&buf, e, fields)
		bw.WriteString("\n")
		bw.Write(buf.Bytes())
	}
	if !started {
		header("Media")
	}
	if inCase {
		bw.WriteString("]}")
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// extraFields splits Extra into its members, in order.
func extraFields(extra json.RawMessage) ([]field, error) {
	if len(extra) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(extra))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("extra is not a JSON object")
	}
	var fields []field
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("extra: %w", err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("extra: %w", err)
		}
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, fmt.Errorf("extra: %w", err)
		}
		fields = append(fields, field{t.(string), b.Bytes()})
	}
	return fields, nil
}

// media writes one Media object: the modelled members, then Extra's in
// order. A modelled member with no value that Extra repeats is written as
// null, so that on reading the repeat stays in Extra.
func media(b *bytes.Buffer, e *safeguard.BankEntry, extra []field) {
	inExtra := func(key string) bool { return has(extra, key) }
	b.WriteByte('{')
	member := func(key string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		writeString(b, key)
		b.WriteByte(':')
	}
	str := func(key, v string) {
		if v != "" {
			member(key)
			writeString(b, v)
		} else if inExtra(key) {
			member(key)
			b.WriteString("null")
		}
	}
	if e.EntryID != "" {
		member("MediaID")
		if isInt(e.EntryID) {
			b.WriteString(e.EntryID)
		} else {
			writeString(b, e.EntryID)
		}
	} else if inExtra("MediaID") {
		member("MediaID")
		b.WriteString("null")
	}
	member("Category")
	switch {
	case e.Category == "" || e.Category == safeguard.Uncategorised:
		b.WriteString("null")
	case isInt(e.Category):
		b.WriteString(e.Category)
	default:
		writeString(b, e.Category)
	}
	str("MD5", e.MD5)
	str("SHA1", e.SHA1)
	str("PhotoDNA", e.PhotoDNA)
	if e.Size != nil {
		member("MediaSize")
		b.WriteString(strconv.FormatInt(*e.Size, 10))
	} else if inExtra("MediaSize") {
		member("MediaSize")
		b.WriteString("null")
	}
	alt := e.PDQ != "" || e.SHA256 != ""
	for _, f := range extra {
		member(f.key)
		if alt && strings.EqualFold(f.key, "AlternativeHashes") && bytes.HasPrefix(f.raw, []byte("[")) {
			alternatives(b, e, f.raw)
			alt = false
			continue
		}
		b.Write(f.raw)
	}
	if alt {
		member("AlternativeHashes")
		alternatives(b, e, nil)
	}
	b.WriteByte('}')
}

// alternatives writes the modelled PDQ and SHA-256 first, then the items
// Read left in Extra.
func alternatives(b *bytes.Buffer, e *safeguard.BankEntry, rest json.RawMessage) {
	b.WriteByte('[')
	n := 0
	if e.PDQ != "" {
		b.WriteString(`{"HashName":"PDQ","HashValue":"` + e.PDQ + `"`)
		if e.Quality != nil {
			b.WriteString(`,"Quality":` + strconv.Itoa(*e.Quality))
		}
		b.WriteByte('}')
		n++
	}
	if e.SHA256 != "" {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"HashName":"SHA256","HashValue":"` + e.SHA256 + `"}`)
		n++
	}
	if items := bytes.TrimSuffix(bytes.TrimPrefix(rest, []byte("[")), []byte("]")); len(items) > 0 {
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(items)
	}
	b.WriteByte(']')
}

// isInt reports whether s is a JSON integer literal without leading zeros,
// so that writing it as a number reads back as the same text.
func isInt(s string) bool {
	t := strings.TrimPrefix(s, "-")
	if t == "" || (len(t) > 1 && t[0] == '0') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}
