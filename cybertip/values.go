package cybertip

import (
	"encoding/hex"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"safeguard"
)

// xsDateTime is the lexical form of xs:dateTime: the offset is optional.
var xsDateTime = regexp.MustCompile(`^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// xsDate is the lexical form of xs:date, optionally with an offset.
var xsDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$`)

// DateTime is an xs:dateTime as received: the text, and the UTC instant only
// when the text carried an offset (or Z). A time without an offset is never
// taken to be UTC.
type DateTime struct {
	Text      string     `json:"text"`
	At        *time.Time `json:"at,omitempty"`
	HasOffset bool       `json:"has_offset"`
}

// parseTime reads n's text as an xs:dateTime.
func parseTime(n *node) (DateTime, error) {
	if err := n.plain(); err != nil {
		return DateTime{}, err
	}
	return parseTimeText(n.str(), n)
}

func parseTimeText(s string, n *node) (DateTime, error) {
	m := xsDateTime.FindStringSubmatch(s)
	if m == nil {
		return DateTime{}, n.errorf("not an xs:dateTime (want YYYY-MM-DDThh:mm:ss with an optional offset)")
	}
	t := DateTime{Text: s}
	// 24:00:00 is the end of the day, which XML Schema allows and Go's
	// parser does not: read as 00:00:00 and moved on a day.
	parse, endOfDay := s, m[4] == "24"
	if endOfDay {
		if m[5] != "00" || m[6] != "00" || strings.Trim(strings.TrimPrefix(m[7], "."), "0") != "" {
			return DateTime{}, n.errorf("not a valid date and time: hour 24 is only 24:00:00")
		}
		parse = s[:len(m[1])+7] + "00" + s[len(m[1])+9:]
	}
	if tz := m[8]; tz != "" && tz != "Z" {
		// XML Schema allows offsets up to ±14:00; Go's parser takes any
		// hour below 24 and minutes up to 99, so +01:60 would be read as
		// +02:00: a time refused is better than a time an hour out.
		h, _ := strconv.Atoi(tz[1:3])
		min, _ := strconv.Atoi(tz[4:6])
		if min > 59 || h > 14 || h == 14 && min > 0 {
			return DateTime{}, n.errorf("time-zone offset %s out of range (-14:00 to +14:00)", tz)
		}
	}
	layout := "2006-01-02T15:04:05"
	if m[8] != "" {
		layout = time.RFC3339Nano
	}
	at, err := time.Parse(layout, parse)
	if err != nil {
		return DateTime{}, n.errorf("not a valid date and time")
	}
	if m[8] == "" {
		// No offset: a real date and time, but no instant is recorded.
		return t, nil
	}
	if endOfDay {
		at = at.AddDate(0, 0, 1)
	}
	at = at.UTC()
	t.At, t.HasOffset = &at, true
	return t, nil
}

// parseDate reads n's text as an xs:date and returns it as YYYY-MM-DD.
func parseDate(n *node) (string, error) {
	if err := n.plain(); err != nil {
		return "", err
	}
	s := n.str()
	m := xsDate.FindStringSubmatch(s)
	if m == nil {
		return "", n.errorf("not an xs:date (want YYYY-MM-DD)")
	}
	d := m[1] + "-" + m[2] + "-" + m[3]
	if _, err := time.Parse("2006-01-02", d); err != nil {
		return "", n.errorf("not a valid date")
	}
	return d, nil
}

