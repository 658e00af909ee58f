package attribution

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// localTimeRE matches a date and time of day with no offset, optionally
// followed by AM or PM.
var ampmRE = regexp.MustCompile(`(?i)(^|[\s\d])([ap]\.?m\.?)($|[\s+-])`)

var localTimeRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:\s*([AaPp][Mm]))?$`)

// ParseISPTime reads a time from an ISP record. Only RFC 3339 with an
// offset ("Z" or ±hh:mm) is accepted; a space may stand for the "T". A time
// with no offset is refused, and one whose hour is 12 or less without AM/PM
// or an offset is refused as a suspected 12-hour clock, because an ISP that
// dropped AM/PM once sent a warrant to an innocent home.
func ParseISPTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if t, err := parseRFC3339(s); err == nil {
		return t, nil
	} else if errors.Is(err, errOffsetRange) {
		return time.Time{}, err
	}
	if m := ampmRE.FindStringSubmatch(s); m != nil {
		return time.Time{}, fmt.Errorf("time %q uses a 12-hour clock (%s): want 24-hour RFC 3339 with an offset, e.g. 2026-03-01T19:15:00+00:00", s, strings.ToUpper(m[2]))
	}
	if m := localTimeRE.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[4])
		switch {
		case m[8] != "":
			return time.Time{}, fmt.Errorf("time %q uses a 12-hour clock (%s) and has no offset: want RFC 3339 with an offset, e.g. 2026-03-01T19:15:00+00:00", s, strings.ToUpper(m[8]))
		case h <= 12:
			return time.Time{}, fmt.Errorf("time %q has no offset and hour %d could be a 12-hour clock without AM/PM: want 24-hour RFC 3339 with an offset, e.g. 2026-03-01T07:15:00+00:00", s, h)
		default:
			return time.Time{}, fmt.Errorf("time %q has no time-zone offset (never assumed to be UTC): want RFC 3339 with an offset, e.g. 2026-03-01T19:15:00+00:00", s)
		}
	}
	if m := basicOffsetRE.FindStringSubmatch(s); m != nil {
		return time.Time{}, fmt.Errorf("time %q is not RFC 3339: its offset %s has no colon (write %s:%s)", s, m[1], m[1][:3], m[1][3:])
	}
	return time.Time{}, fmt.Errorf("time %q is not RFC 3339 with an offset (e.g. 2026-03-01T19:15:00+00:00)", s)
}

// basicOffsetRE matches an ISO 8601 basic offset (+0100) at the end.
var basicOffsetRE = regexp.MustCompile(`\d\s*([+-]\d{4})$`)

// parseRFC3339 parses RFC 3339 with an offset, allowing a space for "T".
// Offsets no zone has (beyond -12:00 to +14:00, or with 60 minutes or
// more, which time.Parse lets through) are refused.
func parseRFC3339(s string) (time.Time, error) {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if n := len(s); n > 0 && s[n-1] == 'z' {
		s = s[:n-1] + "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, err
	}
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':' {
		if err := checkOffset(s, s[n-6:n-3]+s[n-2:]); err != nil {
			return time.Time{}, err
		}
	}
	return t, nil
}

var errOffsetRange = errors.New("is out of range (no zone is beyond -12:00 to +14:00)")

// checkOffset refuses an offset ("+hhmm" or "-hhmm") that no time zone
// uses: beyond -12:00 to +14:00, or with minutes of 60 or more.
func checkOffset(s, off string) error {
	hh, _ := strconv.Atoi(off[1:3])
	mm, _ := strconv.Atoi(off[3:5])
	d := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	if off[0] == '-' {
		d = -d
	}
	if mm > 59 || d > 14*time.Hour || d < -12*time.Hour {
		return fmt.Errorf("time %q: offset %s:%s %w", s, off[:3], off[3:], errOffsetRange)
	}
	return nil
}

// EventTime is a referral's time as read: the instant when the text had an
// offset, otherwise the wall-clock reading alone.
type EventTime struct {
	At        time.Time // the instant, when HasOffset
	HasOffset bool
	Wall      time.Time // the wall-clock fields, in a UTC Location, when !HasOffset
	Abbrev    string    // a zone abbreviation the text named instead of an offset (BST, EST, ...)
}

// eventTimeRE matches a date and time of day with, optionally, AM/PM and a
// zone: Z, UTC, GMT, a numeric offset (with or without the colon) or an
// abbreviation, which is kept but never trusted as an offset.
var eventTimeRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:\s*[AaPp][Mm])?)\s*(?:([Zz]|UTC|GMT|[+-]\d{2}:?\d{2})|([A-Za-z]{2,5}))?$`)

