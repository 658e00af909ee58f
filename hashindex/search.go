package hashindex

import (
	"encoding/binary"
	"math/bits"
)

// masksByWeight[w] lists every 16-bit mask with w bits set, for probing the
// buckets within distance w of a query box.
var masksByWeight = func() (m [maxProbe + 1][]uint16) {
	for v := range numBuckets {
		if w := bits.OnesCount16(uint16(v)); w <= maxProbe {
			m[w] = append(m[w], uint16(v))
		}
	}
	return m
}()

// maxProbe is the largest per-box radius ⌊r/16⌋ the tables are probed with;
// beyond it (r ≥ 80) a probe touches most buckets and a scan is cheaper.
const maxProbe = 4

// binom16[w] is C(16, w).
var binom16 = [17]float64{1, 16, 120, 560, 1820, 4368, 8008, 11440, 12870, 11440, 8008, 4368, 1820, 560, 120, 16, 1}

// probeCheaper estimates, in rough nanoseconds measured on this design,
// whether probing the tables of a segment of n entries beats scanning it.
// Probing costs per bucket visited, per entry filtered inline and per entry
// that passes the filter and is checked against its full hash.
func probeCheaper(r, n int) bool {
	t1, t2 := r/numBoxes, (2*r+1)/numBoxes
	if t1 > maxProbe {
		return false
	}
	perBucket := float64(n) / numBuckets
	var cost float64
	for w := 0; w <= t1; w++ {
		var pass float64
		for x := 0; x <= min(t2-w, 16); x++ {
			pass += binom16[x]
		}
		pass /= numBuckets
		cost += numBoxes * binom16[w] * (20 + perBucket*(0.7+pass*60))
	}
	return cost < float64(n)*1.5
}

