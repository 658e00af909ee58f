package hashindex

import (
	"encoding/binary"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// segment is an immutable, bulk-built part of the index. Entries are sorted by
// id (so an id is found by binary search) and every table refers to them by
// position.
type segment struct {
	ids    []uint32 // ascending, unique
	hashes []words  // parallel to ids
	hiSpan uint64   // number of distinct position>>16 values, at least 1
	tables [numBoxes]table
}

// table is the multi-index table for one box: a CSR bucket array keyed by the
// box value. Entry e of bucket k (a = off[k] ≤ e < b = off[k+1]) holds the
// next box of its hash inline, so the scan filters in memory order, and its
// position Elias–Fano coded: the low 16 bits beside it, the high bits as
// unary gaps in hi, where bucket k owns the bit range starting at
// a + k·hiSpan. Within a bucket, entries are in position order.
//
// Bucket k fills bytes [4a, 4b) of ent: first the next boxes, then the low
// position parts, little-endian uint16s, so entry e's next box is at byte
// 2(a+e) and its low part at 2(b+e). Keeping them together means the low
// part of an entry that passes the filter is usually already on its way
// into the cache, fetched with the bucket.
type table struct {
	off []uint32
	ent []byte // plus 16 bytes of padding for word reads
	hi  []uint64
}

// nextAt returns the next box of entry e of the bucket starting at entry a.
func (t *table) nextAt(a, e uint32) uint16 { return binary.LittleEndian.Uint16(t.ent[2*(a+e):]) }

// newSegment builds a segment over ids (ascending, unique) and their hashes;
// it keeps both slices.
func newSegment(ids []uint32, hashes []words) *segment {
	s := &segment{ids: ids, hashes: hashes, hiSpan: uint64(len(ids)+0xffff) >> 16}
	if s.hiSpan == 0 {
		s.hiSpan = 1
	}
	if len(ids) < scanBelow {
		return s // scanned, never probed
	}
	// One allocation for all offsets, so they share a few huge pages. Each
	// table's offsets start on a cache line (the allocation is page-aligned
	// and offStride is a multiple of 16), so the offsets of a query box and
	// of its four low-bit neighbours, five of the 17 buckets probed, come in
	// one line.
	offs := makeLarge[uint32](numBoxes * offStride)
	for i := range s.tables {
		s.tables[i].off = offs[i*offStride : i*offStride+numBuckets+1]
	}
	workers := min(runtime.GOMAXPROCS(0), numBoxes)
	var wg sync.WaitGroup
	next := make(chan int, numBoxes)
	for i := range numBoxes {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			scratch := makeLarge[uint64](len(ids))
			for i := range next {
				s.buildTable(i, scratch)
			}
		})
	}
	wg.Wait()
	return s
}

// offStride is the room each table's offsets take: numBuckets+1 rounded up
// to a whole number of 64-byte lines.
const offStride = numBuckets + 16

// scanBelow is the size under which a segment has no tables: scanning a few
// thousand hashes costs less than visiting the 272 buckets of a radius-31 probe.
const scanBelow = deltaMax

func (s *segment) indexed() bool { return len(s.ids) >= scanBelow }

// buildTable fills table i. Scattering ten million entries straight into
// 65,536 buckets would miss the cache on nearly every write, so entries are
// first partitioned by the key's high byte into scratch (256 write streams),
// then each partition, whose buckets are contiguous and fit in the cache, is
// scattered to its buckets. Both steps keep position order within a bucket.
func (s *segment) buildTable(i int, scratch []uint64) {
	t := &s.tables[i]
	n := len(s.hashes)
	j := (i + 1) % numBoxes
	for p := range s.hashes {
		t.off[int(s.hashes[p].box(i))+1]++
	}
	for k := 1; k <= numBuckets; k++ {
		t.off[k] += t.off[k-1]
	}
	// A record is position<<32 | next box<<16 | key.
	var part [256]uint32
	for g := range part {
		part[g] = t.off[g<<8]
	}
	for p := range s.hashes {
		h := &s.hashes[p]
		k := h.box(i)
		scratch[part[k>>8]] = uint64(p)<<32 | uint64(h.box(j))<<16 | uint64(k)
		part[k>>8]++
	}
	cursor := make([]uint32, numBuckets)
	copy(cursor, t.off[:numBuckets])
	t.ent = makeLarge[byte](4*n + 16)
	hiBits := uint64(n) + numBuckets*s.hiSpan
	t.hi = makeLarge[uint64](int((hiBits + 63) / 64))
	for _, rec := range scratch[:n] {
		k, p := uint16(rec), uint32(rec>>32)
		e := cursor[k]
		cursor[k]++
		a, b := t.off[k], t.off[int(k)+1]
		binary.LittleEndian.PutUint16(t.ent[2*(a+e):], uint16(rec>>16))
		binary.LittleEndian.PutUint16(t.ent[2*(b+e):], uint16(p))
		bit := uint64(e) + uint64(k)*s.hiSpan + uint64(p>>16)
		t.hi[bit>>6] |= 1 << (bit & 63)
	}
}

// position decodes the position of entry e in bucket k, which holds entries
// a (= t.off[k]) to b-1.
func (s *segment) position(t *table, a, b, k, e uint32) uint32 {
	rank := e - a
	start := s.hiStart(a, k)
	wi := start >> 6
	w := t.hi[wi] & (^uint64(0) << (start & 63))
	for {
		c := uint32(bits.OnesCount64(w))
		if rank < c {
			break
		}
		rank -= c
		wi++
		w = t.hi[wi]
	}
	for ; rank > 0; rank-- {
		w &= w - 1
	}
	bit := wi<<6 + uint64(bits.TrailingZeros64(w))
	high := bit - start - uint64(e-a)
	return uint32(high<<16) | uint32(binary.LittleEndian.Uint16(t.ent[2*(b+e):]))
}

// hiStart is the first bit of the high parts of bucket k, which starts at
// entry a, in its table's hi.
func (s *segment) hiStart(a, k uint32) uint64 {
	return uint64(a) + uint64(k)*s.hiSpan
}

// find returns the position of id, or -1.
func (s *segment) find(id uint32) int {
	p, ok := slices.BinarySearch(s.ids, id)
	if !ok {
		return -1
	}
	return p
}
