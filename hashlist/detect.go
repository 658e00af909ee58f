package hashlist

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"safeguard"
)

// Format is a bank file format.
type Format string

// Formats Detect tells apart. FormatVICS is read by package vics.
const (
	FormatVICS     Format = "vics"     // Project VIC VICS JSON
	FormatCSV      Format = "csv"      // CSV with a header row
	FormatHashdeep Format = "hashdeep" // hashdeep -c ... output
	FormatPlain    Format = "plain"    // one hash a line (md5sum/sha256sum output too)
	FormatPDQ      Format = "pdq"      // ThreatExchange "hash,quality" lines
)

// sniffLen is how much of a file Detect looks at.
const sniffLen = 64 << 10

// Detect sniffs the format of a bank file from its first bytes and returns
// a reader that gives the whole file again, sniffed bytes included. JSON is
// taken for VICS; "%%%% HASHDEEP" for hashdeep; a first line naming hash
// columns for CSV; a 64-digit hash followed by a comma for a PDQ list; a
// hash alone (or followed by a file name) for a plain list. It returns
// EINVALID for anything else.
func Detect(r io.Reader) (Format, io.Reader, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", br, err
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return "", br, safeguard.Errorf(safeguard.EINVALID, "empty bank file")
	case trimmed[0] == '{':
		return FormatVICS, br, nil
	case bytes.HasPrefix(trimmed, []byte("%%%% HASHDEEP")):
		return FormatHashdeep, br, nil
	}
	for _, line := range strings.Split(string(head), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		fields := strings.Split(t, ",")
		first := strings.TrimSpace(fields[0])
		for _, f := range fields {
			f = strings.ToLower(strings.Trim(strings.TrimSpace(f), `"`))
			if n := csvColumns[f]; n == "md5" || n == "sha1" || n == "sha256" || n == "pdq" {
				return FormatCSV, br, nil
			}
		}
		word, _, _ := strings.Cut(strings.ReplaceAll(first, "\t", " "), " ")
		switch {
		case len(fields) > 1 && len(first) == 64 && isHex(first):
			return FormatPDQ, br, nil
		case len(fields) == 1 && isHex(word):
			return FormatPlain, br, nil
		}
		return "", br, safeguard.Errorf(safeguard.EINVALID,
			"unrecognised bank format: first line %.60q is not VICS JSON, a CSV header, hashdeep, a PDQ list or a hash list", t)
	}
	return "", br, safeguard.Errorf(safeguard.EINVALID, "bank file has no entries in its first %d KiB", sniffLen>>10)
}
