//go:build !amd64

package hashindex

const hasAVX512BITALG, hasAVX2 = false, false

func filterMasks(next []byte, qn uint16, budget int, masks []uint32) {
	filterMasksGo(next, qn, budget, masks)
}

// prefetch and prefetchWord are hints that this platform goes without.
func prefetch([]byte)        {}
func prefetchWord(p *uint64) {}
