package attribution

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// radiusRecord is one accounting record as read.
type radiusRecord struct {
	status    string // start, stop, interim-update
	session   string
	nas       string
	ips       []string // Framed-IP-Address and any IPv6 prefix, in column order
	at        time.Time
	account   string
	calling   string
	duration  time.Duration // Acct-Session-Time on a Stop, when given
	hasDur    bool
	wallHour  int // the hour as written, or -1 for Unix seconds and UTC-only forms
	line      int
	ipCol     int
	statusCol int
}

// nasRestart is the status of an Accounting-On or Accounting-Off record
// that names its NAS: the NAS's open sessions end there.
const nasRestart = "nas-restart"

// radiusKeys maps accepted attribute names (lower case) to record fields.
var radiusKeys = map[string]string{
	"acct-status-type":       "status",
	"framed-ip-address":      "ip",
	"framed-ipv6-prefix":     "ip",
	"delegated-ipv6-prefix":  "ip",
	"acct-session-id":        "session",
	"nas-ip-address":         "nas",
	"nas-identifier":         "nas",
	"timestamp":              "time",
	"event-timestamp":        "eventtime",
	"time":                   "time",
	"calling-station-id":     "calling",
	"user-name":              "account",
	"account":                "account",
	"acct-session-time":      "duration",
	"framed-ipv6-address":    "ip",
	"acct-delay-time":        "delay",
	"acct-input-octets":      "",
	"acct-output-octets":     "",
	"nas-port":               "",
	"class":                  "",
	"acct-terminate-cause":   "",
	"called-station-id":      "",
	"service-type":           "",
	"framed-protocol":        "",
	"acct-authentic":         "",
	"nas-port-type":          "",
	"acct-multi-session-id":  "",
	"acct-input-gigawords":   "",
	"acct-output-gigawords":  "",
	"acct-input-packets":     "",
	"acct-output-packets":    "",
	"acct-link-count":        "",
	"connect-info":           "",
	"tunnel-client-endpoint": "",

	// Short names an ISP's export may use instead.
	"status":          "status",
	"acct-status":     "status",
	"session-id":      "session",
	"session":         "session",
	"ip":              "ip",
	"ip-address":      "ip",
	"framed-ip":       "ip",
	"ipv6-prefix":     "ip",
	"nas":             "nas",
	"subscriber":      "account",
	"subscriber-id":   "account",
	"username":        "account",
	"calling-station": "calling",
	"session-time":    "duration",
}

// radiusKey maps an attribute name as written (any case; "_" or a space
// for "-") to a record field: "" for one that is known and not used,
// false for one not known.
func radiusKey(name string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
	n = strings.NewReplacer("_", "-", " ", "-").Replace(n)
	k, ok := radiusKeys[n]
	return k, ok
}

// ReadRADIUS reads a RADIUS-accounting session log, either CSV with a
// header naming the attributes (Acct-Status-Type, Framed-IP-Address,
// Acct-Session-Id, Event-Timestamp or Timestamp, Calling-Station-Id,
// User-Name, ...) or one record a line as Key=Value pairs (values may be
// double-quoted), or a FreeRADIUS detail file. Attribute names may use "_"
// or spaces for "-" and short names (status, session_id, ip, account).
// Timestamps are RFC 3339 with an offset or Unix seconds. Start and Stop
// records are paired by session id (and NAS, when given) into leases;
// Interim-Update records extend a session. A session's lease covers what
// its records show; with no Stop, the time from its last record to the
// log's last time is a separate lease marked OpenEnd, and with no Start
// (and no Acct-Session-Time on its Stop) the time from the log's first
// time to its first record is one marked OpenStart: Resolve never confirms
// on those. An Accounting-On or -Off naming its NAS ends that NAS's open
// sessions. A record's time is its Event-Timestamp, else its log time less
// Acct-Delay-Time. The subscriber id is the account (User-Name) when given,
// else the Calling-Station-Id.
func ReadRADIUS(r io.Reader, file string) ([]Lease, error) {
	br := bufio.NewReader(skipBOM(r))
	head, _ := br.Peek(4096)
	first := firstDataLine(string(head))
	var recs []radiusRecord
	var err error
	switch {
	case detailDateRE.MatchString(first):
		recs, err = readRADIUSDetail(br, file)
	case strings.Contains(first, "="):
		recs, err = readRADIUSPairs(br, file)
	default:
		recs, err = readRADIUSCSV(br, file)
	}
	if err != nil {
		return nil, err
	}
	leases, err := pairSessions(recs, file)
	if err != nil {
		return nil, err
	}
	var clock clockCheck
	for _, r := range recs {
		if r.wallHour >= 0 {
			clock.seeHour(r.wallHour)
		}
	}
	if w := clock.warning(file); w != "" {
		for i := range leases {
			leases[i].ClockWarning = w
		}
	}
	return leases, nil
}

