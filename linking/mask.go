package linking

import (
	"strings"
	"unicode/utf8"

	"safeguard"
)

// kindWords names each kind in evidence text.
var kindWords = map[string]string{
	safeguard.IdentEmail:      "e-mail",
	safeguard.IdentPhone:      "phone",
	safeguard.IdentUsername:   "username",
	safeguard.IdentAccountID:  "account id",
	safeguard.IdentDeviceID:   "device id",
	safeguard.IdentSubscriber: "subscriber id",
	safeguard.IdentAddress:    "installation address",
	safeguard.IdentName:       "name",
	KindIP:                    "IP address",
}

// KindWords returns how a kind is named in evidence, e.g. "e-mail".
func KindWords(kind string) string {
	if w, ok := kindWords[kind]; ok {
		return w
	}
	return kind
}

// Masked returns the value as it may be shown in evidence, which is
// stored in clear: enough for an analyst to recognise it beside the
// subject's sealed identifiers, never the whole value ("a…@example.com",
// "+44…123", "address in QA1").
func (n Norm) Masked() string {
	v := n.Value
	switch n.Kind {
	case safeguard.IdentEmail, safeguard.IdentUsername, safeguard.IdentAccountID:
		if at := strings.LastIndexByte(v, '@'); at > 0 {
			return firstRune(v[:at]) + "…@" + v[at+1:]
		}
		return firstRune(v) + "…"
	case safeguard.IdentPhone:
		if len(v) > 7 {
			return v[:3] + "…" + v[len(v)-3:]
		}
		return "…"
	case safeguard.IdentAddress:
		if out, _, ok := strings.Cut(n.Postcode, " "); ok {
			return "… " + out
		}
		return "…"
	case safeguard.IdentName:
		var b []string
		for _, w := range strings.Fields(v) {
			b = append(b, strings.ToUpper(firstRune(w))+"…")
		}
		return strings.Join(b, " ")
	case KindIP:
		if i := strings.LastIndexAny(v, ".:"); i > 0 {
			return v[:i+1] + "…"
		}
		return "…"
	}
	if utf8.RuneCountInString(v) > 6 {
		return "…" + v[len(v)-3:]
	}
	return "…"
}

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
