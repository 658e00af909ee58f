package hashindex

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// eachFilter runs f with each filter kernel this machine has, so that all
// are held to the brute-force answer.
func eachFilter(t *testing.T, f func(t *testing.T)) {
	defer func(old filterKernel) { kernel = old }(kernel)
	if ks := kernels(); len(ks) < 3 {
		t.Logf("this CPU runs only the kernels %v", ks)
	}
	for _, k := range kernels() {
		kernel = k
		t.Run(k.String(), f)
	}
}

// wantMasks is filterMasks done one entry at a time.
func wantMasks(next []byte, qn uint16, budget int) []uint32 {
	m := len(next) / 2
	out := make([]uint32, (m+31)/32)
	for i := range m {
		if bits.OnesCount16(binary.LittleEndian.Uint16(next[2*i:])^qn) <= budget {
			out[i/32] |= 1 << (i % 32)
		}
	}
	return out
}

// checkMasks compares filterMasks with wantMasks on next, which it reads
// from the end of a larger buffer so that a read past its last entry would
// show (as a wrong answer, or a fault in the SIMD path's masked load if it
// crossed into an unmapped page; here it only reads neighbours' bytes, which
// must not change the answer).
func checkMasks(t *testing.T, next []byte, qn uint16, budget int) {
	t.Helper()
	want := wantMasks(next, qn, budget)
	masks := make([]uint32, len(want)+1)
	masks[len(want)] = 0xdeadbeef
	for i := range want {
		masks[i] = ^uint32(0) // must be overwritten
	}
	filterMasks(next, qn, budget, masks)
	for i := range want {
		if masks[i] != want[i] {
			t.Fatalf("%d entries, qn %#04x, budget %d: word %d = %032b, want %032b", len(next)/2, qn, budget, i, masks[i], want[i])
		}
	}
	if masks[len(want)] != 0xdeadbeef {
		t.Fatalf("%d entries: wrote past word %d", len(next)/2, len(want)-1)
	}
}

func TestFilterMasks(t *testing.T) {
	eachFilter(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		buf := make([]byte, 2*600)
		for range 3000 {
			m := rng.IntN(300)
			qn := uint16(rng.Uint32())
			budget := rng.IntN(17)
			// Entries near qn, so that every budget has hits and misses.
			for i := 0; i < len(buf); i += 2 {
				v := qn
				for range rng.IntN(8) {
					v ^= 1 << rng.IntN(16)
				}
				binary.LittleEndian.PutUint16(buf[i:], v)
			}
			off := rng.IntN(len(buf)/2 - m + 1)
			checkMasks(t, buf[2*off:2*(off+m)], qn, budget)
		}
	})
}

func FuzzFilterMasks(f *testing.F) {
	f.Add([]byte{0x34, 0x12, 0x35, 0x12}, uint16(0x1234), uint8(0))
	f.Add(make([]byte, 130), uint16(0xffff), uint8(16))
	f.Fuzz(func(t *testing.T, next []byte, qn uint16, budget uint8) {
		next = next[:len(next)&^1]
		eachFilter(t, func(t *testing.T) { checkMasks(t, next, qn, int(budget%17)) })
	})
}
