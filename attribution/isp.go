package attribution

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// ispColumns are the columns of an ISP response CSV, in their default
// order; "shared" is optional and may come after them.
var ispColumns = []string{"ip", "port_start", "port_end", "start", "end", "subscriber_id", "name", "install_address", "billing_address"}

// whereErr is an EINVALID error naming the file, line and, when col > 0,
// the column.
func whereErr(file string, line, col int, field string, err error) error {
	where := fmt.Sprintf("%s:%d", file, line)
	if col > 0 {
		where += fmt.Sprintf(": column %d (%s)", col, field)
	}
	return safeguard.WrapError(safeguard.EINVALID, err, "%s: %s", where, err.Error())
}

// ReadISP reads an ISP response CSV: ip, port_start, port_end, start, end,
// subscriber_id, name, install_address, billing_address, and optionally
// shared (true or false). A header row naming the columns is used when
// present (columns may then come in any order); without one the default
// order is assumed. ip is an address or a CIDR prefix; both port columns
// are empty for a whole address. Times must be RFC 3339 with an offset. The
// first bad row ends the read with an error naming file, line and column.
func ReadISP(r io.Reader, file string) ([]Lease, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	col := map[string]int{}
	for i, c := range ispColumns {
		col[c] = i
	}
	col["shared"] = len(ispColumns) // the optional tenth column
	var out []Lease
	var clock clockCheck
	first := true
	width := len(ispColumns) + 1 // cells a row may fill: the header's, or the default columns and shared
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, whereErr(file, pe.Line, pe.Column, "csv", pe.Err)
			}
			return nil, safeguard.WrapError(safeguard.EINVALID, err, "%s: %v", file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if first {
			first = false
			if isHeader(rec) {
				if err := ispHeader(rec, col); err != nil {
					return nil, whereErr(file, line, 0, "", err)
				}
				width = len(rec)
				continue
			}
		}
		for i := width; i < len(rec); i++ {
			// A cell past the named columns would be dropped unread: a
			// shared flag or an address in the wrong place.
			if v := strings.TrimSpace(rec[i]); v != "" {
				return nil, whereErr(file, line, i+1, "unnamed", fmt.Errorf("the row has %d cells but the columns are %d: %q is in no column", len(rec), width, v))
			}
		}
		l, err := ispRow(rec, col, file, line, &clock)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if first {
		return nil, safeguard.Errorf(safeguard.EINVALID, "%s: empty: no header and no leases (want %s)", file, strings.Join(ispColumns, ","))
	}
	if w := clock.warning(file); w != "" {
		for i := range out {
			out[i].ClockWarning = w
		}
	}
	return out, nil
}

// clockCheck watches the hours of a file's times as written. A 24-hour
// clock shows hours 0 and 13-23 sooner or later; a file with many times
// and none of them is likely a 12-hour clock that dropped AM/PM, which an
// offset on each time does not rule out.
type clockCheck struct {
	n        int
	beyond12 bool
}

// minClockTimes is how many times a file needs before its hours are judged:
// by chance, 32 times of a 24-hour clock all fall from 01 to 12 about once
// in 2^32.
const minClockTimes = 32

func (c *clockCheck) see(t time.Time) { c.seeHour(t.Hour()) }

func (c *clockCheck) seeHour(h int) {
	c.n++
	if h == 0 || h > 12 {
		c.beyond12 = true
	}
}

func (c *clockCheck) warning(file string) string {
	if c.n < minClockTimes || c.beyond12 {
		return ""
	}
	return fmt.Sprintf("all %d times in %s have an hour from 01 to 12: the ISP may have used a 12-hour clock without AM/PM", c.n, file)
}

func ispHeader(rec []string, col map[string]int) error {
	for k := range col {
		col[k] = -1
	}
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "installation_address":
			h = "install_address"
		case "subscriber":
			h = "subscriber_id"
		}
		if _, ok := col[h]; ok {
			if col[h] >= 0 {
				return fmt.Errorf("column %q appears twice in the header", h)
			}
			col[h] = i
		}
	}
	for _, c := range []string{"ip", "port_start", "port_end", "start", "end", "subscriber_id"} {
		if col[c] < 0 {
			return fmt.Errorf("header has no %q column (want %s)", c, strings.Join(ispColumns, ","))
		}
	}
	return nil
}

