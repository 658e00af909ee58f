package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// CSVColumns are the columns a CSV bulk file may have, in the order the
// documentation lists them. Every file names source and source_ref; the
// others are optional, in any order, their names matched without regard to
// case. See docs/intake.md.
var CSVColumns = []string{
	"source", "source_ref", "received_at", "incident_at", "platform", "incident_type",
	"ip", "port", "time", "event_type",
	"email", "phone", "username", "account_id", "device_id",
	"md5", "sha1", "sha256", "file_name",
}

// identifierColumns maps identifier columns to identifier kinds.
var identifierColumns = map[string]string{
	"email": safeguard.IdentEmail, "phone": safeguard.IdentPhone, "username": safeguard.IdentUsername,
	"account_id": safeguard.IdentAccountID, "device_id": safeguard.IdentDeviceID,
}

// CSVError is a CSV referral or file refused: the line (of the file, from
// 1) and column where it went wrong, and why.
type CSVError struct {
	Line   int
	Column string // the column's name; "" when the whole row or file is at fault
	Reason string
	// Fatal means the rest of the file could not be read.
	Fatal bool
}

func (e *CSVError) Error() string {
	if w := e.Where(); w != "" {
		return w + ": " + e.Reason
	}
	return e.Reason
}

// Where is "line N, column NAME" (or less, when not known).
func (e *CSVError) Where() string {
	switch {
	case e.Line == 0:
		return ""
	case e.Column == "":
		return fmt.Sprintf("line %d", e.Line)
	}
	return fmt.Sprintf("line %d, column %s", e.Line, e.Column)
}

// IsCSVHeader reports whether line (a file's first line) is the header of a
// CSV bulk file: it names both a source and a source_ref column.
func IsCSVHeader(line []byte) bool {
	r := csv.NewReader(bytes.NewReader(line))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return false
	}
	var source, ref bool
	for _, name := range rec {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "source":
			source = true
		case "source_ref":
			ref = true
		}
	}
	return source && ref
}

// CSVReader reads referrals from a CSV bulk file: a header row, then one
// row for each IP event, identifier or file, the rows of one referral
// (source, source_ref) next to each other. It holds the rows of one
// referral at a time, and each referral's Document is the header and its
// own rows exactly as received.
type CSVReader struct {
	r       *csv.Reader
	tee     *teeReader
	now     time.Time
	maxDoc  int
	col     []string // column name by position
	header  []byte   // the header row as received
	prevOff int64    // InputOffset after the previous row
	seen    map[uint64]int
	next    *csvGroup // a row read ahead: the next referral's first
	done    bool
	stopped error // why the file stopped, once the referral before is told
	line    int   // first line of the referral Next returned last
	lines   int   // line feeds in the rows taken so far
}

