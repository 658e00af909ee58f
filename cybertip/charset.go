package cybertip

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Byte order marks a document may start with.
var (
	bomUTF8    = []byte{0xef, 0xbb, 0xbf}
	bomUTF16BE = []byte{0xfe, 0xff}
	bomUTF16LE = []byte{0xff, 0xfe}
)

// utf8Source returns doc as the UTF-8 the XML decoder reads: without a
// UTF-8 byte order mark, and transcoded when a UTF-16 one says it is
// UTF-16 (which every XML processor must accept). The document itself is
// kept as received; only what is decoded changes. utf16 reports the
// transcoding, for the encoding declaration that follows to be accepted.
func utf8Source(doc []byte) (src []byte, utf16 bool, err error) {
	switch {
	case bytes.HasPrefix(doc, bomUTF8):
		return doc[len(bomUTF8):], false, nil
	case bytes.HasPrefix(doc, bomUTF16BE):
		src, err = fromUTF16(doc[2:], true)
	case bytes.HasPrefix(doc, bomUTF16LE):
		src, err = fromUTF16(doc[2:], false)
	default:
		return doc, false, nil
	}
	return src, true, err
}

// fromUTF16 transcodes UTF-16 to UTF-8, refusing an odd length or an
// unpaired surrogate.
func fromUTF16(b []byte, bigEndian bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, &ParseError{Reason: "malformed XML: a UTF-16 document of an odd number of bytes"}
	}
	units := make([]uint16, len(b)/2)
	line := 1
	for i := range units {
		if bigEndian {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			units[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	out := make([]byte, 0, len(units))
	for i := 0; i < len(units); i++ {
		r := rune(units[i])
		switch {
		case utf16.IsSurrogate(r) && i+1 < len(units):
			r = utf16.DecodeRune(r, rune(units[i+1]))
			i++
			if r == utf8.RuneError {
				return nil, &ParseError{Line: line, Reason: "malformed XML: an unpaired UTF-16 surrogate"}
			}
		case utf16.IsSurrogate(r):
			return nil, &ParseError{Line: line, Reason: "malformed XML: an unpaired UTF-16 surrogate"}
		case r == '\n':
			line++
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}

// charsetReader is the XML decoder's CharsetReader: it is asked for any
// encoding declared other than UTF-8. ASCII is UTF-8; ISO-8859-1 and
// windows-1252 are read byte by byte; UTF-16 only when a byte order mark
// had the document transcoded. Anything else is refused by name rather
// than read as something it is not.
func charsetReader(label string, in io.Reader, transcoded bool) (io.Reader, error) {
	switch l := strings.ToLower(strings.TrimSpace(label)); l {
	case "us-ascii", "ascii", "iso646-us":
		return in, nil
	case "utf-16", "utf-16le", "utf-16be", "ucs-2":
		if transcoded {
			return in, nil
		}
		return nil, fmt.Errorf("the document declares %s but does not start with a UTF-16 byte order mark", label)
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819":
		return &singleByte{r: bufio.NewReader(in)}, nil
	case "windows-1252", "cp1252", "x-cp1252":
		return &singleByte{r: bufio.NewReader(in), high: &cp1252}, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported (UTF-8, UTF-16, ISO-8859-1, windows-1252 or US-ASCII)", safeName(label))
}

// singleByte reads a single-byte encoding as UTF-8: each byte is the code
// point of the same value (ISO-8859-1), except 0x80-0x9F when high maps
// them (windows-1252).
type singleByte struct {
	r       *bufio.Reader
	high    *[32]rune
	pending []byte // encoded bytes not yet returned
}

func (s *singleByte) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.pending) > 0 {
			c := copy(p[n:], s.pending)
			s.pending = s.pending[c:]
			n += c
			continue
		}
		b, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		r := rune(b)
		if s.high != nil && b >= 0x80 && b < 0xa0 {
			r = s.high[b-0x80]
		}
		if r < utf8.RuneSelf {
			p[n] = byte(r)
			n++
			continue
		}
		s.pending = utf8.AppendRune(s.pending[:0], r)
	}
	return n, nil
}

// cp1252 maps windows-1252 bytes 0x80-0x9F; the five it leaves undefined
// keep their ISO-8859-1 (C1 control) values, as WHATWG's decoder does.
var cp1252 = [32]rune{
	0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
}