func ispRow(rec []string, col map[string]int, file string, line int, clock *clockCheck) (Lease, error) {
	get := func(name string) (string, int) {
		i := col[name]
		if i < 0 || i >= len(rec) {
			return "", 0
		}
		return strings.TrimSpace(rec[i]), i + 1
	}
	bad := func(name string, err error) error {
		i := col[name]
		c := i + 1
		if i < 0 || i >= len(rec) {
			c = len(rec) + 1
		}
		return whereErr(file, line, c, name, err)
	}
	for _, c := range []string{"ip", "port_start", "port_end", "start", "end", "subscriber_id"} {
		if i := col[c]; i >= len(rec) {
			return Lease{}, bad(c, fmt.Errorf("missing: the row has %d columns", len(rec)))
		}
	}
	var l Lease
	ipText, _ := get("ip")
	p, err := ParsePrefix(ipText)
	if err != nil {
		return Lease{}, bad("ip", err)
	}
	l.Prefix = p
	ps, _ := get("port_start")
	pe, _ := get("port_end")
	switch {
	case ps == "" && pe == "":
	case ps == "" || pe == "":
		return Lease{}, bad("port_start", fmt.Errorf("give both port_start and port_end, or neither for a whole address"))
	default:
		a, err := parsePort(ps)
		if err != nil {
			return Lease{}, bad("port_start", err)
		}
		b, err := parsePort(pe)
		if err != nil {
			return Lease{}, bad("port_end", err)
		}
		if a > b {
			return Lease{}, bad("port_end", fmt.Errorf("port_end %d is below port_start %d", b, a))
		}
		l.HasPorts, l.PortStart, l.PortEnd = true, a, b
	}
	st, _ := get("start")
	if l.Start, err = ParseISPTime(st); err != nil {
		return Lease{}, bad("start", err)
	}
	en, _ := get("end")
	if l.End, err = ParseISPTime(en); err != nil {
		return Lease{}, bad("end", err)
	}
	clock.see(l.Start) // the hour as written, in the time's own offset
	clock.see(l.End)
	if l.End.Before(l.Start) {
		return Lease{}, bad("end", fmt.Errorf("end %s is before start %s", en, st))
	}
	l.Start, l.End = l.Start.UTC(), l.End.UTC()
	if l.Subscriber.ID, _ = get("subscriber_id"); l.Subscriber.ID == "" {
		return Lease{}, bad("subscriber_id", fmt.Errorf("empty subscriber_id"))
	}
	l.Subscriber.Name, _ = get("name")
	l.Subscriber.InstallAddress, _ = get("install_address")
	l.Subscriber.BillingAddress, _ = get("billing_address")
	if sh, _ := get("shared"); sh != "" {
		v, err := parseBool(sh)
		if err != nil {
			return Lease{}, bad("shared", err)
		}
		l.Shared = v
	}
	l.Source = fmt.Sprintf("%s:%d", file, line)
	return l, nil
}

// ParsePrefix reads an address (as a single-address prefix) or a CIDR
// prefix; IPv4-mapped IPv6 addresses are read as IPv4, and host bits of a
// prefix are refused so that a typo cannot widen a delegation silently.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Prefix{}, fmt.Errorf("empty address")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
		}
		if p.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q has a zone", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Masked() != p {
			return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", s, p.Masked())
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 0 to 65535", s)
	}
	return n, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "shared":
		return true, nil
	case "false", "no", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// isHeader reports whether a first row names columns: it has a cell that
// is the name of a column (so that a header missing "ip" is reported as
// such, not read as a row).
func isHeader(rec []string) bool {
	for _, h := range rec {
		switch h := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))); h {
		case "installation_address", "subscriber": // not "shared", a value of that column too
			return true
		default:
			if slices.Contains(ispColumns, h) {
				return true
			}
		}
	}
	return false
}

// skipBOM returns r without a leading UTF-8 byte-order mark, which
// spreadsheet exports put before the first cell (even a quoted one).
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}
