package store_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"safeguard"
	"safeguard/store"
)

// synthBankEntry returns a deterministic synthetic entry; its hashes are of
// the text "entry N", not of any real file.
func synthBankEntry(n int, category string) *safeguard.BankEntry {
	text := []byte(fmt.Sprintf("synthetic bank entry %d", n))
	m, s1, s2 := md5.Sum(text), sha1.Sum(text), sha256.Sum256(text)
	return &safeguard.BankEntry{EntryID: fmt.Sprintf("E%06d", n), MD5: hex.EncodeToString(m[:]),
		SHA1: hex.EncodeToString(s1[:]), SHA256: hex.EncodeToString(s2[:]), Category: category}
}

// bankEntriesOf yields the entries; with failAt > 0 it yields the error
// instead of the failAt'th entry.
func bankEntriesOf(entries []*safeguard.BankEntry, failAt int, fail error) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		for i, e := range entries {
			if i+1 == failAt {
				yield(nil, fail)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// collect drains an entry stream.
func collectBankEntries(tb testing.TB, seq iter.Seq2[*safeguard.BankEntry, error]) []*safeguard.BankEntry {
	tb.Helper()
	var out []*safeguard.BankEntry
	for e, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// auditActionCount counts audit events with the action.
func auditActionCount(tb testing.TB, db *TestDB, action string) int {
	tb.Helper()
	var n int
	if err := db.RawDB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = $1`, action).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// mustAuditIntact fails unless the audit chain is intact.
func mustAuditIntact(tb testing.TB, db *TestDB) {
	tb.Helper()
	if _, brk, err := store.NewAuditService(db.DB).VerifyAudit(systemCtx()); err != nil || brk != nil {
		tb.Fatalf("VerifyAudit: %+v, %v", brk, err)
	}
}

func TestBank_ImportRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		q, size := 87, int64(123456)
		e1 := synthBankEntry(1, "1")
		e1.PDQ, e1.Quality, e1.Size, e1.PhotoDNA = strings.Repeat("f0", 32), &q, &size, "opaque-photodna"
		e1.Extra = json.RawMessage(`{"Comments":"synthetic","Tags":["a","b"],"Nested":{"x":1.5}}`)
		e2 := synthBankEntry(2, "")
		e2.MD5 = strings.ToUpper(e2.MD5)
		e3 := &safeguard.BankEntry{EntryID: "E3", PhotoDNA: "only-photodna", Category: "4"}
		b := &safeguard.HashBank{Name: "vic-test", Scheme: safeguard.SchemeVIC, Source: "synthetic", Licence: "test only",
			SHA256: strings.Repeat("AB", 32)}
		manager := ctxAs(safeguard.RoleCoordinator, "")
		if err := bs.ImportBank(manager, b, bankEntriesOf([]*safeguard.BankEntry{e1, e2, e3}, 0, nil)); err != nil {
			t.Fatal(err)
		}
		if b.ID == 0 || b.Version != 1 || b.Entries != 3 || b.ImportedBy != "user:1:coordinator1" ||
			!b.ImportedAt.Equal(t0.Truncate(time.Microsecond)) || b.SHA256 != strings.Repeat("ab", 32) {
			t.Fatalf("imported %+v", b)
		}
		got, err := bs.FindBankByName(ctxAs(safeguard.RoleInvestigator, "KNT"), "vic-test")
		if err != nil {
			t.Fatal(err)
		} else if *got != *b {
			t.Fatalf("FindBankByName = %+v, want %+v", got, b)
		}
		entries := collectBankEntries(t, bs.BankEntries(manager, b.ID))
		if len(entries) != 3 {
			t.Fatalf("%d entries", len(entries))
		}
		g1 := entries[0]
		if g1.EntryID != e1.EntryID || g1.MD5 != e1.MD5 || g1.SHA1 != e1.SHA1 || g1.SHA256 != e1.SHA256 || g1.PDQ != e1.PDQ ||
			*g1.Quality != 87 || *g1.Size != size || g1.PhotoDNA != e1.PhotoDNA || g1.Category != "1" || g1.BankID != b.ID {
			t.Fatalf("entry 1 = %+v", g1)
		}
		var want, have any
		json.Unmarshal(e1.Extra, &want)
		if err := json.Unmarshal(g1.Extra, &have); err != nil || fmt.Sprint(have) != fmt.Sprint(want) {
			t.Fatalf("extra = %s, want %s", g1.Extra, e1.Extra)
		}
		if g2 := entries[1]; g2.MD5 != strings.ToLower(e2.MD5) || g2.Category != safeguard.Uncategorised ||
			g2.Quality != nil || g2.Size != nil || g2.Extra != nil {
			t.Fatalf("entry 2 = %+v", g2)
		}
		if g3 := entries[2]; g3.PhotoDNA != "only-photodna" || g3.MD5 != "" || !(entries[1].ID < g3.ID) {
			t.Fatalf("entry 3 = %+v", g3)
		}
		counts, err := bs.CategoryCounts(manager, b.ID)
		if err != nil || len(counts) != 3 || counts["1"] != 1 || counts["4"] != 1 || counts[safeguard.Uncategorised] != 1 {
			t.Fatalf("CategoryCounts = %v, %v", counts, err)
		}

		// A second import replaces the entries and bumps the version; an
		// empty source keeps the old one.
		b2 := &safeguard.HashBank{Name: "vic-test", Scheme: safeguard.SchemeVIC}
		if err := bs.ImportBank(manager, b2, bankEntriesOf([]*safeguard.BankEntry{synthBankEntry(9, "2")}, 0, nil)); err != nil {
			t.Fatal(err)
		}
		if b2.ID != b.ID || b2.Version != 2 || b2.Entries != 1 || b2.Source != "synthetic" || b2.SHA256 != "" {
			t.Fatalf("re-imported %+v", b2)
		}
		if entries := collectBankEntries(t, bs.BankEntries(manager, b.ID)); len(entries) != 1 || entries[0].EntryID != "E000009" {
			t.Fatalf("after re-import: %+v", entries)
		}
		versions, err := bs.BankVersions(manager)
		if err != nil || len(versions) != 1 || versions[b.ID] != 2 {
			t.Fatalf("BankVersions = %v, %v", versions, err)
		}
		if n := auditActionCount(t, db, "bank.import"); n != 2 {
			t.Fatalf("%d bank.import events", n)
		} else if n := auditActionCount(t, db, "bank.export"); n != 2 {
			t.Fatalf("%d bank.export events", n)
		}
		mustAuditIntact(t, db)
	})
}

func TestBank_ImportAllOrNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		ctx := systemCtx()
		var five []*safeguard.BankEntry
		for i := range 5 {
			five = append(five, synthBankEntry(i, "A"))
		}
		b := &safeguard.HashBank{Name: "uk-test", Scheme: safeguard.SchemeUK}
		if err := bs.ImportBank(ctx, b, bankEntriesOf(five, 0, nil)); err != nil {
			t.Fatal(err)
		}
		// The parser's own error comes back unchanged.
		parseErr := errors.New("bank.csv: line 4: md5 is not hex")
		err := bs.ImportBank(ctx, &safeguard.HashBank{Name: "uk-test", Scheme: safeguard.SchemeUK},
			bankEntriesOf([]*safeguard.BankEntry{synthBankEntry(7, "B"), synthBankEntry(8, "C"), synthBankEntry(9, "C")}, 3, parseErr))
		if err != parseErr {
			t.Fatalf("error = %v, want the iterator's", err)
		}
		got, err := bs.FindBankByName(ctx, "uk-test")
		if err != nil || got.Version != 1 || got.Entries != 5 {
			t.Fatalf("after failed import: %+v, %v", got, err)
		}
		if entries := collectBankEntries(t, bs.BankEntries(ctx, b.ID)); len(entries) != 5 || entries[0].EntryID != "E000000" {
			t.Fatalf("after failed import: %d entries", len(entries))
		}
		// A failed first import leaves no bank behind.
		err = bs.ImportBank(ctx, &safeguard.HashBank{Name: "new", Scheme: safeguard.SchemeUK}, bankEntriesOf(five, 2, parseErr))
		if err != parseErr {
			t.Fatalf("error = %v", err)
		}
		_, err = bs.FindBankByName(ctx, "new")
		wantCode(t, err, safeguard.ENOTFOUND)

		// A bad entry aborts the import too, naming it.
		bad := synthBankEntry(20, "A")
		bad.SHA1 = "abc"
		err = bs.ImportBank(ctx, &safeguard.HashBank{Name: "uk-test", Scheme: safeguard.SchemeUK}, bankEntriesOf(append(five, bad), 0, nil))
		wantCode(t, err, safeguard.EINVALID)
		if msg := safeguard.ErrorMessage(err); !strings.Contains(msg, "entry 6") || !strings.Contains(msg, "sha1") {
			t.Fatalf("message %q", msg)
		}
		err = bs.ImportBank(ctx, &safeguard.HashBank{Name: "uk-test", Scheme: safeguard.SchemeUK},
			bankEntriesOf([]*safeguard.BankEntry{synthBankEntry(1, "3")}, 0, nil))
		wantCode(t, err, safeguard.EINVALID)
		// An existing bank keeps its scheme.
		err = bs.ImportBank(ctx, &safeguard.HashBank{Name: "uk-test", Scheme: safeguard.SchemeVIC}, bankEntriesOf(five[:1], 0, nil))
		wantCode(t, err, safeguard.EINVALID)
		if got, _ := bs.FindBankByName(ctx, "uk-test"); got.Version != 1 || got.Entries != 5 || got.Scheme != safeguard.SchemeUK {
			t.Fatalf("after refused imports: %+v", got)
		}

		// Permissions.
		err = bs.ImportBank(ctxAs(safeguard.RoleInvestigator, "KNT"), &safeguard.HashBank{Name: "x", Scheme: safeguard.SchemeUK}, bankEntriesOf(five, 0, nil))
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = bs.FindBanks(ctxAs(safeguard.RoleAuditor, ""))
		wantCode(t, err, safeguard.EFORBIDDEN)
		_, err = bs.FindBanks(at(0))
		wantCode(t, err, safeguard.EUNAUTHORIZED)
		for _, err := range bs.BankEntries(ctxAs(safeguard.RoleAuditor, ""), b.ID) {
			wantCode(t, err, safeguard.EFORBIDDEN)
		}
		for _, err := range bs.BankEntries(ctx, 999) {
			wantCode(t, err, safeguard.ENOTFOUND)
		}
		_, err = bs.CategoryCounts(ctx, 999)
		wantCode(t, err, safeguard.ENOTFOUND)
		if n := auditActionCount(t, db, "access.denied"); n != 3 {
			t.Fatalf("%d access.denied events", n)
		}
		if n := auditActionCount(t, db, "bank.import"); n != 1 {
			t.Fatalf("%d bank.import events", n)
		}
		mustAuditIntact(t, db)
	})
}

func TestBank_LargeImportAndLookup(t *testing.T) {
	const n = 50_000
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		ctx := systemCtx()
		cats := []string{"A", "B", "C", "not_indecent", safeguard.Uncategorised}
		// Most entries carry only a SHA-256, which keeps the race build's
		// SQLite (instrumented C) within the time the suite allows.
		all := func(yield func(*safeguard.BankEntry, error) bool) {
			for i := range n {
				e := synthBankEntry(i, cats[i%len(cats)])
				if i%100 != 7 && i != 42 {
					e.MD5, e.SHA1 = "", ""
				}
				if !yield(e, nil) {
					return
				}
			}
		}
		b := &safeguard.HashBank{Name: "large", Scheme: safeguard.SchemeUK}
		start := time.Now()
		if err := bs.ImportBank(ctx, b, all); err != nil {
			t.Fatal(err)
		}
		t.Logf("imported %d entries in %v", n, time.Since(start))
		start = time.Now()
		if b.Entries != n {
			t.Fatalf("%d entries", b.Entries)
		}
		i, last := 0, int64(0)
		for e, err := range bs.BankEntries(ctx, b.ID) {
			if err != nil {
				t.Fatal(err)
			} else if want := fmt.Sprintf("E%06d", i); e.EntryID != want || e.ID <= last {
				t.Fatalf("entry %d = %s (id %d after %d)", i, e.EntryID, e.ID, last)
			}
			i, last = i+1, e.ID
		}
		if i != n {
			t.Fatalf("streamed %d entries", i)
		}
		t.Logf("streamed %d entries in %v", n, time.Since(start))
		counts, err := bs.CategoryCounts(ctx, b.ID)
		if err != nil || counts["A"] != n/5 || counts[safeguard.Uncategorised] != n/5 {
			t.Fatalf("CategoryCounts = %v, %v", counts, err)
		}

		// A second bank shares one entry; lookups find it in both.
		small := &safeguard.HashBank{Name: "small", Scheme: safeguard.SchemeVIC}
		if err := bs.ImportBank(ctx, small, bankEntriesOf([]*safeguard.BankEntry{synthBankEntry(42, "1")}, 0, nil)); err != nil {
			t.Fatal(err)
		}
		e42, e7 := synthBankEntry(42, ""), synthBankEntry(7, "")
		var hexes []string
		for k := range 1200 { // more than one batch, all misses
			hexes = append(hexes, fmt.Sprintf("%064x", k))
		}
		hexes = append(hexes, strings.ToUpper(e42.SHA256), e7.SHA256, e7.SHA256)
		hits, err := bs.LookupExact(ctxAs(safeguard.RoleInvestigator, "KNT"), "sha256", hexes)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 3 {
			t.Fatalf("hits %+v", hits)
		}
		got := map[string]store.ExactHit{}
		for _, h := range hits {
			got[h.Bank+"/"+h.EntryID] = h
		}
		if h := got["large/E000042"]; h.Hash != e42.SHA256 || h.Kind != "sha256" || h.Category != "C" || h.Scheme != safeguard.SchemeUK {
			t.Fatalf("hit %+v", h)
		}
		if h := got["small/E000042"]; h.Category != "1" || h.Scheme != safeguard.SchemeVIC {
			t.Fatalf("hit %+v", h)
		}
		if h := got["large/E000007"]; h.Hash != e7.SHA256 {
			t.Fatalf("hit %+v", h)
		}
		if hits, err := bs.LookupExact(ctx, "md5", []string{e7.MD5}); err != nil || len(hits) != 1 || hits[0].EntryID != "E000007" {
			t.Fatalf("md5 lookup = %+v, %v", hits, err)
		}
		if hits, err := bs.LookupExact(ctx, "sha1", []string{e42.SHA1}); err != nil || len(hits) != 2 {
			t.Fatalf("sha1 lookup = %+v, %v", hits, err)
		}
		_, err = bs.LookupExact(ctx, "pdq", []string{e7.SHA256})
		wantCode(t, err, safeguard.EINVALID)
		_, err = bs.LookupExact(ctx, "md5", []string{"xyz"})
		wantCode(t, err, safeguard.EINVALID)
		_, err = bs.LookupExact(ctxAs(safeguard.RoleAdmin, ""), "md5", []string{e7.MD5})
		if err != nil {
			t.Fatal(err) // admins manage banks
		}
		_, err = bs.LookupExact(ctxAs(safeguard.RoleAuditor, ""), "md5", []string{e7.MD5})
		wantCode(t, err, safeguard.EFORBIDDEN)

		banks, err := bs.FindBanks(ctx)
		if err != nil || len(banks) != 2 || banks[0].Name != "large" || banks[1].Name != "small" {
			t.Fatalf("FindBanks = %+v, %v", banks, err)
		}
	})
}

func TestBank_EntriesStopEarly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		ctx := systemCtx()
		var es []*safeguard.BankEntry
		for i := range 10 {
			es = append(es, synthBankEntry(i, "2"))
		}
		b := &safeguard.HashBank{Name: "v", Scheme: safeguard.SchemeVIC}
		if err := bs.ImportBank(ctx, b, bankEntriesOf(es, 0, nil)); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range bs.BankEntries(ctx, b.ID) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 4 {
				break
			}
		}
		// An empty import empties the bank.
		if err := bs.ImportBank(ctx, &safeguard.HashBank{Name: "v", Scheme: safeguard.SchemeVIC}, bankEntriesOf(nil, 0, nil)); err != nil {
			t.Fatal(err)
		}
		if got := collectBankEntries(t, bs.BankEntries(ctx, b.ID)); len(got) != 0 {
			t.Fatalf("%d entries after empty import", len(got))
		}
	})
}

func TestBank_EntriesConflictWithReimport(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		ctx := systemCtx()
		const n = 5001 // one more than a chunk
		some := func(yield func(*safeguard.BankEntry, error) bool) {
			for i := range n {
				e := synthBankEntry(i, "A")
				e.MD5, e.SHA1 = "", ""
				if !yield(e, nil) {
					return
				}
			}
		}
		b := &safeguard.HashBank{Name: "moving", Scheme: safeguard.SchemeUK}
		if err := bs.ImportBank(ctx, b, some); err != nil {
			t.Fatal(err)
		}
		// Nothing is held open between entries, so an import can run in
		// the middle of a stream, which then ends with ECONFLICT instead
		// of mixing the two versions.
		seen, reimported := 0, false
		var last error
		for _, err := range bs.BankEntries(ctx, b.ID) {
			if err != nil {
				last = err
				break
			}
			if seen++; !reimported {
				reimported = true
				one := bankEntriesOf([]*safeguard.BankEntry{synthBankEntry(1, "B")}, 0, nil)
				if err := bs.ImportBank(ctx, &safeguard.HashBank{Name: "moving", Scheme: safeguard.SchemeUK}, one); err != nil {
					t.Fatal(err)
				}
			}
		}
		wantCode(t, last, safeguard.ECONFLICT)
		if seen != 5000 {
			t.Fatalf("saw %d entries before the conflict", seen)
		}
		if got := collectBankEntries(t, bs.BankEntries(ctx, b.ID)); len(got) != 1 || got[0].Category != "B" {
			t.Fatalf("after re-import: %+v", got)
		}
	})
}

// BenchmarkBankImport100k imports 100,000 entries with MD5, SHA-1 and
// SHA-256 (the shape of a VICS hash set) per iteration, on SQLite and,
// when SAFEGUARD_TEST_POSTGRES is set, on PostgreSQL.
func BenchmarkBankImport100k(b *testing.B) {
	const n = 100_000
	entries := make([]*safeguard.BankEntry, n)
	for i := range entries {
		entries[i] = synthBankEntry(i, "A")
	}
	dialects := []store.Dialect{store.SQLite}
	if os.Getenv("SAFEGUARD_TEST_POSTGRES") != "" {
		dialects = append(dialects, store.Postgres)
	}
	for _, d := range dialects {
		b.Run(string(d), func(b *testing.B) {
			db := MustOpenDB(b, d)
			bs := store.NewBankService(db.DB)
			for b.Loop() {
				bank := &safeguard.HashBank{Name: "bench", Scheme: safeguard.SchemeUK}
				if err := bs.ImportBank(systemCtx(), bank, bankEntriesOf(entries, 0, nil)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

func TestBank_ConcurrentImportsQueue(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *TestDB) {
		bs := store.NewBankService(db.DB)
		ctx := systemCtx()
		batch := func(from int) []*safeguard.BankEntry {
			var es []*safeguard.BankEntry
			for i := from; i < from+100; i++ {
				es = append(es, synthBankEntry(i, "C"))
			}
			return es
		}
		if err := bs.ImportBank(ctx, &safeguard.HashBank{Name: "busy", Scheme: safeguard.SchemeUK}, bankEntriesOf(batch(0), 0, nil)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for k := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := &safeguard.HashBank{Name: "busy", Scheme: safeguard.SchemeUK}
				errs[k] = bs.ImportBank(ctx, b, bankEntriesOf(batch(1000*(k+1)), 0, nil))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		b, err := bs.FindBankByName(ctx, "busy")
		if err != nil || b.Version != 4 || b.Entries != 100 {
			t.Fatalf("after concurrent imports: %+v, %v", b, err)
		}
		got := collectBankEntries(t, bs.BankEntries(ctx, b.ID))
		if len(got) != 100 || got[0].EntryID[:4] != got[99].EntryID[:4] {
			t.Fatalf("entries mixed: %d, first %s, last %s", len(got), got[0].EntryID, got[len(got)-1].EntryID)
		}
	})
}