// NewCSVReader reads the header from r. now becomes the received_at of
// referrals without one; maxDoc bounds one row and one referral's
// document (0: DefaultMaxLine). A header that is not one is a Fatal
// *CSVError.
func NewCSVReader(r io.Reader, now time.Time, maxDoc int) (*CSVReader, error) {
	if maxDoc <= 0 {
		maxDoc = DefaultMaxLine
	}
	tee := &teeReader{r: r, max: maxDoc}
	cr := csv.NewReader(tee)
	cr.FieldsPerRecord = 0 // every row as wide as the header
	cr.ReuseRecord = true
	c := &CSVReader{r: cr, tee: tee, now: now.UTC(), maxDoc: maxDoc, seen: map[uint64]int{}}
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, &CSVError{Reason: "empty file: want a header row naming source and source_ref", Fatal: true}
	} else if err != nil {
		return nil, c.fatal(err)
	}
	c.header = c.take()
	seen := map[string]bool{}
	var unknown []string
	for _, name := range rec {
		n := strings.ToLower(strings.TrimSpace(name))
		switch {
		case seen[n]:
			return nil, &CSVError{Line: 1, Column: n, Reason: fmt.Sprintf("column %s named twice in the header", n), Fatal: true}
		case !knownColumn(n):
			if len(name) > 40 {
				name = name[:40] + "…"
			}
			unknown = append(unknown, strconv.Quote(name))
		}
		seen[n] = true
		c.col = append(c.col, n)
	}
	if len(unknown) > 0 {
		return nil, &CSVError{Line: 1, Reason: fmt.Sprintf("unknown column %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(CSVColumns, ", ")), Fatal: true}
	}
	if !seen["source"] || !seen["source_ref"] {
		return nil, &CSVError{Line: 1, Reason: "the header must name source and source_ref columns", Fatal: true}
	}
	return c, nil
}

func knownColumn(name string) bool {
	for _, c := range CSVColumns {
		if c == name {
			return true
		}
	}
	return false
}

// errRowTooLong is what the tee gives the CSV reader once one row has
// grown past the limit.
var errRowTooLong = errors.New("row too long")

// teeReader keeps the bytes the CSV reader has taken and not yet handed
// out as a row, so each row can be kept exactly as received.
type teeReader struct {
	r    io.Reader
	buf  []byte
	base int64 // offset of buf[0] in the input
	max  int
}

func (t *teeReader) Read(p []byte) (int, error) {
	if len(t.buf) > t.max+len(p) {
		return 0, errRowTooLong
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// take returns the bytes of the row just read (a copy) and forgets them.
func (c *CSVReader) take() []byte {
	off := c.r.InputOffset()
	n := int(off - c.tee.base)
	row := bytes.Clone(c.tee.buf[int(c.prevOff-c.tee.base):n])
	c.lines += bytes.Count(row, []byte{'\n'})
	rest := copy(c.tee.buf, c.tee.buf[n:])
	c.tee.buf = c.tee.buf[:rest]
	c.tee.base, c.prevOff = off, off
	return row
}

func (c *CSVReader) fatal(err error) *CSVError {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRowTooLong):
		// The row begins on the line after those taken so far.
		return &CSVError{Line: c.lines + 1, Reason: fmt.Sprintf("row longer than %d bytes; the rest of the file was not read", c.maxDoc), Fatal: true}
	case errors.As(err, &pe):
		return &CSVError{Line: pe.Line, Reason: fmt.Sprintf("malformed CSV at column %d: %v; the rest of the file was not read", pe.Column, pe.Err), Fatal: true}
	}
	return &CSVError{Reason: err.Error() + "; the rest of the file was not read", Fatal: true}
}

// Next returns the next referral. A referral that cannot be stored comes
// back as a *CSVError and Next can be called again for the one after it,
// unless the error is Fatal. It returns io.EOF after the last.
func (c *CSVReader) Next() (*safeguard.Referral, error) {
	if c.stopped != nil {
		err := c.stopped
		c.stopped = nil
		return nil, err
	}
	if c.done && c.next == nil {
		return nil, io.EOF
	}
	g := c.next
	c.next = nil
	for !c.done {
		rec, err := c.r.Read()
		if err == io.EOF {
			c.done = true
			break
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			c.done = true
			fe := c.fatal(err)
			if g != nil && g.err != nil {
				c.stopped = fe
				return nil, g.err
			}
			// The referral being read may have lost rows: refuse it with
			// the reason the file stopped.
			return nil, fe
		}
		raw := c.take()
		line, _ := c.r.FieldPos(0)
		row := c.row(rec)
		key := row["source"] + "\x00" + row["source_ref"]
		if g != nil && key != g.key {
			c.next = c.start(key, line, raw)
			if err != nil {
				c.next.fail(&CSVError{Line: line, Reason: fmt.Sprintf("row has %d fields, the header %d", len(rec), len(c.col))})
			} else {
				c.next.add(c, rec, line)
			}
			break
		}
		if g == nil {
			g = c.start(key, line, raw)
		} else {
			g.addRaw(raw, c.maxDoc, line)
		}
		if err != nil {
			g.fail(&CSVError{Line: line, Reason: fmt.Sprintf("row has %d fields, the header %d", len(rec), len(c.col))})
			continue
		}
		g.add(c, rec, line)
	}
	if g == nil {
		return nil, io.EOF
	}
	c.line = g.line
	return g.finish(c)
}

// row maps the record's columns by name (trimmed; source lower-cased) for
// grouping.
func (c *CSVReader) row(rec []string) map[string]string {
	m := make(map[string]string, 2)
	for i, v := range rec {
		if i >= len(c.col) {
			break
		}
		switch c.col[i] {
		case "source":
			m["source"] = strings.ToLower(strings.TrimSpace(v))
		case "source_ref":
			m["source_ref"] = strings.TrimSpace(v)
		}
	}
	return m
}

// start begins a referral at a row, refusing it if its rows are not
// together in the file.
func (c *CSVReader) start(key string, line int, raw []byte) *csvGroup {
	g := &csvGroup{key: key, line: line, ref: &safeguard.Referral{}}
	g.doc = append(append(g.doc, c.header...), raw...)
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64()
	if first, ok := c.seen[sum]; ok {
		src, ref, _ := strings.Cut(key, "\x00")
		g.fail(&CSVError{Line: line, Column: "source_ref", Reason: fmt.Sprintf(
			"rows of referral %s %s must be next to each other: it began at line %d", src, ref, first)})
	} else {
		c.seen[sum] = line
	}
	if len(g.doc) > c.maxDoc {
		g.fail(&CSVError{Line: line, Reason: fmt.Sprintf("referral longer than %d bytes", c.maxDoc)})
	}
	return g
}

// csvGroup is a referral being read from its rows.
type csvGroup struct {
	key       string
	line      int // of its first row
	doc       []byte
	ref       *safeguard.Referral
	err       *CSVError
	usernames []string
	seen      map[string]bool // identifiers, events and files already added
}

func (g *csvGroup) fail(err *CSVError) {
	if g.err == nil {
		g.err = err
		g.doc, g.ref, g.usernames, g.seen = nil, nil, nil, nil
	}
}

func (g *csvGroup) addRaw(raw []byte, max, line int) {
	if g.err != nil {
		return
	}
	g.doc = append(g.doc, raw...)
	if len(g.doc) > max {
		g.fail(&CSVError{Line: line, Reason: fmt.Sprintf("referral longer than %d bytes", max)})
	}
}

// once reports whether key is new to the referral, remembering it.
func (g *csvGroup) once(key string) bool {
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	if g.seen[key] {
		return false
	}
	g.seen[key] = true
	return true
}

// add reads one row's facts into the referral.
func (g *csvGroup) add(c *CSVReader, rec []string, line int) {
	if g.err != nil {
		return
	}
	r := g.ref
	var ip, port, at, eventType string
	var file safeguard.File
	for i, raw := range rec {
		name, v := c.col[i], strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		bad := func(format string, args ...any) {
			g.fail(&CSVError{Line: fieldLine(c.r, i, line), Column: name, Reason: fmt.Sprintf(format, args...)})
		}
		switch name {
		case "source":
			r.Source = strings.ToLower(v)
		case "source_ref":
			r.SourceRef = v
		case "received_at", "incident_at":
			t, ok, err := parseTime(v)
			if err != nil {
				bad("%v", err)
			} else if !ok {
				bad("%s %q has no time-zone offset (want e.g. 2026-11-01T10:00:00Z or +01:00)", name, v)
			} else if name == "received_at" {
				if !r.ReceivedAt.IsZero() && !r.ReceivedAt.Equal(*t) {
					bad("received_at %s differs from the referral's earlier rows", v)
				}
				r.ReceivedAt = *t
			} else {
				if r.IncidentAt != nil && !r.IncidentAt.Equal(*t) {
					bad("incident_at %s differs from the referral's earlier rows", v)
				}
				r.IncidentAt = t
			}
		case "platform":
			if r.Platform != "" && r.Platform != v {
				bad("platform %q differs from the referral's earlier rows (%q)", v, r.Platform)
			}
			r.Platform = v
		case "incident_type":
			if r.IncidentType != "" && r.IncidentType != v {
				bad("incident_type %q differs from the referral's earlier rows (%q)", v, r.IncidentType)
			}
			r.IncidentType = v
		case "ip":
			ip = v
		case "port":
			port = v
		case "time":
			at = v
		case "event_type":
			eventType = v
		case "username":
			if g.once("username\x00" + v) {
				g.usernames = append(g.usernames, v)
			}
		case "email", "phone", "account_id", "device_id":
			kind := identifierColumns[name]
			if g.once(kind + "\x00" + v) {
				r.Identifiers = append(r.Identifiers, safeguard.Identifier{Kind: kind, Value: v})
			}
		case "md5", "sha1", "sha256":
			want := map[string]int{"md5": 32, "sha1": 40, "sha256": 64}[name]
			if !isHex(v, want) {
				bad("%s must be %d hex digits", name, want)
			}
			switch name {
			case "md5":
				file.MD5 = strings.ToLower(v)
			case "sha1":
				file.SHA1 = strings.ToLower(v)
			default:
				file.SHA256 = strings.ToLower(v)
			}
		case "file_name":
			file.Name = v
		}
		if g.err != nil {
			return
		}
	}
	if ip != "" {
		ev, err := csvEvent(ip, port, at, eventType)
		if err != nil {
			err.Line = fieldLine(c.r, c.index(err.Column), line)
			g.fail(err)
			return
		}
		if g.once(fmt.Sprintf("event\x00%s\x00%s\x00%s\x00%s", ev.IP, port, at, eventType)) {
			r.IPEvents = append(r.IPEvents, *ev)
		}
	} else {
		for _, name := range []string{"port", "time", "event_type"} {
			if i := c.index(name); i >= 0 && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
				g.fail(&CSVError{Line: fieldLine(c.r, i, line), Column: name, Reason: name + " given without an ip"})
				return
			}
		}
	}
	if (file.Name != "" || file.MD5 != "" || file.SHA1 != "" || file.SHA256 != "") && g.once("file\x00"+file.Name+"\x00"+file.MD5+"\x00"+file.SHA1+"\x00"+file.SHA256) {
		r.Files = append(r.Files, file)
	}
}

