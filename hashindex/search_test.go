package hashindex

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

var testRadii = []int{0, 1, 7, 15, 16, 31, 32, 47, 48, 64, 80, 256}

// TestSearchMatchesBruteForce checks 100% recall and precision against a
// brute-force scan on random and on clustered banks, at radii from 0 to 256.
func TestSearchMatchesBruteForce(t *testing.T) { eachFilter(t, testSearchMatchesBruteForce) }

func testSearchMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clustered, centres := clusteredBank(rng, 1000)
	// Degenerate: thousands of copies of one hash and its close neighbours,
	// the shape low-detail images give; their buckets hold thousands.
	degenerate := randomBank(rng, deltaMax)
	hot := randHash(rng)
	for range 1500 {
		degenerate[rng.Uint32()] = flip(rng, hot, rng.IntN(3))
	}
	cases := []struct {
		name  string
		b     bank
		extra []Hash
	}{
		{"random", randomBank(rng, 3*deltaMax), nil},
		{"clustered", clustered, centres},
		{"degenerate", degenerate, []Hash{hot}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids, hs := c.b.slices()
			x := Build(ids, hs)
			if got, want := x.Len(), len(c.b); got != want {
				t.Fatalf("Len() = %d, want %d", got, want)
			}
			if got := x.load().segs[0].seg.indexed(); !got {
				t.Fatal("test bank too small to be indexed")
			}
			var matched int
			ref := newScanner(c.b)
			for qi, q := range queries(rng, c.b, c.extra, 60) {
				all := ref.within(q)
				for _, r := range testRadii {
					if r > 64 && qi%10 != 0 {
						continue // scans; a few queries suffice
					}
					want := all.upTo(r)
					got := x.Search(q, r, nil)
					assertMatches(t, fmt.Sprintf("query %d radius %d", qi, r), got, want)
					if r == DefaultRadius {
						matched += len(want)
					}
				}
			}
			if matched == 0 {
				t.Fatal("no query matched anything at radius 31: the test proves nothing")
			}
		})
	}
}

// TestProbeExactAtEveryRadius forces the table probe (which Search skips in
// favour of a scan when a scan is cheaper) at every radius it supports.
func TestProbeExactAtEveryRadius(t *testing.T) { eachFilter(t, testProbeExactAtEveryRadius) }

func testProbeExactAtEveryRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b, centres := clusteredBank(rng, 300)
	ids, hs := b.slices()
	v := &Build(ids, hs).load().segs[0]
	if !v.seg.indexed() {
		t.Fatal("test bank too small to be indexed")
	}
	ref := newScanner(b)
	for qi, q := range queries(rng, b, centres, 30) {
		all := ref.within(q)
		qw := []words{toWords(&q)}
		for r := 0; r < (maxProbe+1)*numBoxes; r += 5 {
			got := v.probe(qw, r, nil)
			sortMatches(got)
			assertMatches(t, fmt.Sprintf("query %d radius %d", qi, r), got, all.upTo(r))
		}
	}
}

// TestFirstStart checks the pigeonring property the tables rely on: for any
// pair within r there is a start box inside the probe radius whose pair of
// boxes passes the inline filter.
func TestFirstStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		r := rng.IntN(Bits + 1)
		a := randHash(rng)
		// Concentrate flips in a few boxes now and then: the adversarial case.
		b := a
		if rng.IntN(2) == 0 {
			b = flip(rng, a, rng.IntN(r+1))
		} else {
			for range rng.IntN(r + 1) {
				bit := rng.IntN(3)*16 + rng.IntN(16)
				b[bit/8] ^= 1 << (bit % 8)
			}
		}
		d := Distance(a, b)
		wa, wb := toWords(&a), toWords(&b)
		i := firstStart(&wa, &wb, r)
		if d > r {
			continue
		}
		if i < 0 {
			t.Fatalf("distance %d ≤ %d but no start box", d, r)
		}
		di := bitsDiff(wa.box(i), wb.box(i))
		dn := bitsDiff(wa.box((i+1)%numBoxes), wb.box((i+1)%numBoxes))
		if di > r/16 || di+dn > (2*r+1)/16 {
			t.Fatalf("r=%d start %d: d_i=%d d_i+1=%d outside the probe", r, i, di, dn)
		}
	}
}

