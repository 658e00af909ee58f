package hashindex

import (
	"math/rand/v2"
	"testing"
)

// benchBank is a bulk-built random or clustered bank of about n entries with
// a query mix of random hashes and perturbed members.
func benchBank(b *testing.B, n int, clustered bool) (*Index, []Hash) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	var bk bank
	var centres []Hash
	if clustered {
		bk, centres = clusteredBank(rng, n/30)
	} else {
		bk = randomBank(rng, n)
	}
	ids, hs := bk.slices()
	return Build(ids, hs), queries(rng, bk, centres, 4096)
}

func benchmarkSearch(b *testing.B, n int, clustered bool) {
	x, qs := benchBank(b, n, clustered)
	var dst []Match
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		dst = x.Search(qs[i%len(qs)], DefaultRadius, dst[:0])
	}
}

func BenchmarkSearchRandom1M(b *testing.B)    { benchmarkSearch(b, 1_000_000, false) }
func BenchmarkSearchClustered1M(b *testing.B) { benchmarkSearch(b, 1_000_000, true) }

func BenchmarkBuild1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	ids, hs := randomBank(rng, 1_000_000).slices()
	for b.Loop() {
		Build(ids, hs)
	}
}

func BenchmarkAdd(b *testing.B) {
	x, _ := benchBank(b, 100_000, false)
	rng := rand.New(rand.NewPCG(2, 2))
	for b.Loop() {
		x.Add(rng.Uint32(), randHash(rng))
	}
}
