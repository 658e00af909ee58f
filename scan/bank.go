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
	"safeguard/bankfile"
	"safeguard/hashlist"
	"safeguard/matcher"
)

// Bank is a hash bank file loaded for matching (package matcher holds the
// hashes), with what the report says of it.
type Bank struct {
	Name    string           `json:"name"`
	Path    string           `json:"path"`
	SHA256  string           `json:"sha256"` // of the bank file
	Format  hashlist.Format  `json:"format"`
	Scheme  safeguard.Scheme `json:"scheme"`
	Entries int              `json:"entries"`

	m *matcher.Bank
}

// BankOptions control how a bank file is loaded.
type BankOptions struct {
	// MinQuality leaves out bank PDQ hashes with a known quality under it.
	MinQuality int
	// PlainKind is what a 64-digit hash in a plain one-a-line list is:
	// hashlist.SHA256 (the default) or hashlist.PDQ.
	PlainKind hashlist.Kind
}

// LoadBank reads a bank file in any format package bankfile recognises.
// The scheme is Project VIC for VICS files; for lists it is the one the
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
	tee := io.TeeReader(f, sum)
	format, entries, err := bankfile.Read(tee, bankfile.Options{Kind: opt.PlainKind})
	if err != nil {
		return nil, fmt.Errorf("bank %s: %w", path, err)
	}
	b := &Bank{Name: filepath.Base(path), Path: path, Format: format}
	if format == hashlist.FormatVICS {
		b.Scheme = safeguard.SchemeVIC
	}
	b.m, err = matcher.NewBank(b.Name, b.Scheme, b.inferScheme(entries), opt.MinQuality)
	if err != nil {
		return nil, fmt.Errorf("bank %s: %w", path, err)
	}
	// The rest of the file, so that the digest covers all of it.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, fmt.Errorf("bank %s: %w", path, err)
	}
	if b.Scheme == "" {
		b.Scheme = safeguard.SchemeUK
	}
	b.m.Scheme = b.Scheme
	b.Entries = b.m.Entries
	b.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return b, nil
}

// inferScheme passes entries on, taking the bank's scheme from the first
// category that implies one (the parser holds the rest to it) and keeping
// one copy of each category string.
func (b *Bank) inferScheme(entries iter.Seq2[*safeguard.BankEntry, error]) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		categories := map[string]string{}
		for e, err := range entries {
			if err == nil {
				if b.Scheme == "" {
					if s, ok := hashlist.SchemeOf(e.Category); ok {
						b.Scheme = s
					}
				}
				c, ok := categories[e.Category]
				if !ok {
					c = strings.Clone(e.Category)
					categories[c] = c
				}
				e.Category = c
			}
			if !yield(e, err) {
				return
			}
		}
	}
}
