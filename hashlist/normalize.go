package hashlist

import (
	"fmt"
	"strings"

	"safeguard"
)

// Kind is a hash algorithm a list can carry.
type Kind string

// Kinds of hash. PDQ is Meta's 256-bit perceptual hash, as 64 hex digits.
const (
	MD5    Kind = "md5"
	SHA1   Kind = "sha1"
	SHA256 Kind = "sha256"
	PDQ    Kind = "pdq"
)

// HexLen returns the number of hex digits of a k hash, 0 for an unknown kind.
func (k Kind) HexLen() int {
	switch k {
	case MD5:
		return 32
	case SHA1:
		return 40
	case SHA256, PDQ:
		return 64
	}
	return 0
}

// NormalizeHex checks that s is a k hash and returns it in lower case. The
// error says what is wrong, e.g. `md5 "abc" has 3 hex digits, want 32`.
func NormalizeHex(k Kind, s string) (string, error) {
	want := k.HexLen()
	if want == 0 {
		return "", fmt.Errorf("unknown hash kind %q", k)
	}
	if len(s) != want {
		return "", fmt.Errorf("%s %.80q has %d hex digits, want %d", k, s, len(s), want)
	}
	return lowerHex(k, s)
}

// lowerHex returns s in lower case, or an error naming the first character
// that is not a hex digit.
func lowerHex(k Kind, s string) (string, error) {
	lower := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			lower = false
		default:
			r := []rune(s[i:])[0]
			return "", fmt.Errorf("%s %.80q has a non-hex digit %q at offset %d", k, s, r, i)
		}
	}
	if lower {
		return s, nil
	}
	return strings.ToLower(s), nil
}

// isHex reports whether s is non-empty and all hex digits.
func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ukCategories maps the spellings accepted for UK categories, in lower case,
// to their codes.
var ukCategories = map[string]string{
	"a": "A", "b": "B", "c": "C",
	"not indecent": "not_indecent", "not_indecent": "not_indecent",
	"not-indecent": "not_indecent", "ni": "not_indecent",
}

// Category returns the code of the category raw in scheme s: UK accepts
// A, B, C, "not indecent" (also not_indecent, NI) and uncategorised; Project
// VIC accepts 0 to 4 and uncategorised. Empty is uncategorised in both.
// Nothing is ever mapped from one scheme to the other: a VIC "1" in a UK
// bank is an error.
func Category(s safeguard.Scheme, raw string) (string, error) {
	t := strings.TrimSpace(raw)
	l := strings.ToLower(t)
	if l == "" || l == safeguard.Uncategorised || l == "uncategorized" {
		return safeguard.Uncategorised, nil
	}
	switch s {
	case safeguard.SchemeUK:
		if c, ok := ukCategories[l]; ok {
			return c, nil
		}
	case safeguard.SchemeVIC:
		if s.ValidCategory(t) {
			return t, nil
		}
	default:
		return "", fmt.Errorf("unknown category scheme %q", s)
	}
	return "", fmt.Errorf("category %.40q is not a %s category (want %s)", raw, s, strings.Join(categoryChoices(s), ", "))
}

func categoryChoices(s safeguard.Scheme) []string {
	if s == safeguard.SchemeUK {
		return []string{"A", "B", "C", "not indecent", "uncategorised"}
	}
	return s.Categories()
}

// SchemeOf reports the scheme a category belongs to: A, B, C and "not
// indecent" are UK, 0 to 4 are Project VIC. Empty and uncategorised belong
// to both, and ok is false for them and for anything unknown.
func SchemeOf(raw string) (s safeguard.Scheme, ok bool) {
	t := strings.TrimSpace(raw)
	if _, uk := ukCategories[strings.ToLower(t)]; uk {
		return safeguard.SchemeUK, true
	} else if t != safeguard.Uncategorised && safeguard.SchemeVIC.ValidCategory(t) {
		return safeguard.SchemeVIC, true
	}
	return "", false
}

// categorizer checks categories against a scheme that is either given or
// inferred from the first category that implies one.
type categorizer struct {
	scheme safeguard.Scheme
	from   string // where the scheme was inferred, for error messages
}

func (c *categorizer) category(raw, where string) (string, error) {
	if c.scheme == "" {
		s, ok := SchemeOf(raw)
		if !ok {
			if code, err := Category(safeguard.SchemeUK, raw); err == nil {
				return code, nil // uncategorised
			}
			return "", fmt.Errorf("category %.40q is neither a uk category (A, B, C, not indecent) nor a vic one (0-4)", raw)
		}
		c.scheme, c.from = s, where
	}
	code, err := Category(c.scheme, raw)
	if err != nil && c.from != "" {
		return "", fmt.Errorf("%w; the scheme was taken from the category at %s", err, c.from)
	}
	return code, err
}
