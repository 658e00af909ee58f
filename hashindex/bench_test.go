package hashindex

import (
	"math/bits"
	"math/rand/v2"
	"runtime"
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

// reportThreadCPU locks the benchmark to its thread and, when the returned
// function runs, reports the thread's CPU time per op: on a shared machine
// wall-clock ns/op measures the neighbours too.
func reportThreadCPU(b *testing.B) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
		runtime.UnlockOSThread()
	}
}

func benchmarkSearch(b *testing.B, n int, clustered bool) {
	x, qs := benchBank(b, n, clustered)
	eachFilterB(b, func(b *testing.B) {
		var dst []Match
		defer reportThreadCPU(b)()
		for i := 0; b.Loop(); i++ {
			dst = x.Search(qs[i%len(qs)], DefaultRadius, dst[:0])
		}
	})
}

// eachFilterB runs a sub-benchmark with each filter kernel this machine has.
func eachFilterB(b *testing.B, f func(b *testing.B)) {
	defer func(old filterKernel) { kernel = old }(kernel)
	for _, k := range kernels() {
		kernel = k
		b.Run(k.String(), f)
	}
}

func BenchmarkSearchRandom1M(b *testing.B) { benchmarkSearch(b, 1_000_000, false) }

// BenchmarkSearchRandom10M is the bank size of the speed target, with both
// filters on one bank (it needs some 1.5 GB; bench/hashindex.sh is the
// reference run).
func BenchmarkSearchRandom10M(b *testing.B) {
	const n = 10_000_000
	rng := rand.New(rand.NewPCG(1, 1))
	ids := make([]uint32, n)
	hs := make([]Hash, n)
	for i := range hs {
		ids[i], hs[i] = uint32(i), randHash(rng)
	}
	x := Build(ids, hs)
	qs := make([]Hash, 4096)
	for i := range qs {
		if qs[i] = randHash(rng); i%2 == 1 {
			qs[i] = flip(rng, hs[rng.IntN(n)], rng.IntN(41))
		}
	}
	ids, hs = nil, nil
	eachFilterB(b, func(b *testing.B) {
		var dst []Match
		defer reportThreadCPU(b)()
		for i := 0; b.Loop(); i++ {
			dst = x.Search(qs[i%len(qs)], DefaultRadius, dst[:0])
		}
	})
}
func BenchmarkSearchClustered1M(b *testing.B) { benchmarkSearch(b, 1_000_000, true) }

// BenchmarkSearchAny1M compares one SearchAny of eight queries (the dihedral
// variants of an image) with eight Searches.
func BenchmarkSearchAny1M(b *testing.B) {
	x, qs := benchBank(b, 1_000_000, false)
	b.Run("any", func(b *testing.B) {
		var dst []Match
		defer reportThreadCPU(b)()
		for i := 0; b.Loop(); i++ {
			j := 8 * (i % (len(qs) / 8))
			dst = x.SearchAny(qs[j:j+8], DefaultRadius, dst[:0])
		}
	})
	b.Run("each", func(b *testing.B) {
		var dst []Match
		defer reportThreadCPU(b)()
		for i := 0; b.Loop(); i++ {
			j := 8 * (i % (len(qs) / 8))
			for _, q := range qs[j : j+8] {
				dst = x.Search(q, DefaultRadius, dst[:0])
			}
		}
	})
}

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

// BenchmarkFilterMasks measures the inline filter alone on cached data, in
// buckets of 152 entries: the compute floor of a scan (41k entries a radius-31
// lookup at 10M), with and without SIMD.
func BenchmarkFilterMasks(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 41000
	next := make([]byte, 2*n)
	for i := range next {
		next[i] = byte(rng.Uint32())
	}
	eachFilterB(b, func(b *testing.B) {
		var masks [maskWords]uint32
		var found int
		defer reportThreadCPU(b)()
		for b.Loop() {
			for a := 0; a < n; a += 152 {
				filterMasks(next[2*a:2*min(a+152, n)], 0x1234, 2, masks[:])
				for _, m := range masks[:5] {
					found += bits.OnesCount32(m)
				}
			}
		}
		b.ReportMetric(float64(found)/float64(b.N), "hits/op")
	})
}
