package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"safeguard"
	"safeguard/scan"
)

// scanReportFields are the top-level fields of a `safeguard scan` JSON
// report, all required.
var scanReportFields = []string{"summary", "matches", "errors", "provenance"}

// notScanReport is the error for a document that is not a scan report at
// all: the message starts the same way whatever is wrong, so a person who
// uploaded the wrong file sees it at once.
func notScanReport(format string, args ...any) error {
	return safeguard.Errorf(safeguard.EINVALID, "not a safeguard scan report: "+format, args...)
}

// badScanReport is the error for a report that has the right shape but
// does not hold together (hand-edited, truncated or from a broken tool).
func badScanReport(format string, args ...any) error {
	return safeguard.Errorf(safeguard.EINVALID, "inconsistent scan report: "+format, args...)
}

// parseScanReport checks that doc is a JSON report written by
// `safeguard scan` and returns it. It is strict: every top-level field must
// be there and no other, the summary's and the provenance's fields must be
// there, no field may be unknown to scan.Report anywhere, and the summary
// must agree with the matches and errors it summarises. Errors are EINVALID
// and say what is wrong and where.
func parseScanReport(doc []byte) (*scan.Report, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, notScanReport("the document is a JSON %s, not an object", typ.Value)
		}
		return nil, notScanReport("not JSON (%s); upload the report written with --format json", describeJSONError(err))
	}
	if top == nil {
		return nil, notScanReport("the document is JSON null, not an object")
	}
	for _, f := range scanReportFields {
		if raw, ok := top[f]; !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, notScanReport("missing %s", f)
		}
	}
	var unknown []string
	for k := range top {
		if !slices.Contains(scanReportFields, k) {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, notScanReport("unknown top-level field %s (want only summary, matches, errors and provenance)", strings.Join(unknown, ", "))
	}

	for _, need := range []struct {
		field string
		keys  []string
	}{
		{"summary", []string{"files", "bytes", "images", "matched_exact", "matched_perceptual", "unmatched", "errors", "by_category"}},
		{"provenance", []string{"tool", "banks"}},
	} {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(top[need.field], &obj); err != nil {
			return nil, notScanReport("%s is not an object", need.field)
		}
		for _, k := range need.keys {
			if _, ok := obj[k]; !ok {
				return nil, notScanReport("missing %s.%s", need.field, k)
			}
		}
	}

	var rep scan.Report
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return nil, notScanReport("%s", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notScanReport("unexpected data after the report at byte offset %d", dec.InputOffset())
	}
	if err := checkScanReport(&rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// checkScanReport checks that a report's summary agrees with its matches,
// errors and banks, exactly as `safeguard scan` computes it.
func checkScanReport(rep *scan.Report) error {
	s := &rep.Summary
	p := &rep.Provenance
	if strings.TrimSpace(p.Tool) == "" {
		return notScanReport("missing provenance.tool")
	}
	for name, n := range map[string]int{"files": s.Files, "images": s.Images, "matched_exact": s.MatchedExact,
		"matched_perceptual": s.MatchedPerceptual, "unmatched": s.Unmatched, "errors": s.Errors} {
		if n < 0 {
			return badScanReport("summary.%s is negative (%d)", name, n)
		}
	}
	if s.Bytes < 0 {
		return badScanReport("summary.bytes is negative (%d)", s.Bytes)
	}
	if n := s.MatchedExact + s.MatchedPerceptual + s.Unmatched; n > s.Files {
		return badScanReport("summary: matched_exact + matched_perceptual + unmatched (%d) is more than files (%d)", n, s.Files)
	}
	if s.Errors != len(rep.Errors) {
		return badScanReport("summary.errors is %d but errors lists %d", s.Errors, len(rep.Errors))
	}
	schemes := map[string]safeguard.Scheme{}
	for i, b := range p.Banks {
		if b == nil || b.Name == "" {
			return badScanReport("provenance.banks[%d]: missing name", i)
		} else if !b.Scheme.Valid() {
			return badScanReport("provenance.banks[%d]: unknown category scheme %q (want uk or vic)", i, b.Scheme)
		} else if _, dup := schemes[b.Name]; dup {
			return badScanReport("provenance.banks[%d]: bank %q is listed twice", i, b.Name)
		}
		schemes[b.Name] = b.Scheme
	}
	for sc, counts := range s.ByCategory {
		if !sc.Valid() {
			return badScanReport("summary.by_category: unknown category scheme %q (want uk or vic)", sc)
		}
		for c, n := range counts {
			if !sc.ValidCategory(c) {
				return badScanReport("summary.by_category.%s: %q is not a category of the %s scheme", sc, c, sc)
			} else if n < 0 {
				return badScanReport("summary.by_category.%s.%s is negative (%d)", sc, c, n)
			}
		}
	}

	// Recount from the matches: one per file and bank, exact before
	// perceptual for the file.
	byCat := map[safeguard.Scheme]map[string]int{}
	exact := map[string]bool{} // path → matched exactly in some bank
	for i, m := range rep.Matches {
		sc, ok := schemes[m.Bank]
		switch {
		case !ok:
			return badScanReport("matches[%d]: bank %q is not in provenance.banks", i, m.Bank)
		case m.Path == "":
			return badScanReport("matches[%d]: missing path", i)
		case !sc.ValidCategory(m.Category):
			return badScanReport("matches[%d]: %q is not a category of the %s scheme of bank %q", i, m.Category, sc, m.Bank)
		}
		switch m.Match {
		case "md5", "sha1", "sha256":
			if m.Distance != 0 {
				return badScanReport("matches[%d]: an exact %s match has distance %d", i, m.Match, m.Distance)
			}
			exact[m.Path] = true
		case "pdq":
			if m.Distance < 0 || m.Distance > 256 {
				return badScanReport("matches[%d]: PDQ distance %d is not between 0 and 256", i, m.Distance)
			}
			if _, seen := exact[m.Path]; !seen {
				exact[m.Path] = false
			}
		default:
			return badScanReport("matches[%d]: unknown match %q (want md5, sha1, sha256 or pdq)", i, m.Match)
		}
		if byCat[sc] == nil {
			byCat[sc] = map[string]int{}
		}
		byCat[sc][m.Category]++
	}
	nExact := 0
	for _, e := range exact {
		if e {
			nExact++
		}
	}
	if nExact != s.MatchedExact || len(exact)-nExact != s.MatchedPerceptual {
		return badScanReport("summary says %d files matched exactly and %d perceptually, but matches has %d and %d",
			s.MatchedExact, s.MatchedPerceptual, nExact, len(exact)-nExact)
	}
	for _, sc := range []safeguard.Scheme{safeguard.SchemeUK, safeguard.SchemeVIC} {
		for _, c := range sc.Categories() {
			if got, want := s.ByCategory[sc][c], byCat[sc][c]; got != want {
				return badScanReport("summary.by_category.%s.%s is %d but matches has %d", sc, c, got, want)
			}
		}
	}
	return nil
}

// newScanReport is what Safeguard stores of an uploaded report: the
// document as received, and the tool and counts from its summary.
func newScanReport(doc []byte, rep *scan.Report, subjectID int64) *safeguard.ScanReport {
	byCat := map[safeguard.Scheme]map[string]int{}
	for sc, counts := range rep.Summary.ByCategory {
		if len(counts) > 0 {
			byCat[sc] = counts
		}
	}
	return &safeguard.ScanReport{
		SubjectID:  &subjectID,
		Document:   doc,
		Tool:       rep.Provenance.Tool,
		Files:      rep.Summary.Files,
		Matched:    rep.Summary.MatchedExact + rep.Summary.MatchedPerceptual,
		ByCategory: byCat,
	}
}

// describeJSONError says where a document fails to decode, without the
// encoding/json prefix.
func describeJSONError(err error) string {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s at byte offset %d", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %s: cannot use a JSON %s as %s (byte offset %d)", field, typ.Value, typ.Type, typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the document ends in the middle of a value"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
