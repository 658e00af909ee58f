package hashindex

import "math/bits"

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

// search appends every live entry within r of each query, once a query.
func (v *segView) search(qs []words, r int, dst []Match) []Match {
	s := v.seg
	if !s.indexed() || !probeCheaper(r, len(s.ids)) {
		for i := range qs {
			dst = v.scan(&qs[i], r, dst)
		}
		return dst
	}
	return v.probe(qs, r, dst)
}

// probe is search through the tables; it needs an indexed segment and
// r/16 ≤ maxProbe. Bucket reads are random accesses into arrays far larger
// than the caches, so the buckets of up to four queries are listed first
// (their offsets all loaded together) and then scanned in one pipeline, so
// that the memory system serves their misses in parallel instead of one
// bucket at a time.
func (v *segView) probe(qs []words, r int, dst []Match) []Match {
	for len(qs) > maxQueries { // bucket.q numbers them in 16 bits
		dst = v.probe(qs[:maxQueries], r, dst)
		qs = qs[maxQueries:]
	}
	s := v.seg
	t1, t2 := r/numBoxes, (2*r+1)/numBoxes
	var batch [probeBatch]bucket
	n := 0
	for qi := range qs {
		qb := qs[qi].boxes()
		for i := range numBoxes {
			t := &s.tables[i]
			qn := qb[(i+1)%numBoxes]
			for w := 0; w <= t1; w++ {
				for _, m := range masksByWeight[w] {
					k := uint32(qb[i] ^ m)
					batch[n] = bucket{a: t.off[k], b: t.off[k+1], k: uint16(k), qn: qn,
						table: uint8(i), budget: int8(t2 - w), q: uint16(qi)}
					if n++; n == len(batch) {
						dst = v.scanBuckets(batch[:], qs, r, dst)
						n = 0
					}
				}
			}
		}
	}
	return v.scanBuckets(batch[:n], qs, r, dst)
}

const maxQueries = 1 << 16

// probeBatch holds the 1,088 buckets of four radius-31 probes.
const probeBatch = 4 * 17 * numBoxes

// bucket is one probed bucket: entries a..b-1 of table number table, with
// key k, whose inline next box may differ from qn, the next box of query
// number q, by budget bits.
type bucket struct {
	a, b   uint32
	k, qn  uint16
	table  uint8
	budget int8
	q      uint16
}

// scanBuckets filters the buckets through their inline next boxes and
// verifies the survivors against qs. It is software-pipelined: the cache
// lines of bucket j+prefetchAhead are requested while bucket j is filtered,
// and those of a survivor's position as soon as it is found, so that the
// filter rarely waits for memory and the misses of different buckets overlap.
func (v *segView) scanBuckets(bs []bucket, qs []words, r int, dst []Match) []Match {
	s := v.seg
	for j := range min(len(bs), prefetchAhead) {
		s.prefetchBucket(&bs[j])
	}
	var masks [maskWords]uint32
	var cands [candBatch]candidate
	n := 0
	for j := range bs {
		if j+prefetchAhead < len(bs) {
			s.prefetchBucket(&bs[j+prefetchAhead])
		}
		bk := &bs[j]
		t := &s.tables[bk.table]
		for from := bk.a; from < bk.b; from += 32 * maskWords {
			to := min(bk.b, from+32*maskWords)
			filterMasks(t.ent[2*(bk.a+from):2*(bk.a+to)], bk.qn, int(bk.budget), masks[:])
			for w, mk := range masks[:(to-from+31)/32] {
				for ; mk != 0; mk &= mk - 1 {
					if n == len(cands) {
						dst = v.verify(cands[:n], qs, r, dst)
						n = 0
					}
					e := from + 32*uint32(w) + uint32(bits.TrailingZeros32(mk))
					cands[n] = candidate{e: e, a: bk.a, b: bk.b, k: uint32(bk.k), table: bk.table, q: bk.q}
					n++
					prefetch(t.ent[2*(bk.b+e) : 2*(bk.b+e)+2])
					prefetchWord(&t.hi[s.hiStart(bk.a, uint32(bk.k))>>6])
				}
			}
		}
	}
	return v.verify(cands[:n], qs, r, dst)
}

// prefetchAhead is how many buckets ahead of the filter their cache lines are
// requested: enough to cover a memory latency with filtering work.
const prefetchAhead = 16

// maskWords bounds the entries filtered in one call, 32 a word.
const maskWords = 8

// prefetchBucket requests the cache lines of a bucket's inline next boxes, or
// of their first prefetchMax bytes: a bucket much longer than the 152-entry
// average (a hot box in a bank of near-duplicates) is streamed, which the
// hardware prefetcher follows, and prefetching all of it ahead would only
// push the buckets in between out of the cache.
func (s *segment) prefetchBucket(bk *bucket) {
	start := 4 * bk.a
	prefetch(s.tables[bk.table].ent[start:min(2*(bk.a+bk.b), start+prefetchMax)])
}

const prefetchMax = 1024

// candBatch bounds the candidates verified together; at 10M random hashes a
// radius-31 query has about a hundred.
const candBatch = 256

// candidate is a table entry that passed the inline filter.
type candidate struct {
	e, a, b, k uint32 // entry, its bucket's entries a..b-1, and bucket key
	table      uint8
	d          uint8  // distance, once verified
	q          uint16 // the query it is a candidate for
	pos        uint32 // position, once decoded
}

// verify checks candidates against their full hashes. The lines holding
// their positions were requested when they passed the filter; decoding them
// requests the hashes, which are all in flight before the first is compared.
func (v *segView) verify(cs []candidate, qs []words, r int, dst []Match) []Match {
	s := v.seg
	for j := range cs {
		c := &cs[j]
		c.pos = s.position(&s.tables[c.table], c.a, c.b, c.k, c.e)
		prefetchWord(&s.hashes[c.pos][0])
	}
	for j := range cs {
		cs[j].d = uint8(min(distance(&qs[cs[j].q], &s.hashes[cs[j].pos]), 255))
	}
	for j := range cs {
		c := &cs[j]
		if int(c.d) > r {
			continue
		}
		q, h := &qs[c.q], &s.hashes[c.pos]
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