func bitsDiff(a, b uint16) int {
	var n int
	for x := a ^ b; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestPositionDecoding checks the Elias–Fano positions of every table entry
// in a segment large enough to need several high parts.
func TestPositionDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := 150000
	ids := make([]uint32, n)
	ws := make([]words, n)
	for i := range ids {
		ids[i] = uint32(i)
		h := randHash(rng)
		if i%3 == 0 { // a hot bucket in every table
			h[0], h[1], h[2], h[3] = 0, 0, 0, 0
		}
		ws[i] = toWords(&h)
	}
	s := newSegment(ids, ws)
	if s.hiSpan != 3 {
		t.Fatalf("hiSpan = %d, want 3", s.hiSpan)
	}
	for _, i := range []int{0, 5, numBoxes - 1} { // all tables are built alike
		tb := &s.tables[i]
		seen := make([]bool, n)
		for k := range uint32(numBuckets) {
			prev := -1
			for e := tb.off[k]; e < tb.off[k+1]; e++ {
				p := int(s.position(tb, tb.off[k], tb.off[k+1], k, e))
				if p >= n || seen[p] || p <= prev {
					t.Fatalf("table %d bucket %d entry %d: position %d (prev %d)", i, k, e, p, prev)
				}
				seen[p], prev = true, p
				if s.hashes[p].box(i) != uint16(k) || s.hashes[p].box((i+1)%numBoxes) != tb.nextAt(tb.off[k], e) {
					t.Fatalf("table %d bucket %d entry %d: position %d holds another hash", i, k, e, p)
				}
			}
		}
	}
}

// TestOffsetsStartOnCacheLines checks the layout probe relies on for its
// offset reads: every table's offsets begin on a 64-byte line.
func TestOffsetsStartOnCacheLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	ids, hs := randomBank(rng, deltaMax).slices()
	s := Build(ids, hs).load().segs[0].seg
	for i := range s.tables {
		if p := uintptr(unsafe.Pointer(&s.tables[i].off[0])); p%64 != 0 {
			t.Errorf("table %d: offsets start at %#x, not on a cache line", i, p)
		}
	}
}

func TestSearchAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	b, centres := clusteredBank(rng, 200)
	ids, hs := b.slices()
	x := Build(ids, hs)
	if v := &x.load().segs[0]; !v.seg.indexed() || !probeCheaper(DefaultRadius, len(v.seg.ids)) {
		t.Fatal("test bank would be scanned, not probed")
	}
	ref := newScanner(b)
	for qi := range 100 {
		n := 1 + rng.IntN(8)
		if qi%10 == 0 {
			n = 40 // ten probe batches
		}
		qs := queries(rng, b, centres, n)
		best := map[uint32]int{}
		for _, q := range qs {
			for _, m := range ref.within(q).upTo(DefaultRadius) {
				if d, ok := best[m.ID]; !ok || m.Distance < d {
					best[m.ID] = m.Distance
				}
			}
		}
		var want []Match
		for id, d := range best {
			want = append(want, Match{ID: id, Distance: d})
		}
		sortMatches(want)
		prefix := []Match{{ID: 7, Distance: 99}}
		got := x.SearchAny(qs, DefaultRadius, prefix)
		if got[0] != prefix[0] {
			t.Fatal("SearchAny overwrote dst")
		}
		assertMatches(t, fmt.Sprintf("query set %d", qi), got[1:], want)
	}
}

func TestBuildLastHashWins(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	a, b, c := randHash(rng), randHash(rng), randHash(rng)
	x := Build([]uint32{5, 3, 5}, []Hash{a, c, b})
	if got, want := x.Len(), 2; got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
	assertMatches(t, "old hash", x.Search(a, 0, nil), nil)
	assertMatches(t, "new hash", x.Search(b, 0, nil), []Match{{ID: 5}})
	assertMatches(t, "other", x.Search(c, 0, nil), []Match{{ID: 3}})
}

func TestEmptyAndNegativeRadius(t *testing.T) {
	var zero Index
	h := Hash{1}
	if got := zero.Search(h, Bits, nil); len(got) != 0 {
		t.Fatalf("zero Index found %v", got)
	}
	x := Build([]uint32{1}, []Hash{h})
	if got := x.Search(h, -1, nil); len(got) != 0 {
		t.Fatalf("radius -1 found %v", got)
	}
	assertMatches(t, "radius 1000", x.Search(Hash{}, 1000, nil), []Match{{ID: 1, Distance: 1}})
}
