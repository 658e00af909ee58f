package matcher_test

import (
	"context"
	"iter"
	"path/filepath"
	"strings"
	"testing"

	"safeguard"
	"safeguard/matcher"
	"safeguard/store"
)

func mustBankDB(t *testing.T) *store.BankService {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return store.NewBankService(db)
}

func entries(es ...*safeguard.BankEntry) iter.Seq2[*safeguard.BankEntry, error] {
	return func(yield func(*safeguard.BankEntry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// flip returns hex with the first n bits of its first bytes inverted.
func flip(hex string, n int) string {
	b := []byte(hex)
	for i := 0; i < n/4; i++ {
		c := b[i]
		v := 0
		if c >= 'a' {
			v = int(c-'a') + 10
		} else {
			v = int(c - '0')
		}
		b[i] = "0123456789abcdef"[v^0xf]
	}
	return string(b)
}

const (
	pdqA = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	md5A = "d35c785545392755e7e4164457657269"
)

func TestSetFollowsBankChanges(t *testing.T) {
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	banks := mustBankDB(t)
	b := &safeguard.HashBank{Name: "made-up", Scheme: safeguard.SchemeUK}
	if err := banks.ImportBank(ctx, b, entries(
		&safeguard.BankEntry{EntryID: "e1", MD5: md5A, Category: "B"},
		&safeguard.BankEntry{EntryID: "e2", PDQ: pdqA, Category: "C"},
	)); err != nil {
		t.Fatal(err)
	}
	set := matcher.NewSet(banks, 50)
	if err := set.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := set.Lookup([]matcher.Query{
		{Type: "md5", Value: md5A},
		{Type: "pdq", Value: flip(pdqA, 28)},
		{Type: "pdq", Value: flip(pdqA, 40)},
		{Type: "sha256", Value: pdqA},
	}, 31)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Index != 0 || got[0].EntryID != "e1" || got[0].Category != "B" ||
		got[1].Index != 1 || got[1].EntryID != "e2" || got[1].Distance != 28 || got[1].Scheme != safeguard.SchemeUK {
		t.Fatalf("Lookup = %+v", got)
	}

	// A new version of the bank is matchable after a refresh; the old
	// snapshot is replaced, not merged.
	if err := banks.ImportBank(ctx, b, entries(&safeguard.BankEntry{EntryID: "e3", SHA1: "ea45d7166b30f98aac6af52f952193ce3083cb4c", Category: "A"})); err != nil {
		t.Fatal(err)
	}
	if err := set.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = set.Lookup([]matcher.Query{{Type: "sha1", Value: "EA45D7166B30F98AAC6AF52F952193CE3083CB4C"}, {Type: "md5", Value: md5A}}, 31)
	if len(got) != 1 || got[0].EntryID != "e3" || got[0].Version != 2 {
		t.Fatalf("after re-import: %+v", got)
	}
}

func TestLookupBadQuery(t *testing.T) {
	set := matcher.NewSet(mustBankDB(t), 50)
	for _, q := range []matcher.Query{{Type: "md5", Value: "abc"}, {Type: "crc32", Value: "00000000"}, {Type: "pdq", Value: pdqA[:63] + "g"}} {
		_, err := set.Lookup([]matcher.Query{{Type: "md5", Value: md5A}, q}, 31)
		if safeguard.ErrorCode(err) != safeguard.EINVALID || !strings.Contains(err.Error(), "hashes[1]") {
			t.Errorf("Lookup(%+v): err = %v, want EINVALID naming hashes[1]", q, err)
		}
	}
}

func TestCategorise(t *testing.T) {
	ctx := safeguard.NewContextWithActor(context.Background(), safeguard.SystemActor("test"))
	banks := mustBankDB(t)
	banks.ImportBank(ctx, &safeguard.HashBank{Name: "uk-bank", Scheme: safeguard.SchemeUK}, entries(
		&safeguard.BankEntry{EntryID: "e1", MD5: md5A, Category: "B"},
		&safeguard.BankEntry{EntryID: "e2", PDQ: pdqA, Category: "C"}))
	banks.ImportBank(ctx, &safeguard.HashBank{Name: "vic-bank", Scheme: safeguard.SchemeVIC}, entries(
		&safeguard.BankEntry{EntryID: "v1", MD5: md5A, Category: "1"}))
	set := matcher.NewSet(banks, 50)
	if err := set.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	probes := []matcher.Probe{
		matcher.FileProbe(safeguard.File{MD5: md5A}),
		matcher.FileProbe(safeguard.File{PDQ: flip(pdqA, 12), SHA1: "not hex"}),
		matcher.FileProbe(safeguard.File{MD5: "69b0834fac1477a4397a0be6b6e55c1a"}),
	}
	counts, matched := set.Categorise(probes, 31)
	if matched != 2 || counts[safeguard.SchemeUK]["B"] != 1 || counts[safeguard.SchemeUK]["C"] != 1 || counts[safeguard.SchemeVIC]["1"] != 1 {
		t.Fatalf("Categorise = %v, %d matched", counts, matched)
	}
}