// fieldLine is the line a field starts on (a quoted field may span
// lines), or line when the field is not in the row.
func fieldLine(r *csv.Reader, i, line int) (l int) {
	l = line
	if i < 0 {
		return l
	}
	defer func() { recover() }() // FieldPos panics for a field the row lacks
	l, _ = r.FieldPos(i)
	return l
}

func (c *CSVReader) index(name string) int {
	for i, n := range c.col {
		if n == name {
			return i
		}
	}
	return -1
}

// csvEvent reads one row's IP event; an error names its column.
func csvEvent(ip, port, at, eventType string) (*safeguard.IPEvent, *CSVError) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Zone() != "" {
		return nil, &CSVError{Column: "ip", Reason: fmt.Sprintf("%q is not an IP address", ip)}
	}
	ev := &safeguard.IPEvent{IP: addr.Unmap(), TimeText: at, EventType: eventType}
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return nil, &CSVError{Column: "port", Reason: fmt.Sprintf("port %q is not a number 0-65535", port)}
		}
		ev.Port = &p
	}
	if at == "" {
		return nil, &CSVError{Column: "time", Reason: fmt.Sprintf("IP event %s without a time", ip)}
	}
	t, hasOffset, err := parseTime(at)
	if err != nil {
		return nil, &CSVError{Column: "time", Reason: err.Error()}
	}
	ev.At, ev.HasOffset = t, hasOffset
	return ev, nil
}

