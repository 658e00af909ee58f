package hashlist

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"safeguard"
)

// Options control how a list is read.
type Options struct {
	// Scheme is the bank's category scheme. Empty means: take it from the
	// first category that implies one (A/B/C/not indecent: uk; 0-4: vic)
	// and hold every later category to it.
	Scheme safeguard.Scheme
	// Kind says what a 64-digit hash in a plain list is: SHA256 (the
	// default) or PDQ. MD5 or SHA1 make every line of a plain list that
	// kind.
	Kind Kind
}

// Read returns the entries of r read as format f, which must not be
// FormatVICS (package vics reads that).
func Read(r io.Reader, f Format, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	switch f {
	case FormatCSV:
		return ReadCSV(r, opt)
	case FormatHashdeep:
		return ReadHashdeep(r, opt)
	case FormatPlain:
		return ReadPlain(r, opt)
	case FormatPDQ:
		return ReadPDQ(r, opt)
	}
	return func(yield func(*safeguard.BankEntry, error) bool) {
		yield(nil, safeguard.Errorf(safeguard.EINVALID, "hashlist cannot read format %q", f))
	}
}

func lineError(n int, err error) error {
	return safeguard.WrapError(safeguard.EINVALID, err, "line %d: %s", n, err)
}

// csvColumns are the CSV header names understood, lower case.
var csvColumns = map[string]string{
	"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256",
	"pdq": "pdq", "category": "category", "id": "entry_id", "entry_id": "entry_id",
	"quality": "quality", "size": "size", "photodna": "photodna",
}

// ReadCSV reads a CSV list whose first row is a header naming any subset of
// md5, sha1, sha256, pdq, category, entry_id (or id), quality, size and
// photodna, in any order and case. Other columns are ignored. Lines
// starting with # are comments.
func ReadCSV(r io.Reader, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.Comment = '#'
		cr.ReuseRecord = true
		cat := categorizer{scheme: opt.Scheme}
		col := map[string]int{}
		header := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				if header {
					yield(nil, safeguard.Errorf(safeguard.EINVALID, "empty CSV: no header"))
				}
				return
			}
			if err != nil {
				line := 0
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					line, err = pe.Line, pe.Err
				}
				yield(nil, lineError(line, err))
				return
			}
			line, _ := cr.FieldPos(0)
			if header {
				header = false
				if err := csvHeader(rec, col); err != nil {
					yield(nil, lineError(line, err))
					return
				}
				continue
			}
			e, err := csvRow(rec, col, line, &cat)
			if err != nil {
				yield(nil, lineError(line, err))
				return
			}
			if e != nil && !yield(e, nil) {
				return
			}
		}
	}
}

func csvHeader(rec []string, col map[string]int) error {
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		name, ok := csvColumns[h]
		if !ok {
			continue
		}
		if _, dup := col[name]; dup {
			return fmt.Errorf("column %q appears twice in the header", h)
		}
		col[name] = i
	}
	for _, k := range []string{"md5", "sha1", "sha256", "pdq", "photodna"} {
		if _, ok := col[k]; ok {
			return nil
		}
	}
	return fmt.Errorf("header %.80q has no md5, sha1, sha256 or pdq column", strings.Join(rec, ","))
}

// csvRow returns the entry of one row, or nil for a row with no values.
func csvRow(rec []string, col map[string]int, line int, cat *categorizer) (*safeguard.BankEntry, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e := &safeguard.BankEntry{EntryID: get("entry_id")}
	hashes := []struct {
		kind Kind
		dst  *string
	}{{MD5, &e.MD5}, {SHA1, &e.SHA1}, {SHA256, &e.SHA256}, {PDQ, &e.PDQ}}
	empty := true
	for _, h := range hashes {
		if v := get(string(h.kind)); v != "" {
			empty = false
			n, err := NormalizeHex(h.kind, v)
			if err != nil {
				return nil, err
			}
			*h.dst = n
		}
	}
	e.PhotoDNA = get("photodna")
	if e.PhotoDNA == "" && empty {
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				return nil, fmt.Errorf("no md5, sha1, sha256, pdq or photodna value")
			}
		}
		return nil, nil // a blank row
	}
	var err error
	if e.Category, err = cat.category(get("category"), fmt.Sprintf("line %d", line)); err != nil {
		return nil, err
	}
	if v := get("quality"); v != "" {
		q, err := parseQuality(v)
		if err != nil {
			return nil, err
		}
		e.Quality = &q
	}
	if v := get("size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("size %.40q is not a whole number of bytes", v)
		}
		e.Size = &n
	}
	if e.EntryID == "" {
		e.EntryID = strconv.Itoa(line)
	}
	return e, nil
}

func parseQuality(v string) (int, error) {
	q, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || q < 0 || q > 100 {
		return 0, fmt.Errorf("quality %.40q is not a whole number from 0 to 100", v)
	}
	return q, nil
}

// lines calls fn with each line of r (without its end of line) and its
// number, stopping at the first error or when fn returns false.
func lines(r io.Reader, fn func(n int, line string) (bool, error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if more, err := fn(n, line); err != nil {
			return lineError(n, err)
		} else if !more {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return lineError(n+1, err)
	}
	return nil
}

// extra encodes fields (name, value pairs) as a JSON object, in order.
func extra(kv ...string) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(kv[i]))
		b.WriteByte(':')
		b.Write(jsonString(kv[i+1]))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimRight(b.Bytes(), "\n")
}

