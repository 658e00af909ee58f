package hashindex

import "unsafe"

//go:noescape
func filterMasksAVX512(next *byte, m int, qn uint16, budget uint16, masks *uint32)

//go:noescape
func prefetchSpan(p *byte, n int)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func xgetbv0() uint32

// hasAVX512BITALG reports whether the CPU and OS support the AVX-512
// instructions the filter uses: 512-bit registers and mask registers saved by
// the OS (XCR0 bits 1, 2, 5, 6, 7), AVX512F, AVX512BW and VPOPCNTW (BITALG).
var hasAVX512BITALG = func() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	if c1&(1<<27) == 0 { // OSXSAVE
		return false
	}
	if xgetbv0()&0xe6 != 0xe6 {
		return false
	}
	_, b7, c7, _ := cpuid(7, 0)
	return b7&(1<<16) != 0 && b7&(1<<30) != 0 && c7&(1<<12) != 0
}()

// filterMasks sets bit i%32 of masks[i/32] for every entry i of next (a run
// of little-endian 16-bit boxes) within budget bits of qn and clears the
// others; masks must hold (len(next)/2+31)/32 words.
func filterMasks(next []byte, qn uint16, budget int, masks []uint32) {
	m := len(next) / 2
	if m == 0 {
		return
	}
	_ = masks[(m-1)/32]
	if useSIMD {
		filterMasksAVX512(unsafe.SliceData(next), m, qn, uint16(budget), unsafe.SliceData(masks))
		return
	}
	filterMasksGo(next, qn, budget, masks)
}

// prefetch asks for the cache lines of b without waiting for them.
func prefetch(b []byte) {
	if len(b) > 0 {
		prefetchSpan(unsafe.SliceData(b), len(b))
	}
}

// prefetchWord asks for the cache line holding *p.
func prefetchWord(p *uint64) { prefetchSpan((*byte)(unsafe.Pointer(p)), 8) }
