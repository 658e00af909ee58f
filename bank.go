package safeguard

import (
	"context"
	"encoding/json"
	"iter"
	"time"
)

// Scheme is a categorisation scheme. Categories are kept as given, with their
// scheme: there is no published crosswalk, so none is ever applied.
type Scheme string

// Schemes.
const (
	SchemeUK  Scheme = "uk"  // Sentencing Council: A, B, C, not indecent
	SchemeVIC Scheme = "vic" // Project VIC: 0-4
)

// Uncategorised is the category of an entry that has none, in either scheme.
const Uncategorised = "uncategorised"

var schemeCategories = map[Scheme][]string{
	SchemeUK:  {"A", "B", "C", "not_indecent", Uncategorised},
	SchemeVIC: {"0", "1", "2", "3", "4", Uncategorised},
}

var categoryLabels = map[Scheme]map[string]string{
	SchemeUK: {"A": "Category A", "B": "Category B", "C": "Category C",
		"not_indecent": "Not indecent", Uncategorised: "Uncategorised"},
	SchemeVIC: {"0": "0 Non-pertinent", "1": "1 Child abuse material",
		"2": "2 Exploitive / age difficult", "3": "3 CGI / animation",
		"4": "4 Comparison", Uncategorised: "Uncategorised"},
}

// Valid reports whether s is a known scheme.
func (s Scheme) Valid() bool { _, ok := schemeCategories[s]; return ok }

// Categories lists the scheme's category codes, most serious first for UK.
func (s Scheme) Categories() []string { return schemeCategories[s] }

// ValidCategory reports whether code is a category of the scheme.
func (s Scheme) ValidCategory(code string) bool {
	for _, c := range schemeCategories[s] {
		if c == code {
			return true
		}
	}
	return false
}

// CategoryLabel returns the human name of a category code in the scheme.
func (s Scheme) CategoryLabel(code string) string {
	if l, ok := categoryLabels[s][code]; ok {
		return l
	}
	return code
}

// HashBank is a named, versioned set of known hashes with categories.
type HashBank struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Version    int       `json:"version"` // bumped on every import into the bank
	Scheme     Scheme    `json:"scheme"`
	Source     string    `json:"source"`
	Licence    string    `json:"licence"`
	SHA256     string    `json:"sha256"` // of the file last imported
	Entries    int       `json:"entries"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
}

// Validate returns EINVALID for a missing name or unknown scheme.
func (b *HashBank) Validate() error {
	if b.Name == "" {
		return Errorf(EINVALID, "bank name required")
	} else if !b.Scheme.Valid() {
		return Errorf(EINVALID, "unknown category scheme %q (want uk or vic)", b.Scheme)
	}
	return nil
}

// BankEntry is one known item: its hashes (lower-case hex), category and the
// bank's own id for it. Extra keeps source fields Safeguard does not model,
// so an export gives back what was imported.
type BankEntry struct {
	ID       int64           `json:"id"`
	BankID   int64           `json:"bank_id"`
	EntryID  string          `json:"entry_id"` // the bank's own id, e.g. a VICS MediaID
	MD5      string          `json:"md5,omitempty"`
	SHA1     string          `json:"sha1,omitempty"`
	SHA256   string          `json:"sha256,omitempty"`
	PDQ      string          `json:"pdq,omitempty"`
	Quality  *int            `json:"quality,omitempty"`  // PDQ quality when known
	PhotoDNA string          `json:"photodna,omitempty"` // opaque, never matched here
	Category string          `json:"category"`
	Size     *int64          `json:"size,omitempty"`
	Extra    json.RawMessage `json:"extra,omitempty"`
}

// HasHash reports whether the entry carries at least one matchable hash.
func (e *BankEntry) HasHash() bool {
	return e.MD5 != "" || e.SHA1 != "" || e.SHA256 != "" || e.PDQ != ""
}

// BankService manages hash banks.
type BankService interface {
	// ImportBank replaces the entries of the bank named b.Name (creating it if
	// new) with entries, all or nothing, and bumps its version. Requires
	// PermManageBanks. An entry error aborts the import and is returned.
	ImportBank(ctx context.Context, b *HashBank, entries iter.Seq2[*BankEntry, error]) error
	// FindBanks lists banks.
	FindBanks(ctx context.Context) ([]*HashBank, error)
	// FindBankByName returns ENOTFOUND if none.
	FindBankByName(ctx context.Context, name string) (*HashBank, error)
	// BankEntries streams a bank's entries in id order.
	BankEntries(ctx context.Context, bankID int64) iter.Seq2[*BankEntry, error]
	// CategoryCounts returns entry counts by category for a bank.
	CategoryCounts(ctx context.Context, bankID int64) (map[string]int, error)
}
