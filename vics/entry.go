package vics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"safeguard"
	"safeguard/hashlist"
)

// entry maps one Media object's members to a BankEntry. The first
// occurrence of a modelled member is modelled; everything else, repeats
// included, is kept in Extra in order, so that Write can give it back.
func entry(path string, fields []field, caseRaw json.RawMessage, scheme safeguard.Scheme) (*safeguard.BankEntry, error) {
	e := &safeguard.BankEntry{Category: safeguard.Uncategorised}
	var extra []field
	seen := map[string]bool{}
	for _, f := range fields {
		lk := strings.ToLower(f.key)
		fp := path + "." + f.key
		if seen[lk] {
			extra = append(extra, f)
			continue
		}
		var err error
		switch lk {
		case "mediaid":
			e.EntryID, err = mediaID(f.raw)
		case "category":
			e.Category, err = category(f.raw, scheme)
		case "md5":
			e.MD5, err = hexString(hashlist.MD5, f.raw)
		case "sha1":
			e.SHA1, err = hexString(hashlist.SHA1, f.raw)
		case "mediasize":
			e.Size, err = size(f.raw)
		case "photodna":
			var s *string
			if json.Unmarshal(f.raw, &s) != nil {
				extra = append(extra, f) // not a string: kept, not modelled
				continue
			} else if s != nil {
				e.PhotoDNA = *s
			}
		case "alternativehashes":
			var rest json.RawMessage
			rest, err = alternativeHashes(fp, f.raw, e)
			if rest != nil {
				extra = append(extra, field{f.key, rest})
			}
		default:
			extra = append(extra, f)
			continue
		}
		if err != nil {
			var se *safeguard.Error
			if errors.As(err, &se) {
				return nil, err
			}
			return nil, invalid(fp, "%s", err)
		}
		seen[lk] = true
	}
	if caseRaw != nil {
		extra = append(extra, field{caseKey, caseRaw})
	}
	e.Extra = object(extra)
	return e, nil
}

// scalar returns the text of a string without escapes or of a number, the
// common cases, without the cost of a decoder.
func scalar(raw json.RawMessage) (s string, isString, ok bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true, true
	}
	if len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9') {
		return string(raw), false, true
	}
	return "", false, false
}

func mediaID(raw json.RawMessage) (string, error) {
	if s, _, ok := scalar(raw); ok {
		return s, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch id := v.(type) {
	case nil:
		return "", nil
	case json.Number:
		return id.String(), nil
	case string:
		return id, nil
	}
	return "", fmt.Errorf("MediaID %s is neither a number nor a string", raw)
}

func category(raw json.RawMessage, scheme safeguard.Scheme) (string, error) {
	if s, _, ok := scalar(raw); ok {
		return hashlist.Category(scheme, s)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch c := v.(type) {
	case nil:
		return safeguard.Uncategorised, nil
	case json.Number:
		return hashlist.Category(scheme, c.String())
	case string:
		return hashlist.Category(scheme, c)
	}
	return "", fmt.Errorf("category %s is neither a number nor a string", raw)
}

func hexString(k hashlist.Kind, raw json.RawMessage) (string, error) {
	if v, isString, ok := scalar(raw); ok && isString {
		if v == "" {
			return "", nil
		}
		return hashlist.NormalizeHex(k, strings.TrimSpace(v))
	}
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s %.80s is not a string", k, raw)
	}
	if s == nil || *s == "" {
		return "", nil
	}
	return hashlist.NormalizeHex(k, strings.TrimSpace(*s))
}

func size(raw json.RawMessage) (*int64, error) {
	if s, _, ok := scalar(raw); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("MediaSize %.40q is not a whole number of bytes", s)
		}
		return &n, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var s string
	switch n := v.(type) {
	case nil:
		return nil, nil
	case json.Number:
		s = n.String()
	case string:
		s = strings.TrimSpace(n)
	default:
		return nil, fmt.Errorf("MediaSize %.40s is not a number", raw)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("MediaSize %.40q is not a whole number of bytes", s)
	}
	return &n, nil
}

// altHash is an AlternativeHashes item Safeguard models: PDQ (with an
// optional Quality) or SHA-256.
type altHash struct {
	name, value string
	quality     *int
	other       bool // has members beyond HashName, HashValue, Quality
}

// alternativeHashes takes the first PDQ and the first SHA-256 out of the
// AlternativeHashes array into e and returns the items left (nil if none).
// An item with members Safeguard does not model is also kept whole in the
// rest, so nothing of it is lost.
func alternativeHashes(path string, raw json.RawMessage, e *safeguard.BankEntry) (json.RawMessage, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	items := elements(raw)
	if len(items) == 0 {
		return raw, nil // not an array, or empty: kept as it is
	}
	var rest [][]byte
	for i, item := range items {
		h, ok := parseAltHash(item)
		var dst *string
		var kind hashlist.Kind
		switch {
		case ok && strings.EqualFold(h.name, "PDQ") && e.PDQ == "":
			dst, kind = &e.PDQ, hashlist.PDQ
		case ok && (strings.EqualFold(h.name, "SHA256") || strings.EqualFold(h.name, "SHA-256")) && e.SHA256 == "":
			dst, kind = &e.SHA256, hashlist.SHA256
		}
		if dst == nil {
			rest = append(rest, item)
			continue
		}
		v, err := hashlist.NormalizeHex(kind, strings.TrimSpace(h.value))
		if err != nil {
			return nil, invalid(fmt.Sprintf("%s[%d].HashValue", path, i), "%s", err)
		}
		*dst = v
		if kind == hashlist.PDQ && h.quality != nil {
			if *h.quality < 0 || *h.quality > 100 {
				return nil, invalid(fmt.Sprintf("%s[%d].Quality", path, i), "quality %d is not from 0 to 100", *h.quality)
			}
			e.Quality = h.quality
		}
		if h.other {
			rest = append(rest, item)
		}
	}
	if len(rest) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range rest {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

func parseAltHash(raw []byte) (altHash, bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return altHash{}, false
	}
	var h altHash
	var okName, okValue bool
	seen := map[string]bool{}
	for _, f := range members(raw) {
		lk := strings.ToLower(f.key)
		if seen[lk] {
			h.other = true
			continue
		}
		seen[lk] = true
		switch lk {
		case "hashname":
			h.name, okName = str(f.raw)
		case "hashvalue":
			h.value, okValue = str(f.raw)
		case "quality":
			var q int
			if json.Unmarshal(f.raw, &q) == nil {
				h.quality = &q
			} else {
				h.other = true
			}
		default:
			h.other = true
		}
	}
	if !strings.EqualFold(h.name, "PDQ") && h.quality != nil {
		h.other, h.quality = true, nil // only PDQ has a quality
	}
	return h, okName && okValue
}

// str returns a JSON string's value; ok is false for anything else.
func str(raw json.RawMessage) (string, bool) {
	if s, isString, ok := scalar(raw); ok {
		return s, isString
	}
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// elements splits a compact JSON array, already checked by the decoder,
// into its elements; nil if raw is not an array.
func elements(raw []byte) [][]byte {
	if len(raw) < 2 || raw[0] != '[' {
		return nil
	}
	var out [][]byte
	for i := 1; i < len(raw) && raw[i] != ']'; {
		j := endOfValue(raw, i)
		out = append(out, raw[i:j])
		i = j
		if i < len(raw) && raw[i] == ',' {
			i++
		}
	}
	return out
}