// Layouts an ISO 8601 date and time may take, with and without an offset.
// Fractional seconds are accepted after the seconds by time.Parse itself.
var (
	offsetLayouts = []string{"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05-0700",
		"2006-01-02 15:04:05 -0700", "2006-01-02T15:04Z07:00", "2006-01-02 15:04Z07:00"}
	localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}
)

// parseTime reads an ISO 8601 date and time. With an offset (Z or ±hh:mm)
// it returns the UTC instant and true; without one it returns nil and
// false, for the text alone is kept and it is never taken as UTC. Any other
// text (a day-month order that could be read two ways, a 12-hour clock) is
// refused.
func parseTime(s string) (*time.Time, bool, error) {
	// The ending says which layouts can read s, so only those are tried:
	// every failed time.Parse costs an error, and this is read for every
	// IP event of a million-referral ingest.
	zone, err := zoneOf(s)
	if err != nil {
		return nil, false, err
	}
	layouts := localLayouts
	if zone {
		layouts = offsetLayouts
	}
	for _, l := range layouts {
		t, err := time.Parse(l, s)
		switch {
		case err != nil:
			continue
		case !zone:
			return nil, false, nil
		}
		u := t.UTC()
		return &u, true, nil
	}
	return nil, false, fmt.Errorf("%q is not an ISO 8601 date and time (want e.g. 2026-11-01T10:00:00+01:00)", s)
}