// ParseEventTime reads a time exactly as a referral gave it: RFC 3339 with
// an offset or "Z", a Unix time in seconds (which is absolute), or a date
// and time of day without an offset (24-hour, or 12-hour with AM/PM), which
// is returned as a wall-clock reading and never as an instant.
func ParseEventTime(s string) (EventTime, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return EventTime{}, fmt.Errorf("empty time")
	}
	if t, err := parseRFC3339(s); err == nil {
		return EventTime{At: t.UTC(), HasOffset: true}, nil
	} else if errors.Is(err, errOffsetRange) {
		return EventTime{}, err
	}
	if n := len(s); n >= 9 && n <= 11 && strings.Trim(s, "0123456789") == "" {
		sec, _ := strconv.ParseInt(s, 10, 64)
		return EventTime{At: time.Unix(sec, 0).UTC(), HasOffset: true}, nil
	}
	iso, err := isoDate(s)
	if err != nil {
		return EventTime{}, err
	}
	z := eventTimeRE.FindStringSubmatch(iso)
	if z == nil {
		return EventTime{}, fmt.Errorf("time %q is neither RFC 3339 nor a date and time of day", s)
	}
	et, err := parseWall(s, z[1])
	if err != nil {
		return EventTime{}, err
	}
	if wd := weekdayRE.FindStringSubmatch(s); wd != nil {
		if got := et.Wall.Weekday().String()[:3]; !strings.EqualFold(wd[1], got) {
			return EventTime{}, fmt.Errorf("time %q: %s is a %s, not %s: the date may be mistyped", s, et.Wall.Format(time.DateOnly), et.Wall.Weekday(), wd[1])
		}
	}
	switch off := strings.ToUpper(z[2]); {
	case off == "":
		et.Abbrev = z[3]
		return et, nil
	case off == "Z" || off == "UTC" || off == "GMT" || off == "UT":
		return EventTime{At: et.Wall, HasOffset: true}, nil
	default:
		off = strings.Replace(off, ":", "", 1)
		if err := checkOffset(s, off); err != nil {
			return EventTime{}, err
		}
		hh, _ := strconv.Atoi(off[1:3])
		mm, _ := strconv.Atoi(off[3:5])
		d := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
		if off[0] == '-' {
			d = -d
		}
		return EventTime{At: et.Wall.Add(-d), HasOffset: true}, nil
	}
}

