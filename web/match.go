package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"safeguard"
	"safeguard/matcher"
)

// matchPage is the hash lookup form and, after a lookup, its answer.
type matchPage struct {
	Form    matchForm
	Checked int // hashes looked up; 0 before a lookup
	Result  *matchResponse
	Rows    []matchRow
}

type matchForm struct {
	Hashes string
	Kind64 string // what a 64-digit hash is: sha256 or pdq
	Radius string
}

// matchRow is one match with the line of the hash it answers.
type matchRow struct {
	matcher.Result
	Line int
}

// showMatch handles GET /match.
func (s *Server) showMatch(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "match", &view{Page: matchPage{Form: matchForm{Kind64: "sha256", Radius: strconv.Itoa(defaultMatchRadius)}}})
}

// submitMatch handles POST /match: hashes one a line, typed by length (32
// hex digits MD5, 40 SHA-1, 64 SHA-256 or PDQ as the form says). It is a
// POST only to keep hashes out of URLs and logs; nothing is stored.
func (s *Server) submitMatch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, formError(err))
		return
	}
	form := matchForm{
		Hashes: r.PostForm.Get("hashes"),
		Kind64: r.PostForm.Get("kind64"),
		Radius: strings.TrimSpace(r.PostForm.Get("radius")),
	}
	fail := func(msg string) {
		s.render(w, r, http.StatusBadRequest, "match", &view{Page: matchPage{Form: form}, Error: msg})
	}
	if form.Kind64 != "sha256" && form.Kind64 != "pdq" {
		fail("Say whether 64-digit hashes are SHA-256 or PDQ.")
		return
	}
	radius := defaultMatchRadius
	if form.Radius != "" {
		n, err := strconv.Atoi(form.Radius)
		if err != nil {
			fail("The PDQ radius must be a whole number.")
			return
		}
		radius = n
	}
	queries, lines, err := parseHashLines(form.Hashes, form.Kind64)
	if err != nil {
		fail(safeguard.ErrorMessage(err))
		return
	}
	resp, err := s.lookup(r.Context(), queries, radius)
	if safeguard.ErrorCode(err) == safeguard.EINVALID {
		fail(safeguard.ErrorMessage(err))
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	p := matchPage{Form: form, Checked: len(queries), Result: resp}
	for _, m := range resp.Matches {
		p.Rows = append(p.Rows, matchRow{Result: m, Line: lines[m.Index]})
	}
	s.render(w, r, http.StatusOK, "match", &view{Page: p})
}

// parseHashLines reads one hash a line, ignoring blank lines and # comments
// and anything after the first word (so sha256sum and md5sum output can be
// pasted as is). It returns the queries and each one's line number.
func parseHashLines(text, kind64 string) ([]matcher.Query, []int, error) {
	var (
		queries []matcher.Query
		lines   []int
	)
	for i, line := range strings.Split(text, "\n") {
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == ',' })
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		h := strings.ToLower(fields[0])
		var q matcher.Query
		switch len(h) {
		case 32:
			q = matcher.Query{Type: "md5", Value: h}
		case 40:
			q = matcher.Query{Type: "sha1", Value: h}
		case 64:
			q = matcher.Query{Type: kind64, Value: h}
		default:
			return nil, nil, safeguard.Errorf(safeguard.EINVALID, "Line %d: %s is not a hash: want 32 hex digits (MD5), 40 (SHA-1) or 64 (SHA-256 or PDQ).", i+1, clip(h))
		}
		if _, err := q.Probe(); err != nil {
			return nil, nil, safeguard.Errorf(safeguard.EINVALID, "Line %d: %s.", i+1, safeguard.ErrorMessage(err))
		}
		if len(queries) == maxMatchHashes {
			return nil, nil, safeguard.Errorf(safeguard.EINVALID, "At most %d hashes in one lookup.", maxMatchHashes)
		}
		queries, lines = append(queries, q), append(lines, i+1)
	}
	if len(queries) == 0 {
		return nil, nil, safeguard.Errorf(safeguard.EINVALID, "Paste at least one hash, one a line.")
	}
	return queries, lines, nil
}

// clip shortens what a person pasted for an error message.
func clip(s string) string {
	if len(s) > 70 {
		return fmt.Sprintf("%q…", s[:64])
	}
	return fmt.Sprintf("%q", s)
}
