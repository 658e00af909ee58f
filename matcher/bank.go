package matcher

import (
	"encoding/hex"
	"iter"

	"safeguard"
	"safeguard/hashindex"
)

// Bank is one hash bank in memory.
type Bank struct {
	Name    string
	Scheme  safeguard.Scheme
	Version int
	Entries int

	refs   []Ref
	md5    map[[16]byte]uint32
	sha1   map[[20]byte]uint32
	sha256 map[[32]byte]uint32
	pdq    *hashindex.Index
	npdq   int
}

// Ref is what a match reports of a bank entry.
type Ref struct {
	EntryID  string
	Category string
}

// NewBank reads entries into a bank. PDQ hashes with a known quality under
// minQuality are left out. It stops at the first entry error and returns it.
func NewBank(name string, scheme safeguard.Scheme, entries iter.Seq2[*safeguard.BankEntry, error], minQuality int) (*Bank, error) {
	b := &Bank{Name: name, Scheme: scheme,
		md5: map[[16]byte]uint32{}, sha1: map[[20]byte]uint32{}, sha256: map[[32]byte]uint32{}}
	var ids []uint32
	var pdqs []hashindex.Hash
	for e, err := range entries {
		if err != nil {
			return nil, err
		}
		n := uint32(len(b.refs))
		b.refs = append(b.refs, Ref{e.EntryID, e.Category})
		addHex(b.md5, e.MD5, n)
		addHex(b.sha1, e.SHA1, n)
		addHex(b.sha256, e.SHA256, n)
		var h hashindex.Hash
		if e.PDQ != "" && (e.Quality == nil || *e.Quality >= minQuality) && decodeHex(h[:], e.PDQ) {
			ids, pdqs = append(ids, n), append(pdqs, h)
		}
	}
	b.Entries = len(b.refs)
	b.pdq = hashindex.Build(ids, pdqs)
	b.npdq = len(ids)
	return b, nil
}

// PDQCount is the number of PDQ hashes the bank matches against.
func (b *Bank) PDQCount() int { return b.npdq }

// addHex adds a lower-case hex hash to m, keeping the first entry for a
// hash that appears twice. Parsers have validated it; anything else is
// skipped.
func addHex[K [16]byte | [20]byte | [32]byte](m map[K]uint32, s string, n uint32) {
	var k K
	buf := make([]byte, len(k))
	if s == "" || !decodeHex(buf, s) {
		return
	}
	k = K(buf)
	if _, dup := m[k]; !dup {
		m[k] = n
	}
}

func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	_, err := hex.Decode(dst, []byte(s))
	return err == nil
}

// Probe is what is known of one file or one looked-up hash: any of its
// digests (zero means unknown) and PDQ hashes to search (e.g. the eight
// dihedral variants of one image).
type Probe struct {
	MD5    *[16]byte
	SHA1   *[20]byte
	SHA256 *[32]byte
	PDQ    []hashindex.Hash
}

// Hit is a match of a probe in a bank.
type Hit struct {
	Bank     *Bank
	Ref      Ref
	Kind     string // md5, sha1, sha256 or pdq
	Distance int    // 0 for exact
}

// Best returns the strongest match of p in the bank: exact before
// perceptual (SHA-256, then SHA-1, then MD5), then the smallest PDQ
// distance within radius (a negative radius turns PDQ off). dst is scratch
// space for the index search and may be nil.
func (b *Bank) Best(p Probe, radius int, dst []hashindex.Match) (Hit, bool, []hashindex.Match) {
	if p.SHA256 != nil {
		if n, ok := b.sha256[*p.SHA256]; ok {
			return Hit{b, b.refs[n], "sha256", 0}, true, dst
		}
	}
	if p.SHA1 != nil {
		if n, ok := b.sha1[*p.SHA1]; ok {
			return Hit{b, b.refs[n], "sha1", 0}, true, dst
		}
	}
	if p.MD5 != nil {
		if n, ok := b.md5[*p.MD5]; ok {
			return Hit{b, b.refs[n], "md5", 0}, true, dst
		}
	}
	if radius >= 0 && len(p.PDQ) > 0 && b.npdq > 0 {
		dst = b.pdq.SearchAny(p.PDQ, radius, dst[:0])
		if len(dst) > 0 { // sorted by distance, then id
			return Hit{b, b.refs[dst[0].ID], "pdq", dst[0].Distance}, true, dst
		}
	}
	return Hit{}, false, dst
}

// All returns every PDQ match of p in the bank within radius, nearest
// first, for lookups that want more than the strongest.
func (b *Bank) All(p Probe, radius int) []Hit {
	var out []Hit
	if h, ok, _ := b.Best(Probe{MD5: p.MD5, SHA1: p.SHA1, SHA256: p.SHA256}, -1, nil); ok {
		out = append(out, h)
	}
	if radius >= 0 && len(p.PDQ) > 0 && b.npdq > 0 {
		for _, m := range b.pdq.SearchAny(p.PDQ, radius, nil) {
			out = append(out, Hit{b, b.refs[m.ID], "pdq", m.Distance})
		}
	}
	return out
}
