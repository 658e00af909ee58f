package cybertip

import (
	"encoding/hex"
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
	return parseTimeText(n.str(), n)
}

func parseTimeText(s string, n *node) (DateTime, error) {
	m := xsDateTime.FindStringSubmatch(s)
	if m == nil {
		return DateTime{}, n.errorf("not an xs:dateTime (want YYYY-MM-DDThh:mm:ss with an optional offset)")
	}
	t := DateTime{Text: s}
	if m[8] != "" {
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return DateTime{}, n.errorf("not a valid date and time")
		}
		at = at.UTC()
		t.At, t.HasOffset = &at, true
		return t, nil
	}
	// No offset: check that it is a real date and time, but record no
	// instant.
	if _, err := time.Parse("2006-01-02T15:04:05", s); err != nil {
		return DateTime{}, n.errorf("not a valid date and time")
	}
	return t, nil
}

// parseDate reads n's text as an xs:date and returns it as YYYY-MM-DD.
func parseDate(n *node) (string, error) {
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
	c := n.child(name)
	if c == nil {
		return nil, nil
	}
	b, err := parseBool(c)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// parseInt reads an xs:int.
func parseInt(n *node) (int, error) {
	v, err := strconv.ParseInt(n.str(), 10, 32)
	if err != nil {
		return 0, n.errorf("not an xs:int")
	}
	return int(v), nil
}

// parseLong reads an xs:long and returns its canonical decimal text.
func parseLong(n *node) (string, error) {
	v, err := strconv.ParseInt(strings.TrimPrefix(n.str(), "+"), 10, 64)
	if err != nil {
		return "", n.errorf("not an xs:long")
	}
	return strconv.FormatInt(v, 10), nil
}

// parseIP reads an IP address. The schema types it as a plain string.
// IPv4-mapped IPv6 addresses are unmapped, so one address has one form.
func parseIP(n *node) (netip.Addr, error) {
	a, err := netip.ParseAddr(n.str())
	if err != nil {
		return netip.Addr{}, n.errorf("not an IP address")
	}
	if a.Zone() != "" {
		return netip.Addr{}, n.errorf("IP address with a zone is not a public address")
	}
	return a.Unmap(), nil
}

// Hash types with a place in safeguard.File, and their lengths in hex
// digits.
var hashLens = map[string]int{"MD5": 32, "SHA1": 40, "SHA256": 64, "PDQ": 64}

// hashKind folds a hashType attribute ("SHA-256", "sha256", "Sha_1") to
// MD5, SHA1, SHA256 or PDQ, or returns the trimmed original for any other.
func hashKind(t string) string {
	f := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(t)))
	if _, ok := hashLens[f]; ok {
		return f
	}
	return strings.TrimSpace(t)
}

// parseHex checks that s is want hex digits and returns it lower-cased.
func parseHex(n *node, kind string, s string) (string, error) {
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
