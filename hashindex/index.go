package hashindex

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// Index is an exact Hamming-radius index over 256-bit hashes, one hash per id.
// Any number of goroutines may search while one or more add and remove
// (writers serialise among themselves); the zero value is an empty index.
type Index struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[snapshot]
}

// snapshot is one immutable state of the index. Writers never modify a
// published snapshot except by appending past the end of its delta, which
// no reader of it looks at.
type snapshot struct {
	segs  []segView // bulk-built segments, largest first
	dIDs  []uint32  // delta: added since the last flush, scanned
	dHash []words
}

const (
	// deltaMax is how many entries the scanned delta holds before it is
	// built into a segment; scanning it costs a few microseconds a query.
	deltaMax = 4096
	// mergeRatio keeps segment sizes geometric: a segment is merged into
	// the one before it once it reaches 1/mergeRatio of its size, so there
	// are O(log n) segments and each entry is rebuilt O(log n) times.
	mergeRatio = 4
)

var emptySnapshot = &snapshot{}

// New returns an empty index.
func New() *Index { return &Index{} }

// Build returns an index over hashes[i] with id ids[i], built in bulk. When
// an id repeats, its last hash wins. Build copies what it keeps. It panics if
// the slices differ in length.
func Build(ids []uint32, hashes []Hash) *Index {
	if len(ids) != len(hashes) {
		panic("hashindex: Build with len(ids) != len(hashes)")
	}
	own := makeLarge[uint32](len(ids))
	copy(own, ids)
	ws := makeLarge[words](len(hashes))
	for i := range hashes {
		ws[i] = toWords(&hashes[i])
	}
	x := New()
	if len(own) > 0 {
		own, ws = sortByID(own, ws)
		x.cur.Store(&snapshot{segs: []segView{{seg: newSegment(own, ws)}}})
	}
	return x
}

// sortByID orders entries by id, keeping the last of repeated ids. It may
// reuse or replace the slices it is given.
func sortByID(ids []uint32, ws []words) ([]uint32, []words) {
	sorted := true
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return ids, ws
	}
	keys := make([]uint64, len(ids))
	for i, id := range ids {
		keys[i] = uint64(id)<<32 | uint64(i)
	}
	slices.Sort(keys)
	outIDs := makeLarge[uint32](len(ids))[:0]
	outWs := makeLarge[words](len(ids))[:0]
	for i, k := range keys {
		if i+1 < len(keys) && keys[i+1]>>32 == k>>32 {
			continue // a later hash for the same id wins
		}
		outIDs = append(outIDs, uint32(k>>32))
		outWs = append(outWs, ws[uint32(k)])
	}
	return outIDs, outWs
}

func (x *Index) load() *snapshot {
	if s := x.cur.Load(); s != nil {
		return s
	}
	return emptySnapshot
}

// Len returns the number of ids in the index.
func (x *Index) Len() int {
	s := x.load()
	n := len(s.dIDs)
	for i := range s.segs {
		n += s.segs[i].live()
	}
	return n
}

// Add stores h under id, replacing any hash id had. The entry is matchable by
// every search that starts after Add returns.
func (x *Index) Add(id uint32, h Hash) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.load()
	ns := &snapshot{segs: s.segs, dIDs: s.dIDs, dHash: s.dHash}
	ns.remove(id)
	// Appending may write into the backing array of s's delta, but only past
	// len(s.dIDs), which no reader of s looks at.
	ns.dIDs = append(ns.dIDs, id)
	ns.dHash = append(ns.dHash, toWords(&h))
	if len(ns.dIDs) >= deltaMax {
		ns.flush()
	}
	x.cur.Store(ns)
}

// Remove deletes id and reports whether it was present.
func (x *Index) Remove(id uint32) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.load()
	ns := &snapshot{segs: s.segs, dIDs: s.dIDs, dHash: s.dHash}
	if !ns.remove(id) {
		return false
	}
	x.cur.Store(ns)
	return true
}

