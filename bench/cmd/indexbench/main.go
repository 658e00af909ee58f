// Command indexbench measures package hashindex at bank scale: build time,
// resident memory, single-core lookups per second at radius 31 and the
// brute-force scan rate, on random and on clustered (near-duplicate family)
// banks generated from a fixed seed. It checks the index against the scan on
// a sample of queries, so a fast wrong answer cannot pass for a result.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"safeguard/hashindex"
)

func main() {
	n := flag.Int("n", 10_000_000, "bank size")
	data := flag.String("data", "random", "bank shape: random or clustered")
	radius := flag.Int("radius", hashindex.DefaultRadius, "search radius")
	nq := flag.Int("q", 20000, "timed lookups a round")
	rounds := flag.Int("rounds", 5, "timed rounds over the queries; the median round is reported")
	nscan := flag.Int("scan", 10, "brute-force scans (also the queries checked against the index)")
	seed := flag.Uint64("seed", 1, "generator seed")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the timed lookups to this file")
	flag.Parse()
	cpuProfile = *profile
	if err := run(*n, *data, *radius, *nq, max(*rounds, 1), *nscan, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "indexbench:", err)
		os.Exit(1)
	}
}

var cpuProfile string

func run(n int, data string, radius, nq, rounds, nscan int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x5afe))
	t0 := time.Now()
	var hs []hashindex.Hash
	var centres []hashindex.Hash
	switch data {
	case "random":
		hs = make([]hashindex.Hash, n)
		for i := range hs {
			hs[i] = randHash(rng)
		}
	case "clustered":
		hs, centres = clustered(rng, n)
	default:
		return fmt.Errorf("unknown -data %q", data)
	}
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i)
	}
	qs := queries(rng, hs, centres, max(nq, nscan))
	fmt.Printf("bank: %d %s hashes, generated in %.1fs; %d queries (half random, half perturbed bank entries or family centres)\n",
		n, data, time.Since(t0).Seconds(), len(qs))

	t0 = time.Now()
	bcpu0 := processCPU()
	x := hashindex.Build(ids, hs)
	build := time.Since(t0)
	buildCPU := processCPU() - bcpu0

	// Brute force on one core, over the caller's flat array: the reference
	// answer and the baseline rate.
	prev := runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	scpu0 := threadCPU()
	t0 = time.Now()
	want := make([][]hashindex.Match, nscan)
	for i := range want {
		want[i] = scan(hs, qs[i], radius)
	}
	scanRate := float64(nscan) / time.Since(t0).Seconds()
	scanCPURate := float64(nscan) / (threadCPU() - scpu0).Seconds()
	runtime.UnlockOSThread()
	runtime.GOMAXPROCS(prev)
	for i := range want {
		if got := x.Search(qs[i], radius, nil); !slices.Equal(got, want[i]) {
			return fmt.Errorf("query %d: index found %d matches, scan %d", i, len(got), len(want[i]))
		}
	}

	hs, ids = nil, nil // the index keeps its own copy
	runtime.GC()
	debug.FreeOSMemory()
	rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	var dst []hashindex.Match
	var matches, withMatch int
	lat := make([]time.Duration, nq)
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// The machine is shared, so each round is timed by the wall clock and by
	// the searching thread's CPU time, and the median round of each is kept.
	var wall, cpu []float64
	for range rounds {
		matches, withMatch = 0, 0
		cpu0 := threadCPU()
		t0 = time.Now()
		for i := range nq {
			s := time.Now()
			dst = x.Search(qs[i], radius, dst[:0])
			lat[i] = time.Since(s)
			matches += len(dst)
			if len(dst) > 0 {
				withMatch++
			}
		}
		wall = append(wall, float64(nq)/time.Since(t0).Seconds())
		cpu = append(cpu, float64(nq)/(threadCPU()-cpu0).Seconds())
	}
	anyRate, eachRate := searchAnyRates(x, qs[:max(nq/4, 8)], radius, rounds)
	runtime.UnlockOSThread()
	runtime.GOMAXPROCS(prev)
	slices.Sort(lat) // of the last round
	rate, cpuRate := median(wall), median(cpu)

	fmt.Printf("build: %.2fs wall clock on %d cores, %.2fs of CPU\n", build.Seconds(), prev, buildCPU.Seconds())
	fmt.Printf("memory after build (input dropped): VmRSS %s (%s in huge pages), Go heap in use %s, runtime total %s; peak VmHWM %s (includes the generated input and build)\n",
		mib(rss), mib(smaps("AnonHugePages")), mib(int64(ms.HeapInuse)), mib(int64(ms.Sys)), mib(hwm))
	fmt.Printf("lookups at radius %d, one core: %.0f/s wall clock, %.0f per CPU-second of the searching thread (medians of %d rounds of %d; last round p50 %v, p99 %v, max %v); %.1f matches per query, %d of %d queries matched\n",
		radius, rate, cpuRate, rounds, nq, lat[nq/2], lat[nq*99/100], lat[nq-1], float64(matches)/float64(nq), withMatch, nq)
	fmt.Printf("  rounds, lookups/s wall clock: %s; per CPU-second: %s; filter kernel %s\n", list(wall), list(cpu), hashindex.Kernel())
	fmt.Printf("SearchAny over sets of 8 queries (as for dihedral variants), one core: %.0f queries per CPU-second, against %.0f as 8 Searches (medians of %d rounds)\n",
		anyRate, eachRate, rounds)
	fmt.Printf("brute-force scan, one core: %.1f/s wall clock, %.1f per CPU-second; index/scan: %.0fx wall clock, %.0fx CPU; %d scanned queries agreed exactly\n",
		scanRate, scanCPURate, rate/scanRate, cpuRate/scanCPURate, nscan)
	fmt.Println()
	fmt.Println("reference figures (notes/PDQ.md, one thread, radius 31):")
	fmt.Printf("  %-40s %12s %12s\n", "", "lookups/s", "at")
	fmt.Printf("  %-40s %12.0f %12s\n", "this index ("+data+")", rate, fmt.Sprint(n))
	fmt.Printf("  %-40s %12.1f %12s\n", "this machine, Go brute-force scan", scanRate, fmt.Sprint(n))
	fmt.Printf("  %-40s %12s %12s\n", "FAISS IndexBinaryMultiHash (2.6 GiB, 41s)", "~20", "10M")
	fmt.Printf("  %-40s %12s %12s\n", "FAISS flat AVX2 scan (305 MiB)", "~58", "10M")
	fmt.Printf("  %-40s %12s %12s\n", "reference C++ MIH", "~500", "1M")
	return nil
}

