package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"safeguard"
)

// Page sizes for lists.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// parsePaging reads offset and limit from the query. A missing value takes
// its default; a malformed one is EINVALID; the limit is capped.
func parsePaging(r *http.Request) (offset, limit int, err error) {
	q := r.URL.Query()
	offset, limit = 0, defaultLimit
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, safeguard.Errorf(safeguard.EINVALID, "offset %q must be a whole number, 0 or more", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return 0, 0, safeguard.Errorf(safeguard.EINVALID, "limit %q must be a whole number, 1 or more", v)
		}
	}
	return offset, min(limit, maxLimit), nil
}

// pager describes one page of a list and links to its neighbours, keeping
// the other query parameters (filters, sort).
type pager struct {
	Offset, Limit, Total int
	More                 bool // there are more than Total: counting stopped there
	path                 string
	query                url.Values
}

func newPager(r *http.Request, offset, limit, total int) pager {
	return pager{Offset: offset, Limit: limit, Total: total, path: r.URL.Path, query: r.URL.Query()}
}

// From is the 1-based position of the first row shown, 0 when none.
func (p pager) From() int {
	if p.Total == 0 || p.Offset >= p.Total {
		return 0
	}
	return p.Offset + 1
}

// To is the position of the last row shown.
func (p pager) To() int { return min(p.Offset+p.Limit, p.Total) }

func (p pager) HasPrev() bool { return p.Offset > 0 }
func (p pager) HasNext() bool { return p.Offset+p.Limit < p.Total }

func (p pager) PrevURL() string { return p.at(max(p.Offset-p.Limit, 0)) }
func (p pager) NextURL() string { return p.at(p.Offset + p.Limit) }

func (p pager) at(offset int) string {
	q := cloneValues(p.query)
	q.Set("offset", strconv.Itoa(offset))
	q.Set("limit", strconv.Itoa(p.Limit))
	return p.path + "?" + q.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// sortColumn is a table header that sorts by its key: a link that toggles
// the direction, and the aria-sort state of the current column.
type sortColumn struct {
	Label string
	URL   string
	Aria  string // "ascending", "descending" or "" when not sorted by it
}

// sortColumns builds the headers for the keys, given the current sort
// ("key" or "-key"). Changing the sort goes back to the first page.
func sortColumns(r *http.Request, current string, keys, labels []string) []sortColumn {
	cur, desc := strings.TrimPrefix(current, "-"), strings.HasPrefix(current, "-")
	cols := make([]sortColumn, len(keys))
	for i, k := range keys {
		q := r.URL.Query()
		q.Del("offset")
		next, aria := k, ""
		if k == cur {
			aria = "ascending"
			if desc {
				aria = "descending"
			} else {
				next = "-" + k
			}
		}
		q.Set("sort", next)
		cols[i] = sortColumn{Label: labels[i], URL: r.URL.Path + "?" + q.Encode(), Aria: aria}
	}
	return cols
}

// parseSort returns the sort in the query if it is one of keys (optionally
// with a leading "-"), def when absent, and EINVALID otherwise.
func parseSort(r *http.Request, def string, keys ...string) (string, error) {
	v := r.URL.Query().Get("sort")
	if v == "" {
		return def, nil
	}
	for _, k := range keys {
		if v == k || v == "-"+k {
			return v, nil
		}
	}
	return "", safeguard.Errorf(safeguard.EINVALID, "cannot sort by %q (want one of %s, with an optional leading -)", v, strings.Join(keys, ", "))
}

// parseID reads a positive integer path value; anything else is not found.
func parseID(r *http.Request, name, what string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, safeguard.Errorf(safeguard.ENOTFOUND, "No %s %q.", what, v)
	}
	return id, nil
}
