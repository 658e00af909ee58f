package linking

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"

	"safeguard"
)

// KindIP is the kind of a weak identifier taken from a referral's IP
// events: an address alone never links (many people share one).
const KindIP = "ip"

// Norm is an identifier in the form used for equality.
type Norm struct {
	Kind  string
	Value string // canonical value; compare Kind and Value together
	// Exact is false when the value could not be put in canonical form (a
	// phone with no country, a username or account id with no platform):
	// it is kept, but only ever offered as a possible link.
	Exact bool
	// Postcode is the normalised UK postcode of an address, if it has one.
	Postcode string
}

// Key returns the kind and value as one map key.
func (n Norm) Key() string { return n.Kind + "\x00" + n.Value }

// Strong reports whether n may link referrals on its own. E-mail, phone,
// username@platform, account id, device id, subscriber id and
// installation address are strong when fully normalised; names, IP
// addresses and anything that could not be normalised are weak.
func (n Norm) Strong() bool {
	if !n.Exact {
		return false
	}
	switch n.Kind {
	case safeguard.IdentEmail, safeguard.IdentPhone, safeguard.IdentUsername, safeguard.IdentAccountID,
		safeguard.IdentDeviceID, safeguard.IdentSubscriber, safeguard.IdentAddress:
		return true
	}
	return false
}

// Normalize returns the canonical form of id. platform is the referral's
// platform, used to scope a bare username or account id. A form that would
// not normalise to itself (an oddity such as "0@..") is never Exact, so it
// can only ever be a possible link.
func Normalize(id safeguard.Identifier, platform string) Norm {
	n := normalizeOnce(id, platform)
	if n.Exact {
		again := normalizeOnce(safeguard.Identifier{Kind: id.Kind, Value: n.Value}, platform)
		n.Exact = again.Exact && again.Value == n.Value
	}
	return n
}

func normalizeOnce(id safeguard.Identifier, platform string) Norm {
	n := Norm{Kind: id.Kind, Exact: true}
	switch id.Kind {
	case safeguard.IdentEmail:
		n.Value, n.Exact = NormalizeEmail(id.Value)
	case safeguard.IdentPhone:
		n.Value, n.Exact = NormalizePhone(id.Value)
	case safeguard.IdentUsername:
		n.Value, n.Exact = NormalizeUsername(id.Value, platform)
	case safeguard.IdentAccountID:
		n.Value, n.Exact = NormalizeAccountID(id.Value, platform)
	case safeguard.IdentDeviceID:
		n.Value = NormalizeDeviceID(id.Value)
	case safeguard.IdentSubscriber:
		n.Value = NormalizeSubscriberID(id.Value)
	case safeguard.IdentAddress:
		n.Value, n.Postcode = NormalizeAddress(id.Value)
	case safeguard.IdentName:
		n.Value = NormalizeName(id.Value)
	default:
		n.Value, n.Exact = strings.TrimSpace(id.Value), false
	}
	if n.Value == "" {
		n.Exact = false
	}
	return n
}

// emailRule says what a provider documents about its local parts.
type emailRule struct {
	domain string // canonical domain
	dots   bool   // dots in the local part are ignored
	plus   bool   // "+tag" sub-addressing delivers to the same mailbox
}

// emailRules lists only providers that document the behaviour; any other
// domain keeps its local part exactly (example.com's "a.b" and "ab" may be
// two people).
//   - Gmail: "dots don't matter" and "+anything" is delivered; googlemail.com
//     is the same service.
//   - Outlook.com (hotmail.com, live.com) and Fastmail, Proton: plus
//     addressing; dots are significant.
var emailRules = map[string]emailRule{
	"gmail.com":      {domain: "gmail.com", dots: true, plus: true},
	"googlemail.com": {domain: "gmail.com", dots: true, plus: true},
	"outlook.com":    {domain: "outlook.com", plus: true},
	"hotmail.com":    {domain: "hotmail.com", plus: true},
	"live.com":       {domain: "live.com", plus: true},
	"fastmail.com":   {domain: "fastmail.com", plus: true},
	"protonmail.com": {domain: "protonmail.com", plus: true},
	"proton.me":      {domain: "proton.me", plus: true},
}

