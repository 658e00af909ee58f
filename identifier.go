package safeguard

import (
	"net/mail"
	"strings"
	"unicode"
)

// Identifier kinds.
const (
	IdentEmail      = "email"
	IdentPhone      = "phone"
	IdentUsername   = "username" // value is "name@platform"
	IdentAccountID  = "account_id"
	IdentDeviceID   = "device_id"
	IdentSubscriber = "subscriber_id"
	IdentAddress    = "address"
	IdentName       = "name"
)

// Identifier is something that can tie referrals to one person. Value is
// personal data: stored encrypted, looked up through a keyed blind index of
// its normalised form.
type Identifier struct {
	ID    int64  `json:"id,omitempty"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Validate returns EINVALID for an unknown kind or an empty value.
func (i *Identifier) Validate() error {
	switch i.Kind {
	case IdentEmail, IdentPhone, IdentUsername, IdentAccountID, IdentDeviceID, IdentSubscriber, IdentAddress, IdentName:
	default:
		return Errorf(EINVALID, "unknown identifier kind %q", i.Kind)
	}
	if strings.TrimSpace(i.Value) == "" {
		return Errorf(EINVALID, "empty %s identifier", i.Kind)
	}
	return nil
}

// Normalized returns the form used for equality: e-mails lower-cased with
// the address part only, phones as digits with a leading +, usernames and
// ids lower-cased and trimmed, names and addresses with case and spacing
// folded.
func (i *Identifier) Normalized() string {
	v := strings.TrimSpace(i.Value)
	switch i.Kind {
	case IdentEmail:
		if a, err := mail.ParseAddress(v); err == nil {
			v = a.Address
		}
		return strings.ToLower(v)
	case IdentPhone:
		var b strings.Builder
		for i, r := range v {
			if r == '+' && i == 0 {
				b.WriteRune(r)
			} else if unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		return b.String()
	case IdentName, IdentAddress:
		return strings.Join(strings.Fields(strings.ToLower(v)), " ")
	default:
		return strings.ToLower(v)
	}
}