// isRADIUSHead reports whether a file's first line is of a RADIUS log: it
// names Acct-Status-Type, or, as a CSV header, has a status and a session
// column.
func isRADIUSHead(line string) bool {
	l := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(line))
	if strings.Contains(l, "acct-status-type") {
		return true
	}
	var status, session bool
	for _, h := range strings.Split(line, ",") {
		switch k, _ := radiusKey(strings.Trim(strings.TrimSpace(h), `"`)); k {
		case "status":
			status = true
		case "session":
			session = true
		}
	}
	return status && session
}

func firstDataLine(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

func readRADIUSCSV(r io.Reader, file string) ([]radiusRecord, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var header []string
	var out []radiusRecord
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
		if header == nil {
			header = make([]string, len(rec))
			have := map[string]bool{}
			for i, h := range rec {
				header[i], _ = radiusKey(h)
				have[header[i]] = true
			}
			have["time"] = have["time"] || have["eventtime"]
			for _, need := range []string{"status", "ip", "session", "time"} {
				if !have[need] {
					return nil, whereErr(file, line, 0, "", fmt.Errorf("RADIUS header has no %s column (want Acct-Status-Type, Framed-IP-Address, Acct-Session-Id, Event-Timestamp)", need))
				}
			}
			continue
		}
		var kv []radiusField
		for i, v := range rec {
			if i < len(header) && header[i] != "" {
				kv = append(kv, radiusField{header[i], strings.TrimSpace(v), i + 1})
			}
		}
		rr, err := makeRADIUSRecord(kv, file, line)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}

type radiusField struct {
	key, value string
	col        int
}

// detailDateRE matches the line that opens a record of a FreeRADIUS
// detail file: the server's local time, "Fri Jun  5 08:00:00 2026".
var detailDateRE = regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}$`)

// readRADIUSDetail reads a FreeRADIUS detail file: records opened by a
// date line (the server's local time, with no zone: not used) and made of
// indented "Attribute = Value" lines, ended by a blank line. A record
// names the line of its date.
func readRADIUSDetail(r io.Reader, file string) ([]radiusRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []radiusRecord
	var kv []radiusField
	line, start := 0, 0
	flush := func() error {
		if start == 0 {
			return nil
		}
		rr, err := makeRADIUSRecord(kv, file, start)
		if err != nil {
			return err
		}
		out = append(out, rr)
		kv, start = nil, 0
		return nil
	}
	for sc.Scan() {
		line++
		raw := strings.TrimRight(sc.Text(), "\r")
		text := strings.TrimSpace(raw)
		switch {
		case text == "" || text[0] == '#':
			if err := flush(); err != nil {
				return nil, err
			}
		case detailDateRE.MatchString(raw):
			if err := flush(); err != nil {
				return nil, err
			}
			start = line
		case start > 0 && (raw[0] == ' ' || raw[0] == '\t'):
			k, v, ok := strings.Cut(text, "=")
			if !ok {
				return nil, whereErr(file, line, 0, "", fmt.Errorf("expected Attribute = Value, got %q", text))
			}
			k = strings.TrimSpace(k)
			v = strings.TrimSpace(v)
			if uq, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
				v = uq
			}
			if key, _ := radiusKey(k); key != "" {
				kv = append(kv, radiusField{key, v, 0})
			}
		default:
			return nil, whereErr(file, line, 0, "", fmt.Errorf("expected a record's date line (e.g. \"Fri Jun  5 08:00:00 2026\") or an indented Attribute = Value, got %q", text))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "%s:%d: %v", file, line+1, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

func readRADIUSPairs(r io.Reader, file string) ([]radiusRecord, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var out []radiusRecord
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		pairs, err := splitPairs(text)
		if err != nil {
			return nil, whereErr(file, line, 0, "", err)
		}
		var kv []radiusField
		for i, p := range pairs {
			k, _ := radiusKey(p[0])
			if k != "" {
				kv = append(kv, radiusField{k, p[1], i + 1})
			}
		}
		rr, err := makeRADIUSRecord(kv, file, line)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	if err := sc.Err(); err != nil {
		return nil, safeguard.WrapError(safeguard.EINVALID, err, "%s:%d: %v", file, line+1, err)
	}
	return out, nil
}

// splitPairs splits `K=V K2="v 2", K3=v3` into key/value pairs.
func splitPairs(s string) ([][2]string, error) {
	var out [][2]string
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == ';') {
			i++
		}
		if i >= len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 {
			return nil, fmt.Errorf("expected Key=Value at %q", s[i:])
		}
		key := strings.TrimSpace(s[i : i+eq])
		if strings.ContainsAny(key, " \t,;\"") {
			return nil, fmt.Errorf("bad attribute name %q", key)
		}
		i += eq + 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value for %s", key)
			}
			val = b.String()
		} else {
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ',' && s[j] != ';' {
				j++
			}
			val = s[i:j]
			i = j
		}
		out = append(out, [2]string{key, val})
	}
	return out, nil
}

func makeRADIUSRecord(kv []radiusField, file string, line int) (radiusRecord, error) {
	rr := radiusRecord{line: line}
	rawStatus := ""
	// Event-Timestamp is when the NAS saw the event; another time
	// (Timestamp) is when the record was logged, Acct-Delay-Time after
	// the event (RFC 2866). Of each kind the first readable one is used.
	var eventAt, logAt time.Time
	var eventHour, logHour int
	var delay time.Duration
	var timeErr error
	readTime := func(f radiusField, at *time.Time, hour *int) {
		t, err := parseRADIUSTime(f.value)
		switch {
		case err == nil && at.IsZero():
			*at, *hour = t.UTC(), -1
			if t.Location() != time.UTC || strings.ContainsAny(f.value, "Zz") {
				*hour = t.Hour() // RFC 3339, in its own offset
			}
		case err != nil && timeErr == nil:
			timeErr = whereErr(file, line, f.col, "timestamp", err)
		}
	}
	for _, f := range kv {
		switch f.key {
		case "status":
			rr.status, rr.statusCol, rawStatus = strings.ToLower(f.value), f.col, f.value
		case "ip":
			if f.value == "" || slices.Contains(rr.ips, f.value) {
				break
			}
			if _, err := ParsePrefix(f.value); err != nil {
				return rr, whereErr(file, line, f.col, "Framed-IP-Address", err)
			}
			rr.ips = append(rr.ips, f.value)
			if rr.ipCol == 0 {
				rr.ipCol = f.col
			}
		case "session":
			rr.session = f.value
		case "nas":
			if rr.nas == "" {
				rr.nas = f.value
			}
		case "account":
			if rr.account == "" {
				rr.account = f.value
			}
		case "calling":
			rr.calling = f.value
		case "duration":
			if f.value != "" {
				n, err := strconv.ParseInt(f.value, 10, 64)
				if err != nil || n < 0 {
					return rr, whereErr(file, line, f.col, "Acct-Session-Time", fmt.Errorf("%q is not a number of seconds", f.value))
				}
				rr.duration, rr.hasDur = time.Duration(n)*time.Second, true
			}
		case "eventtime":
			readTime(f, &eventAt, &eventHour)
		case "time":
			readTime(f, &logAt, &logHour)
		case "delay":
			if f.value != "" {
				n, err := strconv.ParseInt(f.value, 10, 64)
				if err != nil || n < 0 {
					return rr, whereErr(file, line, f.col, "Acct-Delay-Time", fmt.Errorf("%q is not a number of seconds", f.value))
				}
				delay = time.Duration(n) * time.Second
			}
		}
	}
	switch {
	case !eventAt.IsZero():
		rr.at, rr.wallHour = eventAt, eventHour
	case !logAt.IsZero():
		rr.at, rr.wallHour = logAt.Add(-delay), logHour
	}
	switch rr.status {
	case "start", "stop", "interim-update", "interim", "alive", "1", "2", "3":
	case "accounting-on", "accounting-off", "7", "8":
		// A NAS starting or stopping: its sessions have ended by then.
		// Without a NAS or a time it says nothing usable.
		rr.status = ""
		if rr.nas != "" && !rr.at.IsZero() {
			rr.status = nasRestart
		}
		return rr, nil
	case "":
		return rr, whereErr(file, line, 0, "", fmt.Errorf("no Acct-Status-Type"))
	default:
		return rr, whereErr(file, line, rr.statusCol, "Acct-Status-Type", fmt.Errorf("unknown Acct-Status-Type %q (want Start, Stop or Interim-Update)", rawStatus))
	}
	switch rr.status {
	case "1":
		rr.status = "start"
	case "2":
		rr.status = "stop"
	case "3", "interim", "alive":
		rr.status = "interim-update"
	}
	if rr.session == "" {
		return rr, whereErr(file, line, 0, "", fmt.Errorf("no Acct-Session-Id"))
	}
	if rr.at.IsZero() && timeErr != nil {
		return rr, timeErr
	}
	if rr.at.IsZero() {
		return rr, whereErr(file, line, 0, "", fmt.Errorf("no timestamp"))
	}
	if len(rr.ips) == 0 {
		return rr, whereErr(file, line, 0, "", fmt.Errorf("no Framed-IP-Address (or IPv6 prefix)"))
	}
	if rr.account == "" && rr.calling == "" {
		return rr, whereErr(file, line, 0, "", fmt.Errorf("no User-Name or Calling-Station-Id to name the subscriber"))
	}
	return rr, nil
}

// parseRADIUSTime accepts RFC 3339 with an offset or Unix seconds (the
// Event-Timestamp attribute), and refuses anything without an offset.
func parseRADIUSTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s != "" && len(s) <= 12 && strings.Trim(s, "0123456789") == "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	if m := detailTimeRE.FindStringSubmatch(s); m != nil {
		// "Jun  5 2026 08:00:00 UTC", as a detail file writes
		// Event-Timestamp: only UTC or GMT is an offset.
		switch strings.ToUpper(m[2]) {
		case "UTC", "GMT", "Z":
			return time.Parse("Jan _2 2006 15:04:05", m[1])
		}
		return time.Time{}, fmt.Errorf("time %q names the zone %q, an abbreviation that is not an offset: want Unix seconds or RFC 3339 with an offset", s, m[2])
	}
	return ParseISPTime(s) // in its own offset, for the 12-hour clock check
}

var detailTimeRE = regexp.MustCompile(`^([A-Z][a-z]{2}\s+\d{1,2}\s+\d{4}\s+\d{2}:\d{2}:\d{2})\s+([A-Za-z]{1,5})$`)

// pairSessions turns records into leases. A session's lease covers only
// what its records show: from its Start (or its Stop less
// Acct-Session-Time) to its Stop. What the log does not show is a separate
// lease marked OpenStart (from the log's first time to the session's first
// record, when neither Start nor Acct-Session-Time is given) or OpenEnd
// (from the session's last record to the log's last time, when there is no
// Stop): a session may have ended, or begun, at any time in there, and the
// address been someone else's, so Resolve never confirms an event on such a
// lease. A Stop repeated for a session already stopped is a retransmission
// and is skipped; records of one session naming different subscribers are
// refused.
func pairSessions(recs []radiusRecord, file string) ([]Lease, error) {
	recs = slices.DeleteFunc(recs, func(r radiusRecord) bool { return r.status == "" })
	if len(recs) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(recs, func(a, b radiusRecord) int { return a.at.Compare(b.at) })
	logStart, logEnd := recs[0].at, recs[len(recs)-1].at
	type session struct {
		first     radiusRecord
		from      time.Time // the first time the records show the session up
		last      time.Time // the last record's time
		openStart bool      // neither a Start nor Acct-Session-Time says when it began
	}
	open := map[string]*session{}
	stopped := map[string]time.Time{} // sessions stopped, and not started again, by key
	var keys []string                 // open sessions in order of first sight, for stable output
	var out []Lease
	emit := func(s *session, from, to time.Time, openStart, openEnd bool) {
		id := s.first.account
		if id == "" {
			id = s.first.calling
		}
		for _, ip := range s.first.ips {
			p, _ := ParsePrefix(ip)
			out = append(out, Lease{
				Prefix: p, Start: from, End: to, OpenStart: openStart, OpenEnd: openEnd,
				Subscriber: Subscriber{ID: id, CallingStation: s.first.calling},
				Source:     fmt.Sprintf("%s:%d", file, s.first.line),
			})
		}
	}
	// lease emits a session's leases; for one with no Stop, what the
	// records do not show runs from end to until.
	lease := func(s *session, end time.Time, openEnd bool, until time.Time) {
		if s.openStart && logStart.Before(s.from) {
			emit(s, logStart, s.from, true, false)
		}
		known := end.After(s.from) || !openEnd
		if known {
			emit(s, s.from, end, false, false)
		}
		if openEnd && (until.After(end) || !known) {
			// Even a Start that is the log's last record, so that an
			// event at it still finds the session.
			emit(s, end, until, false, true)
		}
	}
	for _, r := range recs {
		if r.status == nasRestart {
			// The NAS restarted or stopped: its open sessions ended by
			// now, when exactly the log does not say.
			for _, k := range keys {
				if s := open[k]; s != nil && s.first.nas == r.nas {
					lease(s, s.last, true, r.at)
					delete(open, k)
				}
			}
			continue
		}
		key := r.nas + "\x00" + r.session
		s := open[key]
		if s != nil {
			// Later records may add an IPv6 prefix; a session's IPv4
			// address never changes, nor does its subscriber.
			for _, ip := range r.ips {
				if slices.Contains(s.first.ips, ip) {
					continue
				}
				if v4 := firstIPv4(s.first.ips); v4 != "" && isIPv4(ip) {
					return nil, whereErr(file, r.line, r.ipCol, "Framed-IP-Address",
						fmt.Errorf("session %s has address %s here but %s at line %d", r.session, ip, v4, s.first.line))
				}
				s.first.ips = append(s.first.ips, ip)
			}
			if err := sameSubscriber(s.first, r, file); err != nil {
				return nil, err
			}
		}
		switch r.status {
		case "start":
			if s != nil {
				if s.first.status == "start" && s.first.at.Equal(r.at) {
					continue // a retransmitted Start
				}
				return nil, whereErr(file, r.line, r.statusCol, "Acct-Status-Type",
					fmt.Errorf("second Start for session %s (first at line %d) without a Stop", r.session, s.first.line))
			}
			delete(stopped, key)
			open[key] = &session{first: r, from: r.at, last: r.at}
			keys = append(keys, key)
		case "interim-update":
			if s == nil {
				// The log began mid-session: known to be up from here.
				open[key] = &session{first: r, from: r.at, last: r.at, openStart: true}
				keys = append(keys, key)
			} else {
				s.last = r.at
			}
		case "stop":
			if s == nil {
				if _, dup := stopped[key]; dup {
					continue // a retransmitted Stop of a session already stopped
				}
				s = &session{first: r, from: r.at, openStart: true}
				if r.hasDur {
					s.from, s.openStart = r.at.Add(-r.duration), false
				}
			} else if s.openStart && r.hasDur && r.at.Add(-r.duration).Before(s.from) {
				s.from, s.openStart = r.at.Add(-r.duration), false
			}
			if r.account != "" && s.first.account == "" {
				s.first.account = r.account
			}
			lease(s, r.at, false, r.at)
			delete(open, key)
			stopped[key] = r.at
		}
	}
	for _, k := range keys {
		if s := open[k]; s != nil {
			lease(s, s.last, true, logEnd)
			delete(open, k)
		}
	}
	return out, nil
}

// sameSubscriber refuses a record that names a different account or
// calling station than the session's first record.
func sameSubscriber(first, r radiusRecord, file string) error {
	for _, f := range []struct{ name, a, b string }{
		{"User-Name", first.account, r.account},
		{"Calling-Station-Id", first.calling, r.calling},
	} {
		if f.a != "" && f.b != "" && f.a != f.b {
			return whereErr(file, r.line, 0, "", fmt.Errorf("session %s names %s %q here but %q at line %d", r.session, f.name, f.b, f.a, first.line))
		}
	}
	return nil
}

func isIPv4(s string) bool {
	p, err := ParsePrefix(s)
	return err == nil && p.Addr().Is4()
}

func firstIPv4(ips []string) string {
	for _, ip := range ips {
		if isIPv4(ip) {
			return ip
		}
	}
	return ""
}