// NormalizeEmail lower-cases an address (taking the address out of a
// "Name <addr>" form) and applies the provider's documented dot and plus
// rules. ok is false if it is not an address.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "<>\"() ,;:\\") {
		// Only a "Name <addr>" or quoted form needs the full parser.
		if a, err := mail.ParseAddress(s); err == nil {
			s = a.Address
		}
	}
	s = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "<"), ">"))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t") {
		return s, false
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if !strings.Contains(domain, ".") {
		return s, false
	}
	if r, ok := emailRules[domain]; ok {
		if r.plus {
			if i := strings.IndexByte(local, '+'); i > 0 {
				local = local[:i]
			}
		}
		if r.dots {
			local = strings.ReplaceAll(local, ".", "")
		}
		domain = r.domain
	}
	if local == "" {
		return s, false
	}
	return local + "@" + domain, true
}

// NormalizePhone returns a phone number in E.164 ("+447700900123"), with
// GB as the default region: "07700 900123", "+44 (0)7700 900123" and
// "0044 7700 900123" are one number. An extension ("x12", "ext. 12") is
// dropped. A number that cannot be placed in a country (no "+" or "00" and
// not a GB national number) is returned as its digits with ok false.
func NormalizePhone(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, ext := range []string{"ext", "x", "#"} {
		if i := strings.Index(s, ext); i > 0 {
			s = s[:i]
		}
	}
	s = strings.ReplaceAll(s, "(0)", "")
	intl := strings.HasPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if !intl && strings.HasPrefix(d, "00") {
		intl, d = true, d[2:]
	}
	switch {
	case intl && strings.HasPrefix(d, "44"):
		// A GB national significant number never starts with 0, so a 0
		// after the country code is a written trunk prefix.
		nsn := strings.TrimPrefix(d[2:], "0")
		if len(nsn) < 9 || len(nsn) > 10 || nsn[0] == '0' {
			return d, false
		}
		return "+44" + nsn, true
	case intl:
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return d, false
		}
		return "+" + d, true
	case len(d) >= 10 && len(d) <= 11 && d[0] == '0' && d[1] != '0':
		return "+44" + d[1:], true
	}
	return d, false
}

// NormalizeUsername returns "name@platform", lower-cased and trimmed
// (platforms treat usernames without regard to case; a leading "@" is
// how a handle is written, not part of it). The platform is the part
// after the last "@", else the given one; without a platform ok is false,
// since the same name on two services may be two people.
func NormalizeUsername(s, platform string) (string, bool) {
	// Leading "@"s and spaces in any mix ("@ @name") are decoration, so the
	// result normalises to itself.
	s = strings.TrimLeftFunc(s, func(r rune) bool { return r == '@' || unicode.IsSpace(r) })
	name, plat := scopedParts(s, platform)
	name = strings.ToLower(name)
	if name == "" || plat == "" {
		return name, false
	}
	return name + "@" + plat, true
}

// NormalizeAccountID returns "id@platform" with the id trimmed and its case
// kept: providers' account ids are opaque and may be case-sensitive
// (base64-like ids), so "AbC" and "abc" are not assumed to be one account.
// The platform is lower-cased; without one ok is false.
func NormalizeAccountID(s, platform string) (string, bool) {
	id, plat := scopedParts(s, platform)
	if id == "" || plat == "" {
		return id, false
	}
	return id + "@" + plat, true
}

// scopedParts splits "v@platform" at its last "@" (a username may itself
// be an e-mail address) and normalises the platform.
func scopedParts(s, platform string) (string, string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i > 0 && i < len(s)-1 {
		s, platform = strings.TrimSpace(s[:i]), s[i+1:]
	}
	return s, strings.Join(strings.Fields(strings.ToLower(platform)), " ")
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)
	macRE   = regexp.MustCompile(`^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$|^[0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2}){5}$`)
	ciscoRE = regexp.MustCompile(`^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$`)
	hexRE   = regexp.MustCompile(`^[0-9a-fA-F]{8,}$`)
)

