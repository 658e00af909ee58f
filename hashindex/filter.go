package hashindex

import (
	"encoding/binary"
	"math/bits"
)

// filterKernel is an implementation of filterMasks.
type filterKernel int

const (
	kernelPortable filterKernel = iota // SWAR, 4 boxes to a 64-bit word
	kernelAVX2                         // VPSHUFB nibble popcounts, 16 boxes an instruction
	kernelAVX512                       // VPOPCNTW, 32 boxes an instruction
)

func (k filterKernel) String() string {
	return [...]string{"portable", "avx2", "avx512"}[k]
}

// kernels lists the kernels this machine can run, best last.
func kernels() []filterKernel {
	ks := []filterKernel{kernelPortable}
	if hasAVX2 {
		ks = append(ks, kernelAVX2)
	}
	if hasAVX512BITALG {
		ks = append(ks, kernelAVX512)
	}
	return ks
}

// kernel is the filter in use: the best this machine has. Tests and
// benchmarks set it to each of kernels() in turn.
var kernel = kernels()[len(kernels())-1]

const (
	lanes16 = 0x0001_0001_0001_0001
	high16  = 0x8000_8000_8000_8000
)

// filterMasksGo is filterMasks without SIMD: four entries to a 64-bit word
// with a per-lane popcount, two words a step, then one entry at a time for
// the rest.
func filterMasksGo(next []byte, qn uint16, budget int, masks []uint32) {
	m := len(next) / 2
	qq := uint64(qn) * lanes16
	limit := uint64(budget+1) * lanes16
	for w := 0; 32*w < m; w++ {
		chunk := next[64*w : min(64*w+64, 2*m)]
		var mask uint32
		i := 0
		for ; len(chunk) >= 16; chunk = chunk[16:] {
			p0 := lanesWithin(binary.LittleEndian.Uint64(chunk)^qq, limit)
			p1 := lanesWithin(binary.LittleEndian.Uint64(chunk[8:])^qq, limit)
			if p0|p1 != 0 { // rarely: few entries pass
				mask |= (laneBits(p0) | laneBits(p1)<<4) << i
			}
			i += 8
		}
		for ; len(chunk) >= 2; chunk = chunk[2:] {
			if bits.OnesCount16(binary.LittleEndian.Uint16(chunk)^qn) <= budget {
				mask |= 1 << i
			}
			i++
		}
		masks[w] = mask
	}
}

// laneBits gathers the high bits of the four 16-bit lanes of p into bits
// 0..3: moved to bits 0, 16, 32 and 48, they meet in bits 45..48 of the
// product without carries.
func laneBits(p uint64) uint32 {
	return uint32(((p>>15)*0x2000_4000_8001)>>45) & 0xf
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

// Kernel names the inline filter this machine uses: "avx512" (VPOPCNTW, 32
// boxes an instruction), "avx2" (16 boxes) or "portable" (SWAR, 4 boxes a
// word). Benchmarks print it: lookups are slower without the SIMD filters.
func Kernel() string { return kernel.String() }
