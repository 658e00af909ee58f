package matcher

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"safeguard"
	"safeguard/hashindex"
)

// Source is where a Set reads banks from: the database's BankService.
type Source interface {
	FindBanks(ctx context.Context) ([]*safeguard.HashBank, error)
	BankEntries(ctx context.Context, bankID int64) iter.Seq2[*safeguard.BankEntry, error]
}

// Set is the banks of a database held in memory. Lookups read an immutable
// snapshot, so they never wait for a reload.
type Set struct {
	src        Source
	minQuality int

	mu     sync.Mutex // serialises reloads
	banks  atomic.Pointer[[]*Bank]
	loaded atomic.Bool
}

// NewSet returns an empty set over src; call Refresh to load it. Bank PDQ
// hashes of known quality under minQuality are not matched.
func NewSet(src Source, minQuality int) *Set {
	s := &Set{src: src, minQuality: minQuality}
	s.banks.Store(&[]*Bank{})
	return s
}

// Loaded reports whether a Refresh has succeeded at least once.
func (s *Set) Loaded() bool { return s.loaded.Load() }

// Banks returns the banks of the current snapshot.
func (s *Set) Banks() []*Bank { return *s.banks.Load() }

// Refresh reloads every bank whose version changed since the last load,
// adds new banks and drops deleted ones. Unchanged banks are kept as they
// are, so a refresh with no change costs one query.
func (s *Set) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx = safeguard.NewContextWithActor(ctx, safeguard.SystemActor("matcher"))
	stored, err := s.src.FindBanks(ctx)
	if err != nil {
		return err
	}
	old := map[string]*Bank{}
	for _, b := range s.Banks() {
		old[b.Name] = b
	}
	next := make([]*Bank, 0, len(stored))
	changed := len(stored) != len(old)
	for _, hb := range stored {
		if b, ok := old[hb.Name]; ok && b.Version == hb.Version {
			next = append(next, b)
			continue
		}
		b, err := NewBank(hb.Name, hb.Scheme, s.src.BankEntries(ctx, hb.ID), s.minQuality)
		if err != nil {
			return fmt.Errorf("loading bank %s: %w", hb.Name, err)
		}
		b.Version = hb.Version
		next = append(next, b)
		changed = true
	}
	if changed {
		s.banks.Store(&next)
	}
	s.loaded.Store(true)
	return nil
}

// Watch refreshes the set every interval until ctx ends, so banks imported
// through another server appear here too. Errors are logged and retried.
func (s *Set) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Warn("matcher: refreshing banks", "error", err)
			}
		}
	}
}

// Query is one hash to look up: its type (md5, sha1, sha256 or pdq) and
// hex value.
type Query struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Result is one match of a query.
type Result struct {
	Index    int              `json:"index"` // of the query in the request
	Type     string           `json:"type"`
	Value    string           `json:"value"`
	Bank     string           `json:"bank"`
	Version  int              `json:"bank_version"`
	Scheme   safeguard.Scheme `json:"scheme"`
	EntryID  string           `json:"entry_id"`
	Category string           `json:"category"`
	Distance int              `json:"distance"`
}

// Probe parses a query into a probe. Returns EINVALID naming the problem.
func (q Query) Probe() (Probe, error) {
	v := strings.ToLower(strings.TrimSpace(q.Value))
	var p Probe
	ok := false
	switch q.Type {
	case "md5":
		p.MD5 = new([16]byte)
		ok = decodeHex(p.MD5[:], v)
	case "sha1":
		p.SHA1 = new([20]byte)
		ok = decodeHex(p.SHA1[:], v)
	case "sha256":
		p.SHA256 = new([32]byte)
		ok = decodeHex(p.SHA256[:], v)
	case "pdq":
		var h hashindex.Hash
		ok = decodeHex(h[:], v)
		p.PDQ = []hashindex.Hash{h}
	default:
		return p, safeguard.Errorf(safeguard.EINVALID, "unknown hash type %q (want md5, sha1, sha256 or pdq)", q.Type)
	}
	if !ok {
		return p, safeguard.Errorf(safeguard.EINVALID, "%s %q is not %d hex digits", q.Type, q.Value, map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}[q.Type])
	}
	return p, nil
}

// Lookup returns every match of each query in every bank: exact matches,
// and for PDQ every entry within radius, nearest first. The error names the
// first malformed query by index.
func (s *Set) Lookup(queries []Query, radius int) ([]Result, error) {
	probes := make([]Probe, len(queries))
	for i, q := range queries {
		p, err := q.Probe()
		if err != nil {
			return nil, safeguard.Errorf(safeguard.EINVALID, "hashes[%d]: %s", i, safeguard.ErrorMessage(err))
		}
		probes[i] = p
	}
	out := []Result{}
	banks := s.Banks()
	for i, p := range probes {
		for _, b := range banks {
			for _, h := range b.All(p, radius) {
				out = append(out, Result{Index: i, Type: queries[i].Type, Value: strings.ToLower(queries[i].Value),
					Bank: b.Name, Version: b.Version, Scheme: b.Scheme, EntryID: h.Ref.EntryID, Category: h.Ref.Category, Distance: h.Distance})
			}
		}
	}
	return out, nil
}

// FileProbe is the probe for a file named in a referral: whichever of its
// hashes are well-formed (intake has checked them).
func FileProbe(f safeguard.File) Probe {
	var p Probe
	for _, q := range []Query{{"md5", f.MD5}, {"sha1", f.SHA1}, {"sha256", f.SHA256}, {"pdq", f.PDQ}} {
		if q.Value == "" {
			continue
		}
		one, err := q.Probe()
		if err != nil {
			continue
		}
		p.MD5, p.SHA1, p.SHA256 = cmpOr(p.MD5, one.MD5), cmpOr(p.SHA1, one.SHA1), cmpOr(p.SHA256, one.SHA256)
		p.PDQ = append(p.PDQ, one.PDQ...)
	}
	return p
}

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// Categorise matches each probe against every bank and counts the
// strongest match of each probe in each bank by category, per scheme, as a
// scan report does. It also returns how many probes matched at all.
func (s *Set) Categorise(probes []Probe, radius int) (map[safeguard.Scheme]map[string]int, int) {
	counts := map[safeguard.Scheme]map[string]int{}
	matched := 0
	var scratch []hashindex.Match
	for _, p := range probes {
		found := false
		for _, b := range s.Banks() {
			var h Hit
			var ok bool
			if h, ok, scratch = b.Best(p, radius, scratch); ok {
				if counts[b.Scheme] == nil {
					counts[b.Scheme] = map[string]int{}
				}
				counts[b.Scheme][h.Ref.Category]++
				found = true
			}
		}
		if found {
			matched++
		}
	}
	return counts, matched
}