// firstStart returns the smallest box i from which every cyclic run of box
// distances between a and b stays under its share: 16·(d_i+…+d_{i+l-1}) <
// l·(r+1) for l = 1..16. One exists whenever distance(a, b) ≤ r.
func firstStart(a, b *words, r int) int {
	var d [numBoxes]int
	for j := range d {
		d[j] = bits.OnesCount16(a.box(j) ^ b.box(j))
	}
	share := r + 1
	for i := range numBoxes {
		sum, ok := 0, true
		for l := 1; l <= numBoxes; l++ {
			sum += d[(i+l-1)%numBoxes]
			if numBoxes*sum >= l*share {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// segView is a segment as one snapshot sees it: with the positions removed
// since it was built.
type segView struct {
	seg   *segment
	dead  []uint64 // bitset over positions; nil when nothing is removed
	ndead int
}

func (v *segView) live() int { return len(v.seg.ids) - v.ndead }

func (v *segView) isDead(p uint32) bool {
	return v.dead != nil && v.dead[p>>6]&(1<<(p&63)) != 0
}

// search appends every live entry within r of q, each once.
func (v *segView) search(q *words, qb *[numBoxes]uint16, r int, dst []Match) []Match {
	s := v.seg
	if !s.indexed() || !probeCheaper(r, len(s.ids)) {
		return v.scan(q, r, dst)
	}
	return v.probe(q, qb, r, dst)
}

// probe is search through the tables; it needs an indexed segment and
// r/16 ≤ maxProbe. Bucket reads are random accesses into arrays far larger
// than the caches, so probes are batched: every bucket offset of a batch is
// loaded, then every cache line of every bucket touched, and only then are
// the buckets scanned, so that the memory system serves the misses in
// parallel instead of one per bucket.
func (v *segView) probe(q *words, qb *[numBoxes]uint16, r int, dst []Match) []Match {
	s := v.seg
	t1, t2 := r/numBoxes, (2*r+1)/numBoxes
	var batch [probeBatch]bucket
	n := 0
	for i := range numBoxes {
		t := &s.tables[i]
		for w := 0; w <= t1; w++ {
			for _, m := range masksByWeight[w] {
				k := uint32(qb[i] ^ m)
				batch[n] = bucket{a: t.off[k], b: t.off[k+1], k: k, table: uint8(i), budget: int8(t2 - w)}
				if n++; n == len(batch) {
					dst = v.scanBuckets(batch[:], q, qb, r, dst)
					n = 0
				}
			}
		}
	}
	return v.scanBuckets(batch[:n], q, qb, r, dst)
}

// probeBatch holds the 272 buckets of a radius-31 probe.
const probeBatch = 17 * numBoxes

// bucket is one probed bucket: entries a..b-1 of table number table, with
// key k, whose inline next box may differ from the query's by budget bits.
type bucket struct {
	a, b   uint32
	k      uint32
	table  uint8
	budget int8
}

func (v *segView) scanBuckets(bs []bucket, q *words, qb *[numBoxes]uint16, r int, dst []Match) []Match {
	s := v.seg
	// Touch the first five cache lines of every bucket (a 10M bank averages
	// 152 entries, 304 bytes, a bucket) with no branch between the loads, so
	// that they are all in flight at once; the hardware prefetcher follows
	// the longer buckets during the scan.
	var touch byte
	for j := range bs {
		ent := s.tables[bs[j].table].ent
		a := 4 * bs[j].a
		last := 2 * (bs[j].a + max(bs[j].b, bs[j].a+1)) // end of the next boxes
		touch ^= ent[a] ^ ent[min(a+64, last)] ^ ent[min(a+128, last)] ^
			ent[min(a+192, last)] ^ ent[min(a+256, last)]
	}
	var cands [candBatch]candidate
	var hits [candBatch]uint32
	n := 0
	for j := range bs {
		bk := &bs[j]
		qn := qb[(int(bk.table)+1)%numBoxes]
		for a := bk.a; a < bk.b; {
			var m int
			m, a = filterNext(s.tables[bk.table].ent, bk.a, a, bk.b, qn, int(bk.budget), hits[:])
			if n+m > len(cands) {
				dst = v.verify(cands[:n], q, r, dst)
				n = 0
			}
			hi := s.tables[bk.table].hi
			for _, e := range hits[:m] {
				cands[n] = candidate{e: e, a: bk.a, b: bk.b, k: bk.k, table: bk.table}
				n++
				// Start the miss on the high position part now, to overlap
				// with the rest of the scan.
				touch ^= byte(hi[s.hiStart(bk.a, bk.k)>>6])
			}
		}
	}
	if touch == 1 && r < 0 { // never true; keeps the touching loads alive
		return nil
	}
	return v.verify(cands[:n], q, r, dst)
}

const (
	lanes16 = 0x0001_0001_0001_0001
	high16  = 0x8000_8000_8000_8000
)

// filterNext finds the entries e in [from, b) of the bucket that starts at
// entry a whose inline next box differs from qn in at most budget bits
// (budget < 16), four entries to a 64-bit word with a per-lane popcount. It
// stores them in hits (of length candBatch) and returns how many, and where
// to resume when hits could not hold them all.
func filterNext(ent []byte, a, from, b uint32, qn uint16, budget int, hits []uint32) (int, uint32) {
	qq := uint64(qn) * lanes16
	limit := uint64(budget+1) * lanes16
	// Whole groups of eight entries; the last may run past b into the low
	// parts, the next bucket or the padding, and each yields at most eight
	// hits.
	groups := min((b-from+7)/8, uint32(len(hits)/8))
	start := 2 * (a + from)
	words := ent[start : start+16*groups]
	n := 0
	e := from
	for len(words) >= 16 {
		p0 := lanesWithin(binary.LittleEndian.Uint64(words)^qq, limit)
		p1 := lanesWithin(binary.LittleEndian.Uint64(words[8:])^qq, limit)
		words = words[16:]
		if p0|p1 != 0 {
			for ; p0 != 0; p0 &= p0 - 1 {
				hits[n&(candBatch-1)] = e + uint32(bits.TrailingZeros64(p0)>>4)
				n++
			}
			for ; p1 != 0; p1 &= p1 - 1 {
				hits[n&(candBatch-1)] = e + 4 + uint32(bits.TrailingZeros64(p1)>>4)
				n++
			}
		}
		e += 8
	}
	// Drop the lanes past the bucket.
	for n > 0 && hits[n-1] >= b {
		n--
	}
	return n, min(e, b)
}

// lanesWithin returns the high bit of every 16-bit lane of x whose popcount
// is below limit (the budget plus one, in every lane).
func lanesWithin(x, limit uint64) uint64 {
	x -= (x >> 1) & 0x5555_5555_5555_5555
	x = x&0x3333_3333_3333_3333 + (x>>2)&0x3333_3333_3333_3333
	x = (x + x>>4) & 0x0f0f_0f0f_0f0f_0f0f
	x = (x + x>>8) & 0x001f_001f_001f_001f
	// A lane's high bit survives the subtraction iff its count ≥ limit.
	return ^((x | high16) - limit) & high16
}

// candBatch bounds the candidates verified together; at 10M random hashes a
// radius-31 query has about a hundred.
const candBatch = 256

// candidate is a table entry that passed the inline filter.
type candidate struct {
	e, a, b, k uint32 // entry, its bucket's entries a..b-1, and bucket key
	table      uint8
	d          uint8  // distance, once verified
	pos        uint32 // position, once decoded
}

// verify checks candidates against their full hashes. Each pass is a loop of
// independent random reads (positions, then hashes), so the misses overlap.
func (v *segView) verify(cs []candidate, q *words, r int, dst []Match) []Match {
	s := v.seg
	var touch uint64
	for j := range cs { // bring in the position parts, all misses in flight
		t := &s.tables[cs[j].table]
		c := &cs[j]
		touch ^= uint64(t.ent[2*(c.b+c.e)]) ^ t.hi[s.hiStart(c.a, c.k)>>6]
	}
	for j := range cs {
		c := &cs[j]
		c.pos = s.position(&s.tables[c.table], c.a, c.b, c.k, c.e)
	}
	if touch == 1 && r < 0 { // never true; keeps the touching loads alive
		return nil
	}
	for j := range cs {
		cs[j].d = uint8(min(distance(q, &s.hashes[cs[j].pos]), 255))
	}
	for j := range cs {
		c := &cs[j]
		if int(c.d) > r {
			continue
		}
		h := &s.hashes[c.pos]
		if firstStart(q, h, r) != int(c.table) || v.isDead(c.pos) {
			continue
		}
		dst = append(dst, Match{ID: s.ids[c.pos], Distance: distance(q, h)})
	}
	return dst
}

func (v *segView) scan(q *words, r int, dst []Match) []Match {
	s := v.seg
	for p := range s.hashes {
		if d := distance(q, &s.hashes[p]); d <= r && !v.isDead(uint32(p)) {
			dst = append(dst, Match{ID: s.ids[p], Distance: d})
		}
	}
	return dst
}

// scanDelta appends every entry of the unindexed delta within r of q.
func scanDelta(ids []uint32, hashes []words, q *words, r int, dst []Match) []Match {
	for p := range hashes {
		if d := distance(q, &hashes[p]); d <= r {
			dst = append(dst, Match{ID: ids[p], Distance: d})
		}
	}
	return dst
}
