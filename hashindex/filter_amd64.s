#include "textflag.h"

// func filterMasksAVX512(next *byte, m int, qn uint16, budget uint16, masks *uint32)
//
// For each of the m little-endian uint16s at next, sets bit i%32 of
// masks[i/32] when popcount(next[i] ^ qn) <= budget, 32 lanes at a time.
// The last group is read with a masked load, so nothing past next[m-1] is
// touched, and its bits past m are left clear.
TEXT ·filterMasksAVX512(SB), NOSPLIT, $0-32
	MOVQ next+0(FP), SI
	MOVQ m+8(FP), CX
	MOVWLZX qn+16(FP), AX
	MOVWLZX budget+18(FP), BX
	MOVQ masks+24(FP), DI
	VPBROADCASTW AX, Z1
	VPBROADCASTW BX, Z2

loop:
	CMPQ CX, $32
	JLT tail
	VPXORQ (SI), Z1, Z0
	VPOPCNTW Z0, Z0
	VPCMPUW $2, Z2, Z0, K1 // K1 = lanes with popcount <= budget
	KMOVD K1, (DI)
	ADDQ $64, SI
	ADDQ $4, DI
	SUBQ $32, CX
	JMP loop

tail:
	TESTQ CX, CX
	JZ done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVD AX, K2
	VMOVDQU16.Z (SI), K2, Z0
	VPXORQ Z0, Z1, Z0
	VPOPCNTW Z0, Z0
	VPCMPUW $2, Z2, Z0, K2, K1
	KMOVD K1, (DI)

done:
	VZEROUPPER
	RET

// func prefetchSpan(p *byte, n int)
//
// Asks for the cache lines of [p, p+n) without waiting for them; a prefetch
// never faults.
TEXT ·prefetchSpan(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	LEAQ (SI)(CX*1), DX // end
	ANDQ $~63, SI

pfloop:
	CMPQ SI, DX
	JGE pfdone
	PREFETCHT0 (SI)
	ADDQ $64, SI
	JMP pfloop

pfdone:
	RET

// func cpuid(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func xgetbv0() uint32
TEXT ·xgetbv0(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, ret+0(FP)
	RET