// parseBool reads an xs:boolean.
func parseBool(n *node) (bool, error) {
	if err := n.plain(); err != nil {
		return false, err
	}
	switch n.str() {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, n.errorf("not an xs:boolean (want true, false, 1 or 0)")
}

// optBool reads the optional boolean child name of n.
func optBool(n *node, name string) (*bool, error) {
	c, err := n.single(name)
	if c == nil || err != nil {
		return nil, err
	}
	b, err := parseBool(c)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// parseInt reads an xs:int.
func parseInt(n *node) (int, error) {
	if err := n.plain(); err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(n.str(), 10, 32)
	if err != nil {
		return 0, n.errorf("not an xs:int")
	}
	return int(v), nil
}

// parseLong reads an xs:long and returns its canonical decimal text.
func parseLong(n *node) (string, error) {
	if err := n.plain(); err != nil {
		return "", err
	}
	v, err := strconv.ParseInt(strings.TrimPrefix(n.str(), "+"), 10, 64)
	if err != nil {
		return "", n.errorf("not an xs:long")
	}
	return strconv.FormatInt(v, 10), nil
}

// parseDegrees checks that n is a latitude or longitude: an xs:double
// within ±max. xs:double also allows INF and NaN, which are no place.
func parseDegrees(n *node, max float64) error {
	if err := n.plain(); err != nil {
		return err
	}
	s := n.str()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xX_") { // ParseFloat also reads hex floats
		return n.errorf("not a number")
	}
	if math.IsNaN(v) || v < -max || v > max {
		return n.errorf("not a position: want a number from -%g to %g degrees", max, max)
	}
	return nil
}

// parseIP reads an IP address. The schema types it as a plain string.
// IPv4-mapped IPv6 addresses are unmapped, so one address has one form.
func parseIP(n *node) (netip.Addr, error) {
	if err := n.plain(); err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(n.str())
	if err != nil {
		return netip.Addr{}, n.errorf("not an IP address")
	}
	if a.Zone() != "" {
		return netip.Addr{}, n.errorf("IP address with a zone is not a public address")
	}
	return a.Unmap(), nil
}

// Hash types written in hexadecimal, and their lengths in hex digits. MD5,
// SHA1, SHA256 and PDQ have a place in safeguard.File; the others are kept
// in FileDetails.OtherHashes.
var hashLens = map[string]int{"MD5": 32, "SHA1": 40, "SHA256": 64, "PDQ": 64, "SHA384": 96, "SHA512": 128}

// otherHashKinds are hash types known to be sent whose values are not
// hexadecimal digests of a fixed length (PhotoDNA is base64 or a list of
// numbers; the video hashes are longer structures): kept as given.
var otherHashKinds = map[string]string{"PHOTODNA": "PhotoDNA", "TMKPDQF": "TMK+PDQF", "VPDQ": "vPDQ"}

// hashKind folds a hashType attribute ("SHA-256", "sha256", "Sha_1") to its
// canonical name. ok is false for a type that is none of hashLens or
// otherHashKinds (see addUnknownHash).
func hashKind(t string) (kind string, ok bool) {
	f := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "", "+", "").Replace(strings.TrimSpace(t)))
	if _, ok := hashLens[f]; ok {
		return f, true
	}
	kind, ok = otherHashKinds[f]
	return kind, ok
}

// parseHex checks that s is want hex digits and returns it lower-cased.
func parseHex(n *node, kind string, s string) (string, error) {
	if err := n.plain(); err != nil {
		return "", err
	}
	want := hashLens[kind]
	if len(s) != want {
		return "", n.errorf("%s hash must be %d hex digits, got %d characters", kind, want, len(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return "", n.errorf("%s hash is not hexadecimal", kind)
	}
	return strings.ToLower(s), nil
}

// parseIPCapture reads an ipCaptureEvent element.
func parseIPCapture(n *node, role string) (IPCapture, error) {
	c := IPCapture{Role: role, Path: n.path()}
	for _, name := range []string{"ipAddress", "eventName", "dateTime", "possibleProxy", "port"} {
		if _, err := n.single(name); err != nil {
			return c, err
		}
	}
	ipn := n.child("ipAddress")
	if ipn == nil {
		return c, n.errorf("ipCaptureEvent without an ipAddress")
	}
	ip, err := parseIP(ipn)
	if err != nil {
		return c, err
	}
	c.IP = ip
	c.EventType = n.value("eventName")
	if dn := n.child("dateTime"); dn != nil {
		t, err := parseTime(dn)
		if err != nil {
			return c, err
		}
		c.TimeText, c.At, c.HasOffset = t.Text, t.At, t.HasOffset
	}
	if c.PossibleProxy, err = optBool(n, "possibleProxy"); err != nil {
		return c, err
	}
	c.IPEvent.PossibleProxy = c.PossibleProxy != nil && *c.PossibleProxy
	if pn := n.child("port"); pn != nil {
		p, err := parseInt(pn)
		if err != nil {
			return c, err
		}
		if p < 0 || p > 65535 {
			return c, pn.errorf("port out of range 0-65535")
		}
		c.Port = &p
	}
	return c, nil
}

// ident appends an identifier of kind with value v to ids, unless v is blank
// or the same identifier is already there.
func ident(ids []safeguard.Identifier, kind, v string) []safeguard.Identifier {
	v = strings.TrimSpace(v)
	if v == "" {
		return ids
	}
	add := safeguard.Identifier{Kind: kind, Value: v}
	for i := range ids {
		if ids[i].Kind == kind && ids[i].Normalized() == add.Normalized() {
			return ids
		}
	}
	return append(ids, add)
}