// zoneOf reports whether s ends in a time-zone designator: Z, ±hh:mm or
// ±hhmm after a time. An offset past ±14:00 or with minutes past 59 is
// refused: Go's parser takes it (reading +01:60 as +02:00), but no zone
// has one, so the time is wrong, and an instant read from it would be too.
func zoneOf(s string) (bool, error) {
	if strings.HasSuffix(s, "Z") {
		return true, nil
	}
	tz := s[max(0, len(s)-6):]
	i := strings.LastIndexAny(tz, "+-")
	if i < 0 {
		return false, nil
	}
	d := tz[i+1:]
	if len(d) == 5 && d[2] == ':' {
		d = d[:2] + d[3:]
	}
	if len(d) != 4 || strings.Trim(d, "0123456789") != "" || len(s)-len(tz)+i < len("2006-01-02T15:04") {
		return false, nil // a date's own "-", or no offset
	}
	h, _ := strconv.Atoi(d[:2])
	min, _ := strconv.Atoi(d[2:])
	if min > 59 || h > 14 || h == 14 && min > 0 {
		return false, fmt.Errorf("%q has a time-zone offset out of range (-14:00 to +14:00)", s)
	}
	return true, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// finish checks the referral and readies it for storing.
func (g *csvGroup) finish(c *CSVReader) (*safeguard.Referral, error) {
	if g.err != nil {
		return nil, g.err
	}
	r := g.ref
	for _, u := range g.usernames {
		// A username is name@platform; a bare name takes the referral's
		// platform.
		if !strings.Contains(u, "@") && r.Platform != "" {
			u += "@" + r.Platform
		}
		r.Identifiers = append(r.Identifiers, safeguard.Identifier{Kind: safeguard.IdentUsername, Value: u})
	}
	switch {
	case r.Source != safeguard.SourceP2P && r.Source != safeguard.SourceHotline:
		return nil, &CSVError{Line: g.line, Column: "source", Reason: fmt.Sprintf("source %q: a CSV file holds p2p or hotline referrals", r.Source)}
	case r.SourceRef == "":
		return nil, &CSVError{Line: g.line, Column: "source_ref", Reason: "source_ref required"}
	}
	if err := r.Validate(); err != nil {
		return nil, &CSVError{Line: g.line, Reason: safeguard.ErrorMessage(err)}
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = c.now
	}
	sum := sha256.Sum256(g.doc)
	r.Document, r.DocumentSHA256, r.Format = g.doc, hex.EncodeToString(sum[:]), "csv"
	return r, nil
}

// csvFile stores the referrals of a CSV bulk file, listing each refused
// one where it went wrong.
func (in *Ingester) csvFile(ctx context.Context, path string, r io.Reader, lineBase int, sum *Summary) error {
	reject := func(err error) {
		var ce *CSVError
		if errors.As(err, &ce) {
			if ce.Line > 0 {
				ce.Line += lineBase
			}
			sum.Rejected = append(sum.Rejected, Rejection{File: path, Where: ce.Where(), Error: ce.Reason})
			return
		}
		sum.Rejected = append(sum.Rejected, Rejection{File: path, Error: safeguard.ErrorMessage(err)})
	}
	cr, err := NewCSVReader(r, in.now(), in.MaxLine)
	if err != nil {
		reject(err)
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ref, err := cr.Next()
		if err == io.EOF {
			return nil
		} else if err != nil {
			reject(err)
			var ce *CSVError
			if errors.As(err, &ce) && ce.Fatal {
				return nil
			}
			continue
		}
		if err := in.store(ctx, ref, sum, path, fmt.Sprintf("line %d", lineBase+cr.line)); err != nil {
			return err
		}
	}
}
