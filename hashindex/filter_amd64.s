#include "textflag.h"

// FILTERARGS loads the arguments of the filterMasks kernels: next in SI, m in
// CX, qn in AX, budget in BX and masks in DI.
#define FILTERARGS \
	MOVQ next+0(FP), SI \
	MOVQ m+8(FP), CX \
	MOVWLZX qn+16(FP), AX \
	MOVWLZX budget+18(FP), BX \
	MOVQ masks+24(FP), DI

// func filterMasksAVX512(next *byte, m int, qn uint16, budget uint16, masks *uint32)
//
// For each of the m little-endian uint16s at next, sets bit i%32 of
// masks[i/32] when popcount(next[i] ^ qn) <= budget, 32 lanes at a time.
// The last group is read with a masked load, so nothing past next[m-1] is
// touched, and its bits past m are left clear.
TEXT ·filterMasksAVX512(SB), NOSPLIT, $0-32
	FILTERARGS
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

// Nibble popcounts for VPSHUFB, in both 128-bit lanes.
DATA nibblePop<>+0(SB)/8, $0x0302020102010100
DATA nibblePop<>+8(SB)/8, $0x0403030203020201
DATA nibblePop<>+16(SB)/8, $0x0302020102010100
DATA nibblePop<>+24(SB)/8, $0x0403030203020201
GLOBL nibblePop<>(SB), RODATA|NOPTR, $32

DATA lowNibbles<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA lowNibbles<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA lowNibbles<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA lowNibbles<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL lowNibbles<>(SB), RODATA|NOPTR, $32

DATA lowBytes<>+0(SB)/8, $0x00ff00ff00ff00ff
DATA lowBytes<>+8(SB)/8, $0x00ff00ff00ff00ff
DATA lowBytes<>+16(SB)/8, $0x00ff00ff00ff00ff
DATA lowBytes<>+24(SB)/8, $0x00ff00ff00ff00ff
GLOBL lowBytes<>(SB), RODATA|NOPTR, $32

// POP16 leaves in r the popcount of each 16-bit lane of x ^ Y1 (the query's
// next box), using Y2 (scratch), Y13 (nibble table), Y14 (0x0f bytes) and
// Y15 (0x00ff words).
#define POP16(x, r) \
	VPXOR x, Y1, r \
	VPSRLW $4, r, Y2 \
	VPAND Y14, r, r \
	VPAND Y14, Y2, Y2 \
	VPSHUFB r, Y13, r \
	VPSHUFB Y2, Y13, Y2 \
	VPADDB Y2, r, r \
	VPSRLW $8, r, Y2 \
	VPADDB Y2, r, r \
	VPAND Y15, r, r

// func filterMasksAVX2(next *byte, m int, qn uint16, budget uint16, masks *uint32)
//
// filterMasksAVX512 for CPUs with AVX2 only, on whole mask words: it filters
// the first m/32*32 entries; the caller filters what remains. The budget
// must be below 32768 (the lanes are compared as signed).
TEXT ·filterMasksAVX2(SB), NOSPLIT, $0-32
	FILTERARGS
	SHRQ $5, CX // whole words
	MOVD AX, X1
	VPBROADCASTW X1, Y1
	MOVD BX, X3
	VPBROADCASTW X3, Y3
	VMOVDQU nibblePop<>(SB), Y13
	VMOVDQU lowNibbles<>(SB), Y14
	VMOVDQU lowBytes<>(SB), Y15

avx2loop:
	TESTQ CX, CX
	JZ avx2done
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	POP16(Y4, Y6)
	POP16(Y5, Y7)
	VPCMPGTW Y3, Y6, Y6 // 0xffff where popcount > budget
	VPCMPGTW Y3, Y7, Y7
	VPACKSSWB Y7, Y6, Y6 // bytes: 0-7, 16-23, 8-15, 24-31
	VPERMQ $0xd8, Y6, Y6 // bytes in entry order
	VPMOVMSKB Y6, AX
	NOTL AX
	MOVL AX, (DI)
	ADDQ $64, SI
	ADDQ $4, DI
	DECQ CX
	JMP avx2loop

avx2done:
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