// Other ways referrals write dates: RFC 1123 / RFC 822 ("Mon, 30 Nov 2026
// 10:00:00 +0000", the weekday optional), and numeric dates with slashes
// (2026/11/30, 11/30/2026, 30/11/2026).
var (
	rfc1123RE = regexp.MustCompile(`^(?:([A-Za-z]{3}),?\s+)?(\d{1,2})[\s-]+([A-Za-z]{3})[\s-]+(\d{4})\s+(.*)$`)
	ymdRE     = regexp.MustCompile(`^(\d{4})/(\d{1,2})/(\d{1,2})(?:[Tt]|\s+)(.*)$`)
	slashRE   = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})(?:[Tt]|\s+)(.*)$`)
	weekdayRE = regexp.MustCompile(`^([A-Za-z]{3}),?\s`)
	months    = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
)

// isoDate rewrites the date of s as YYYY-MM-DD, leaving the rest: an
// RFC 1123 date, or a numeric date with slashes. Day and month are told
// apart only when one of them is over 12 (or both are the same): 3/4/2026
// is refused, never guessed.
func isoDate(s string) (string, error) {
	iso := func(y, m, d int, rest string) string {
		return fmt.Sprintf("%04d-%02d-%02d %s", y, m, d, strings.TrimSpace(rest))
	}
	num := func(v string) int { n, _ := strconv.Atoi(v); return n }
	if m := rfc1123RE.FindStringSubmatch(s); m != nil {
		mo, ok := months[strings.ToLower(m[3])]
		if !ok {
			return "", fmt.Errorf("time %q: %q is not a month", s, m[3])
		}
		return iso(num(m[4]), mo, num(m[2]), m[5]), nil
	}
	if m := ymdRE.FindStringSubmatch(s); m != nil {
		return iso(num(m[1]), num(m[2]), num(m[3]), m[4]), nil
	}
	if m := slashRE.FindStringSubmatch(s); m != nil {
		a, b, y := num(m[1]), num(m[2]), num(m[3])
		switch {
		case a < 1 || b < 1:
			return "", fmt.Errorf("time %q: %d/%d is not a day and a month", s, a, b)
		case a == b || (a <= 12 && b > 12): // month/day, the US order
			return iso(y, a, b, m[4]), nil
		case a > 12 && b <= 12: // day/month
			return iso(y, b, a, m[4]), nil
		case a <= 12 && b <= 12:
			return "", fmt.Errorf("time %q: the date could be month/day or day/month (%d %s or %d %s): write it as YYYY-MM-DD", s,
				b, time.Month(a).String()[:3], a, time.Month(b).String()[:3])
		default:
			return "", fmt.Errorf("time %q: neither %d nor %d is a month", s, a, b)
		}
	}
	return s, nil
}

// parseWall reads the date, time of day and AM/PM of wall as a wall-clock
// reading; s is the whole text, for errors.
func parseWall(s, wall string) (EventTime, error) {
	m := localTimeRE.FindStringSubmatch(wall)
	if m == nil {
		return EventTime{}, fmt.Errorf("time %q is neither RFC 3339 nor a date and time of day", s)
	}
	num := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	y, mo, d, h, mi := num(1), num(2), num(3), num(4), num(5)
	sec := 0
	if m[6] != "" {
		sec = num(6)
	}
	ns := 0
	if m[7] != "" {
		frac := (m[7][1:] + "000000000")[:9]
		ns, _ = strconv.Atoi(frac)
	}
	if ampm := strings.ToUpper(m[8]); ampm != "" {
		if h < 1 || h > 12 {
			return EventTime{}, fmt.Errorf("time %q: hour %d with %s", s, h, ampm)
		}
		h %= 12
		if ampm == "PM" {
			h += 12
		}
	}
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return EventTime{}, fmt.Errorf("time %q is out of range", s)
	}
	w := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if w.Day() != d {
		return EventTime{}, fmt.Errorf("time %q: day %d out of range", s, d)
	}
	return EventTime{Wall: w}, nil
}

// zoneInstants returns the instants at which the wall-clock reading w
// (fields in UTC) occurs in loc: one normally, two where a change back
// repeats the hour, none where a change forward skips it.
func zoneInstants(w time.Time, loc *time.Location) []time.Time {
	var offsets []int
	for _, d := range []time.Duration{-48 * time.Hour, -6 * time.Hour, 0, 6 * time.Hour, 48 * time.Hour} {
		_, off := w.Add(d).In(loc).Zone()
		dup := false
		for _, o := range offsets {
			dup = dup || o == off
		}
		if !dup {
			offsets = append(offsets, off)
		}
	}
	var out []time.Time
	for _, off := range offsets {
		t := w.Add(-time.Duration(off) * time.Second)
		if _, got := t.In(loc).Zone(); got == off {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}
