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

// search appends every live entry within r of q, each once.
func (v *segView) search(q *words, qb *[numBoxes]uint16, r int, dst []Match) []Match {
	s := v.seg
	if !s.indexed() || !probeCheaper(r, len(s.ids)) {
		return v.scan(q, r, dst)
	}
	return v.probe(q, qb, r, dst)
}

// probe is search through the tables; it needs an indexed segment and
// r/16 ≤ maxProbe.
func (v *segView) probe(q *words, qb *[numBoxes]uint16, r int, dst []Match) []Match {
	s := v.seg
	t1, t2 := r/numBoxes, (2*r+1)/numBoxes
	for i := range numBoxes {
		t := &s.tables[i]
		qi, qn := qb[i], qb[(i+1)%numBoxes]
		for w := 0; w <= t1; w++ {
			budget := t2 - w
			for _, m := range masksByWeight[w] {
				k := uint32(qi ^ m)
				a, b := t.off[k], t.off[k+1]
				for e, nx := range t.next[a:b] {
					if bits.OnesCount16(nx^qn) > budget {
						continue
					}
					p := s.position(t, k, a+uint32(e))
					h := &s.hashes[p]
					d := distance(q, h)
					if d > r || firstStart(q, h, r) != i || v.isDead(p) {
						continue
					}
					dst = append(dst, Match{ID: s.ids[p], Distance: d})
				}
			}
		}
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