// searchAnyRates times SearchAny over sets of eight queries against eight
// Searches, alternating round by round, and returns the median rates in
// queries per CPU-second of the calling (locked) thread.
func searchAnyRates(x *hashindex.Index, qs []hashindex.Hash, radius, rounds int) (anyRate, eachRate float64) {
	sets := len(qs) / 8
	var dst []hashindex.Match
	var anyRates, eachRates []float64
	for range rounds {
		cpu0 := threadCPU()
		for i := range sets {
			dst = x.SearchAny(qs[8*i:8*i+8], radius, dst[:0])
		}
		anyRates = append(anyRates, float64(8*sets)/(threadCPU()-cpu0).Seconds())
		cpu0 = threadCPU()
		for _, q := range qs[:8*sets] {
			dst = x.Search(q, radius, dst[:0])
		}
		eachRates = append(eachRates, float64(8*sets)/(threadCPU()-cpu0).Seconds())
	}
	return median(anyRates), median(eachRates)
}

func median(xs []float64) float64 {
	xs = slices.Sorted(slices.Values(xs))
	return xs[len(xs)/2]
}

func list(xs []float64) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.0f", x)
	}
	return b.String()
}

func randHash(rng *rand.Rand) hashindex.Hash {
	var h hashindex.Hash
	for i := 0; i < len(h); i += 8 {
		binary.LittleEndian.PutUint64(h[i:], rng.Uint64())
	}
	return h
}

func flip(rng *rand.Rand, h hashindex.Hash, k int) hashindex.Hash {
	for range k { // with replacement: a few flips may cancel, which is fine here
		b := rng.IntN(hashindex.Bits)
		h[b/8] ^= 1 << (b % 8)
	}
	return h
}

// clustered returns n hashes in near-duplicate families: random centres with
// 10–50 members each at 0–40 random bit flips, shuffled.
func clustered(rng *rand.Rand, n int) (hs, centres []hashindex.Hash) {
	hs = make([]hashindex.Hash, 0, n)
	for len(hs) < n {
		c := randHash(rng)
		centres = append(centres, c)
		for range min(10+rng.IntN(41), n-len(hs)) {
			hs = append(hs, flip(rng, c, rng.IntN(41)))
		}
	}
	rng.Shuffle(len(hs), func(i, j int) { hs[i], hs[j] = hs[j], hs[i] })
	return hs, centres
}

// queries returns half random hashes and half bank entries (or family
// centres) perturbed by 0–40 bits, so that many have real matches.
func queries(rng *rand.Rand, hs, centres []hashindex.Hash, n int) []hashindex.Hash {
	qs := make([]hashindex.Hash, n)
	for i := range qs {
		switch {
		case i%2 == 0:
			qs[i] = randHash(rng)
		case len(centres) > 0 && i%4 == 1:
			qs[i] = flip(rng, centres[rng.IntN(len(centres))], rng.IntN(16))
		default:
			qs[i] = flip(rng, hs[rng.IntN(len(hs))], rng.IntN(41))
		}
	}
	return qs
}

// scan is the brute-force answer, in the index's order.
func scan(hs []hashindex.Hash, q hashindex.Hash, r int) []hashindex.Match {
	q0, q1 := binary.BigEndian.Uint64(q[0:]), binary.BigEndian.Uint64(q[8:])
	q2, q3 := binary.BigEndian.Uint64(q[16:]), binary.BigEndian.Uint64(q[24:])
	var out []hashindex.Match
	for i := range hs {
		h := &hs[i]
		d := bits.OnesCount64(q0^binary.BigEndian.Uint64(h[0:])) +
			bits.OnesCount64(q1^binary.BigEndian.Uint64(h[8:])) +
			bits.OnesCount64(q2^binary.BigEndian.Uint64(h[16:])) +
			bits.OnesCount64(q3^binary.BigEndian.Uint64(h[24:]))
		if d <= r {
			out = append(out, hashindex.Match{ID: uint32(i), Distance: d})
		}
	}
	slices.SortFunc(out, func(a, b hashindex.Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}

// smaps reads a "kB" field of /proc/self/smaps_rollup, in bytes.
func smaps(field string) int64 { return procField("/proc/self/smaps_rollup", field) }

// procStatus reads a "kB" field of /proc/self/status, in bytes.
func procStatus(field string) int64 { return procField("/proc/self/status", field) }

// procField reads a "kB" field of a /proc file, in bytes; -1 if absent.
func procField(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb << 10
		}
	}
	return -1
}

func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