// ReadHashdeep reads a hashdeep file: a "%%%% HASHDEEP-1.0" line, a
// "%%%% size,md5,...,filename" line naming the columns, "##" comments, then
// one file a line. The file name goes into Extra; tiger and whirlpool
// digests, which Safeguard does not match, too. Entries are uncategorised.
func ReadHashdeep(r io.Reader, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		var cols []string
		err := lines(r, func(n int, line string) (bool, error) {
			switch {
			case n == 1:
				if !strings.HasPrefix(line, "%%%% HASHDEEP-") {
					return false, fmt.Errorf("want %q, got %.40q", "%%%% HASHDEEP-1.0", line)
				}
				return true, nil
			case strings.HasPrefix(line, "%%%%") && cols == nil:
				cols = strings.Split(strings.TrimSpace(strings.TrimPrefix(line, "%%%%")), ",")
				return true, hashdeepHeader(cols)
			case strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "":
				return true, nil
			case cols == nil:
				return false, fmt.Errorf("no %q line before the first file", "%%%% size,md5,...,filename")
			}
			e, err := hashdeepRow(cols, line, n)
			if err != nil {
				return false, err
			}
			return yield(e, nil), nil
		})
		if err == nil && cols == nil {
			err = safeguard.Errorf(safeguard.EINVALID, "hashdeep file has no column line")
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

func hashdeepHeader(cols []string) error {
	hashes := 0
	for i, c := range cols {
		c = strings.ToLower(strings.TrimSpace(c))
		cols[i] = c
		switch c {
		case "md5", "sha1", "sha256":
			hashes++
		case "size", "tiger", "whirlpool":
		case "filename":
			if i != len(cols)-1 {
				return fmt.Errorf("filename must be the last hashdeep column")
			}
		default:
			return fmt.Errorf("unknown hashdeep column %.40q", c)
		}
	}
	if hashes == 0 {
		return fmt.Errorf("hashdeep columns %.80q have no md5, sha1 or sha256", strings.Join(cols, ","))
	}
	return nil
}

func hashdeepRow(cols []string, line string, n int) (*safeguard.BankEntry, error) {
	f := strings.SplitN(line, ",", len(cols))
	if len(f) != len(cols) {
		return nil, fmt.Errorf("%d fields, want %d (%s)", len(f), len(cols), strings.Join(cols, ","))
	}
	e := &safeguard.BankEntry{EntryID: strconv.Itoa(n), Category: safeguard.Uncategorised}
	var kv []string
	for i, c := range cols {
		v := f[i]
		if c != "filename" {
			v = strings.TrimSpace(v)
		}
		var err error
		switch c {
		case "md5":
			e.MD5, err = NormalizeHex(MD5, v)
		case "sha1":
			e.SHA1, err = NormalizeHex(SHA1, v)
		case "sha256":
			e.SHA256, err = NormalizeHex(SHA256, v)
		case "size":
			s, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil || s < 0 {
				err = fmt.Errorf("size %.40q is not a whole number of bytes", v)
			}
			e.Size = &s
		default:
			kv = append(kv, c, v)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(kv) > 0 {
		e.Extra = extra(kv...)
	}
	return e, nil
}

// ReadPlain reads one hash a line, the hash being the first word: md5sum
// and sha256sum output reads too, the file name going into Extra. The kind
// comes from the length (32 md5, 40 sha1, 64 opt.Kind: sha256 unless PDQ).
// Blank lines and lines starting with # are skipped. Entries are
// uncategorised.
func ReadPlain(r io.Reader, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		long := opt.Kind
		if long == "" {
			long = SHA256
		}
		err := lines(r, func(n int, line string) (bool, error) {
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' {
				return true, nil
			}
			h, name, _ := strings.Cut(t, " ")
			if i := strings.IndexByte(h, '\t'); i >= 0 {
				h, name = h[:i], h[i+1:]
			}
			e := &safeguard.BankEntry{EntryID: strconv.Itoa(n), Category: safeguard.Uncategorised}
			kind := long
			switch {
			case long == MD5 || long == SHA1:
			case len(h) == 32:
				kind = MD5
			case len(h) == 40:
				kind = SHA1
			case len(h) != 64:
				return false, fmt.Errorf("hash %.80q has %d hex digits, want 32, 40 or 64", h, len(h))
			}
			v, err := NormalizeHex(kind, h)
			if err != nil {
				return false, err
			}
			switch kind {
			case MD5:
				e.MD5 = v
			case SHA1:
				e.SHA1 = v
			case SHA256:
				e.SHA256 = v
			case PDQ:
				e.PDQ = v
			default:
				return false, fmt.Errorf("unknown hash kind %q", kind)
			}
			// sha256sum marks binary mode with '*' before the name.
			if name = strings.TrimPrefix(strings.TrimLeft(name, " \t"), "*"); name != "" {
				e.Extra = extra("filename", name)
			}
			return yield(e, nil), nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// ReadPDQ reads a ThreatExchange-style PDQ list: "hash[,quality[,...]]" a
// line, as pdq-photo-hasher writes it. Fields after the quality go into
// Extra as "trailing". Blank lines and # comments are skipped.
func ReadPDQ(r io.Reader, opt Options) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		err := lines(r, func(n int, line string) (bool, error) {
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' {
				return true, nil
			}
			f := strings.Split(t, ",")
			h, err := NormalizeHex(PDQ, strings.TrimSpace(f[0]))
			if err != nil {
				return false, err
			}
			e := &safeguard.BankEntry{EntryID: strconv.Itoa(n), PDQ: h, Category: safeguard.Uncategorised}
			if len(f) > 1 && strings.TrimSpace(f[1]) != "" {
				q, err := parseQuality(f[1])
				if err != nil {
					return false, err
				}
				e.Quality = &q
			}
			if len(f) > 2 {
				b, _ := json.Marshal(map[string][]string{"trailing": f[2:]})
				e.Extra = b
			}
			return yield(e, nil), nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}
