package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"safeguard"
	"safeguard/hashindex"
	"safeguard/hashlist"
	"safeguard/vics"
)

// Bank is a hash bank loaded for matching: exact hashes in maps, PDQ
// hashes in an in-memory index.
type Bank struct {
	Name    string           `json:"name"`
	Path    string           `json:"path"`
	SHA256  string           `json:"sha256"` // of the bank file
	Format  hashlist.Format  `json:"format"`
	Scheme  safeguard.Scheme `json:"scheme"`
	Entries int              `json:"entries"`

	refs   []ref
	md5    map[[16]byte]uint32
	sha1   map[[20]byte]uint32
	sha256 map[[32]byte]uint32
	pdq    *hashindex.Index
	npdq   int
}

// ref is what a match reports of a bank entry.
type ref struct {
	id, category string
}

// BankOptions control how a bank file is loaded.
type BankOptions struct {
	// MinQuality leaves out bank PDQ hashes with a known quality under it.
	MinQuality int
	// PlainKind is what a 64-digit hash in a plain one-a-line list is:
	// hashlist.SHA256 (the default) or hashlist.PDQ.
	PlainKind hashlist.Kind
}

// LoadBank reads a bank file in any format hashlist.Detect recognises. The
// scheme is Project VIC for VICS files; for lists it is the one the
// categories imply (UK when they imply none). Bank PDQ hashes with a known
// quality under opt.MinQuality are left out, as file hashes are. The error
// is EINVALID, naming the line or JSON path, for a malformed bank.
func LoadBank(path string, opt BankOptions) (*Bank, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum := sha256.New()
	format, r, err := hashlist.Detect(io.TeeReader(f, sum))
	if err != nil {
		return nil, fmt.Errorf("bank %s: %w", path, err)
	}
	var entries iter.Seq2[*safeguard.BankEntry, error]
	scheme := safeguard.Scheme("")
	if format == hashlist.FormatVICS {
		scheme = safeguard.SchemeVIC
		entries = vics.Read(r, vics.Options{Scheme: scheme})
	} else {
		entries = hashlist.Read(r, format, hashlist.Options{Kind: opt.PlainKind})
	}
	b := &Bank{
		Name: filepath.Base(path), Path: path, Format: format,
		md5: map[[16]byte]uint32{}, sha1: map[[20]byte]uint32{}, sha256: map[[32]byte]uint32{},
	}
	var ids []uint32
	var pdqs []hashindex.Hash
	categories := map[string]string{} // one copy of each category string
	for e, err := range entries {
		if err != nil {
			return nil, fmt.Errorf("bank %s: %w", path, err)
		}
		if scheme == "" {
			if s, ok := hashlist.SchemeOf(e.Category); ok {
				scheme = s
			}
		}
		n := uint32(len(b.refs))
		c, ok := categories[e.Category]
		if !ok {
			c = strings.Clone(e.Category)
			categories[c] = c
		}
		b.refs = append(b.refs, ref{e.EntryID, c})
		b.Entries++
		addHex(b.md5, e.MD5, n)
		addHex(b.sha1, e.SHA1, n)
		addHex(b.sha256, e.SHA256, n)
		if e.PDQ != "" && (e.Quality == nil || *e.Quality >= opt.MinQuality) {
			var h hashindex.Hash
			hex.Decode(h[:], []byte(e.PDQ)) // validated by the parser
			ids, pdqs = append(ids, n), append(pdqs, h)
		}
	}
	// Drain what Detect buffered and the rest, so the digest covers the file.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, fmt.Errorf("bank %s: %w", path, err)
	}
	if scheme == "" {
		scheme = safeguard.SchemeUK
	}
	b.Scheme = scheme
	b.SHA256 = hex.EncodeToString(sum.Sum(nil))
	b.pdq = hashindex.Build(ids, pdqs)
	b.npdq = len(ids)
	return b, nil
}

// addHex adds a validated lower-case hex hash to m, keeping the first entry
// for a hash that appears twice.
func addHex[K [16]byte | [20]byte | [32]byte](m map[K]uint32, s string, n uint32) {
	var k K
	buf, err := hex.DecodeString(s)
	if s == "" || err != nil || len(buf) != len(k) {
		return
	}
	k = K(buf)
	if _, dup := m[k]; !dup {
		m[k] = n
	}
}