// NormalizeDeviceID canonicalises the device id formats whose case and
// separators carry no meaning: an IMEI (digits; the Luhn check digit of a
// 15-digit IMEI is dropped so it equals the 14-digit form), a UUID
// (IDFA/IDFV/advertising id: lower-case, hyphenated), a MAC address
// (lower-case, colon-separated) and other hexadecimal ids (Android id:
// lower-case). Anything else is an opaque id: trimmed, case kept.
func NormalizeDeviceID(s string) string {
	s = strings.TrimSpace(s)
	digits := strings.NewReplacer(" ", "", "-", "", "/", "").Replace(s)
	if isDigits(digits) && len(digits) >= 14 && len(digits) <= 16 {
		if len(digits) == 15 && luhn(digits) {
			return digits[:14]
		}
		return digits
	}
	switch {
	case uuidRE.MatchString(s):
		h := strings.ToLower(strings.ReplaceAll(s, "-", ""))
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case macRE.MatchString(s) || ciscoRE.MatchString(s):
		h := strings.ToLower(strings.NewReplacer(":", "", "-", "", ".", "").Replace(s))
		parts := make([]string, 6)
		for i := range parts {
			parts[i] = h[2*i : 2*i+2]
		}
		return strings.Join(parts, ":")
	case hexRE.MatchString(s) && !isDigits(s):
		return strings.ToLower(s)
	}
	return s
}

// NormalizeSubscriberID trims an ISP's subscriber id and removes inner
// spaces; its case is kept, as the ISP's ids are opaque.
func NormalizeSubscriberID(s string) string { return strings.Join(strings.Fields(s), "") }

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// luhn reports whether the digits pass the Luhn check (IMEI check digit).
func luhn(d string) bool {
	sum := 0
	for i := range len(d) {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// postcodeRE finds a UK postcode: outward code (A9, A9A, A99, AA9, AA9A,
// AA99) and inward code (9AA), with or without the space.
var postcodeRE = regexp.MustCompile(`(?i)\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b`)

// NormalizePostcode returns a UK postcode in its standard form, upper-case
// with one space ("qa15zz" → "QA1 5ZZ"), and whether s is one.
func NormalizePostcode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	m := postcodeRE.FindStringSubmatchIndex(s)
	if m == nil || m[0] != 0 || m[1] != len(s) {
		return "", false
	}
	return strings.ToUpper(s[m[2]:m[3]] + " " + s[m[4]:m[5]]), true
}

// ukCountries are trailing address words that only restate the country.
var ukCountries = map[string]bool{"uk": true, "gb": true, "gbr": true, "united kingdom": true,
	"great britain": true, "england": true, "wales": true, "scotland": true, "northern ireland": true}

// NormalizeAddress folds an installation address for equality: lower-case,
// punctuation dropped, spaces collapsed, a trailing UK country name
// dropped, and its (last) UK postcode moved to the end in standard form,
// which is also returned. Abbreviations are not expanded: "Rd" and "Road"
// differ, as guessing could join two homes.
func NormalizeAddress(s string) (value, postcode string) {
	s = fold(s)
	if ms := postcodeRE.FindAllStringSubmatchIndex(s, -1); len(ms) > 0 {
		m := ms[len(ms)-1]
		postcode = strings.ToUpper(s[m[2]:m[3]] + " " + s[m[4]:m[5]])
		rest := strings.TrimSpace(s[m[1]:])
		if ukCountries[rest] {
			rest = ""
		}
		s = fold(s[:m[0]] + " " + rest)
	}
	value = s
	if w := lastWords(value); w != "" {
		value = strings.TrimSpace(strings.TrimSuffix(value, w))
	}
	if postcode != "" {
		value = strings.TrimSpace(value + " " + postcode)
	}
	return value, postcode
}

// lastWords returns the last one or two words of s when they name a UK
// country, else "".
func lastWords(s string) string {
	f := strings.Fields(s)
	for n := 2; n >= 1; n-- {
		if len(f) > n {
			w := strings.Join(f[len(f)-n:], " ")
			if ukCountries[w] {
				return w
			}
		}
	}
	return ""
}

// NormalizeName folds a person's or display name: lower-case, punctuation
// dropped, spaces collapsed. Names are weak: they never link on their own.
func NormalizeName(s string) string { return fold(s) }

// fold lower-cases s, turns punctuation into spaces (keeping letters,
// digits and the "/" and "-" of flat numbers) and collapses spaces.
func fold(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/' || r == '-':
			return unicode.ToLower(r)
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