// remove deletes id from ns, copying whatever of ns it changes (ns itself is
// not yet published), and reports whether it was present.
func (ns *snapshot) remove(id uint32) bool {
	if i := slices.Index(ns.dIDs, id); i >= 0 {
		ns.dIDs = slices.Concat(ns.dIDs[:i], ns.dIDs[i+1:])
		ns.dHash = slices.Concat(ns.dHash[:i], ns.dHash[i+1:])
		return true
	}
	for k := range ns.segs {
		v := &ns.segs[k]
		p := v.seg.find(id)
		if p < 0 || v.isDead(uint32(p)) {
			continue
		}
		dead := make([]uint64, (len(v.seg.ids)+63)/64)
		copy(dead, v.dead)
		dead[p>>6] |= 1 << (p & 63)
		segs := slices.Clone(ns.segs)
		segs[k] = segView{seg: v.seg, dead: dead, ndead: v.ndead + 1}
		if segs[k].ndead*4 > len(v.seg.ids) {
			if segs[k] = merge(segs[k : k+1]); len(segs[k].seg.ids) == 0 {
				segs = slices.Delete(segs, k, k+1)
			}
		}
		ns.segs = segs
		return true
	}
	return false
}

// flush builds the delta into a segment and merges segments until their sizes
// are geometric again.
func (ns *snapshot) flush() {
	ids, ws := sortByID(slices.Clone(ns.dIDs), slices.Clone(ns.dHash))
	segs := append(slices.Clone(ns.segs), segView{seg: newSegment(ids, ws)})
	for len(segs) >= 2 {
		last := len(segs) - 1
		if segs[last].live()*mergeRatio <= segs[last-1].live() {
			break
		}
		segs = append(segs[:last-1], merge(segs[last-1:]))
	}
	ns.segs, ns.dIDs, ns.dHash = segs, nil, nil
}

// merge builds one segment from the live entries of views, whose ids are
// disjoint.
func merge(views []segView) segView {
	var n int
	for i := range views {
		n += views[i].live()
	}
	ids := makeLarge[uint32](n)[:0]
	ws := makeLarge[words](n)[:0]
	for i := range views {
		v := &views[i]
		for p, id := range v.seg.ids {
			if !v.isDead(uint32(p)) {
				ids = append(ids, id)
				ws = append(ws, v.seg.hashes[p])
			}
		}
	}
	ids, ws = sortByID(ids, ws)
	return segView{seg: newSegment(ids, ws)}
}

// Search appends to dst every entry within Hamming distance radius of q
// (distance ≤ radius), sorted by distance then id, and returns the extended
// slice. A negative radius matches nothing.
func (x *Index) Search(q Hash, radius int, dst []Match) []Match {
	if radius < 0 {
		return dst
	}
	start := len(dst)
	qw := [1]words{toWords(&q)}
	dst = x.load().search(qw[:], min(radius, Bits), dst)
	sortMatches(dst[start:])
	return dst
}

// SearchAny searches for several query hashes at once (for example the eight
// dihedral variants of one image) against one state of the index and
// appends each matching id once, with its smallest distance to any query,
// sorted by distance then id. The queries share one pass through the
// tables, so their memory misses overlap; it is cheaper than a Search each.
func (x *Index) SearchAny(qs []Hash, radius int, dst []Match) []Match {
	if radius < 0 {
		return dst
	}
	s := x.load()
	start := len(dst)
	qws := make([]words, len(qs))
	for i := range qs {
		qws[i] = toWords(&qs[i])
	}
	dst = s.search(qws, min(radius, Bits), dst)
	found := dst[start:]
	slices.SortFunc(found, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Distance, b.Distance))
	})
	found = slices.CompactFunc(found, func(a, b Match) bool { return a.ID == b.ID })
	sortMatches(found)
	return dst[:start+len(found)]
}

// search appends every entry within r of each query; an entry near several
// queries is appended once for each.
func (s *snapshot) search(qs []words, r int, dst []Match) []Match {
	for i := range s.segs {
		dst = s.segs[i].search(qs, r, dst)
	}
	for i := range qs {
		dst = scanDelta(s.dIDs, s.dHash, &qs[i], r, dst)
	}
	return dst
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
}
