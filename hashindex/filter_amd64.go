package hashindex

import "unsafe"

//go:noescape
func filterMasksAVX512(next *byte, m int, qn uint16, budget uint16, masks *uint32)

//go:noescape
func filterMasksAVX2(next *byte, m int, qn uint16, budget uint16, masks *uint32)

//go:noescape
func prefetchSpan(p *byte, n int)

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

func xgetbv0() uint32

// hasAVX512BITALG reports whether the CPU and OS support the AVX-512
// instructions the filter uses: 512-bit registers and mask registers saved by
// the OS (XCR0 bits 1, 2, 5, 6, 7), AVX512F, AVX512BW and VPOPCNTW (BITALG).
var hasAVX512BITALG = hasCPU(0xe6, func(b7, c7 uint32) bool {
	return b7&(1<<16) != 0 && b7&(1<<30) != 0 && c7&(1<<12) != 0
})

// hasAVX2 reports whether the CPU and OS support AVX2 (XCR0 bits 1 and 2).
var hasAVX2 = hasCPU(0x6, func(b7, _ uint32) bool { return b7&(1<<5) != 0 })

// hasCPU reports whether the OS saves the register state in xcr0Bits and
// features accepts CPUID leaf 7's EBX and ECX.
func hasCPU(xcr0Bits uint32, features func(b7, c7 uint32) bool) bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	if c1&(1<<27) == 0 { // OSXSAVE
		return false
	}
	if xgetbv0()&xcr0Bits != xcr0Bits {
		return false
	}
	_, b7, c7, _ := cpuid(7, 0)
	return features(b7, c7)
}

// filterMasks sets bit i%32 of masks[i/32] for every entry i of next (a run
// of little-endian 16-bit boxes) within budget bits of qn and clears the
// others; masks must hold (len(next)/2+31)/32 words.
func filterMasks(next []byte, qn uint16, budget int, masks []uint32) {
	m := len(next) / 2
	if m == 0 {
		return
	}
	_ = masks[(m-1)/32]
	switch kernel {
	case kernelAVX512:
		filterMasksAVX512(unsafe.SliceData(next), m, qn, uint16(budget), unsafe.SliceData(masks))
	case kernelAVX2:
		whole, rest := m/32, m%32
		if whole == 0 {
			filterMasksGo(next, qn, budget, masks)
			return
		}
		filterMasksAVX2(unsafe.SliceData(next), m, qn, uint16(budget), unsafe.SliceData(masks))
		if rest != 0 {
			// Filter the last 32 entries, which overlap the whole words,
			// and keep the bits of the rest.
			var last uint32
			filterMasksAVX2(&next[2*(m-32)], 32, qn, uint16(budget), &last)
			masks[whole] = last >> (32 - rest)
		}
	default:
		filterMasksGo(next, qn, budget, masks)
	}
}

// prefetch asks for the cache lines of b without waiting for them.
func prefetch(b []byte) {
	if len(b) > 0 {
		prefetchSpan(unsafe.SliceData(b), len(b))
	}
}

// prefetchWord asks for the cache line holding *p.
func prefetchWord(p *uint64) { prefetchSpan((*byte)(unsafe.Pointer(p)), 8) }
