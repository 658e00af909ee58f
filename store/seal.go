package store

import (
	"safeguard"
	"safeguard/linking"
)

// Sealing contexts bind each ciphertext to its column, so a value copied
// into another column does not decrypt.
const (
	ctxSubjectName      = "subject.name"
	ctxSubjectAddress   = "subject.address"
	ctxReferralDocument = "referral.document"
	ctxFileName         = "referral_file.name"
)

// identifierContext binds an identifier's value to its kind.
func identifierContext(kind string) string { return "identifier." + kind }

func (tx *Tx) sealer() (safeguard.Sealer, error) {
	if tx.db.opts.Sealer == nil {
		return nil, safeguard.Errorf(safeguard.EINTERNAL, "no data key configured: personal data cannot be stored or read")
	}
	return tx.db.opts.Sealer, nil
}

// seal encrypts personal data; the empty value is stored as NULL.
func (tx *Tx) seal(plain []byte, context string) (any, error) {
	if len(plain) == 0 {
		return nil, nil
	}
	s, err := tx.sealer()
	if err != nil {
		return nil, err
	}
	ct, err := s.Seal(plain, context)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "cannot encrypt personal data")
	}
	return ct, nil
}

func (tx *Tx) sealString(plain, context string) (any, error) { return tx.seal([]byte(plain), context) }

// open decrypts what seal stored; NULL is the empty value.
func (tx *Tx) open(ct []byte, context string) ([]byte, error) {
	if len(ct) == 0 {
		return nil, nil
	}
	s, err := tx.sealer()
	if err != nil {
		return nil, err
	}
	pt, err := s.Open(ct, context)
	if err != nil {
		return nil, safeguard.WrapError(safeguard.EINTERNAL, err, "cannot decrypt personal data (wrong data key?)")
	}
	return pt, nil
}

func (tx *Tx) openString(ct []byte, context string) (string, error) {
	pt, err := tx.open(ct, context)
	return string(pt), err
}

// blindIndexVersion is the form identifiers.blind_index is computed in:
// 1 hashed safeguard.Identifier.Normalized, 2 hashes linking's normalised
// form, so that blind-index equality is linking's equality.
const blindIndexVersion = 2

// blindIndex is the keyed lookup hash of an identifier in linking's
// normalised form; platform is its referral's (it scopes a bare username
// or account id). A value linking could not normalise exactly is hashed
// apart from every exact one, so equal hashes are equally strong.
func (tx *Tx) blindIndex(ident *safeguard.Identifier, platform string) ([]byte, error) {
	s, err := tx.sealer()
	if err != nil {
		return nil, err
	}
	return blindIndexOf(s, linking.Normalize(*ident, platform)), nil
}

// blindIndexOf hashes a normalised identifier.
func blindIndexOf(s safeguard.Sealer, n linking.Norm) []byte {
	v := n.Value
	if !n.Exact {
		v = "inexact:" + v
	}
	return s.BlindIndex(n.Kind, v)
}
