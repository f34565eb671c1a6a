//go:build !purego

// Why assembly: Go has no SIMD intrinsics, and the exponential inside the
// attention softmax and the SiLU after every group norm runs once per score
// or activation: scalar Go (math.Exp) made attention 10× slower than its
// matrix products. How: written by hand; each loop is one zmm (16 floats)
// per iteration, and the EXP2 macro is exp2Generic step for step
// (clamp, VRNDSCALEPS round-to-even, Horner in FMAs, VSCALEFPS).

#include "textflag.h"

// Constants: log2 e, the clamp bounds ±127, Cephes exp2f P0–P5, 1.
DATA expc<>+0(SB)/4, $0x3fb8aa3b
DATA expc<>+4(SB)/4, $0xc2fe0000
DATA expc<>+8(SB)/4, $0x42fe0000
DATA expc<>+12(SB)/4, $0x3920fdde
DATA expc<>+16(SB)/4, $0x3aaf9f29
DATA expc<>+20(SB)/4, $0x3c1d96a6
DATA expc<>+24(SB)/4, $0x3d635774
DATA expc<>+28(SB)/4, $0x3e75fdee
DATA expc<>+32(SB)/4, $0x3f317218
DATA expc<>+36(SB)/4, $0x3f800000
GLOBL expc<>(SB), RODATA|NOPTR, $40

// LOADC fills Z20 = log2 e, Z21 = −127, Z22 = 127, Z23–Z28 = P0–P5, Z29 = 1.
#define LOADC \
	VBROADCASTSS expc<>+0(SB), Z20; \
	VBROADCASTSS expc<>+4(SB), Z21; \
	VBROADCASTSS expc<>+8(SB), Z22; \
	VBROADCASTSS expc<>+12(SB), Z23; \
	VBROADCASTSS expc<>+16(SB), Z24; \
	VBROADCASTSS expc<>+20(SB), Z25; \
	VBROADCASTSS expc<>+24(SB), Z26; \
	VBROADCASTSS expc<>+28(SB), Z27; \
	VBROADCASTSS expc<>+32(SB), Z28; \
	VBROADCASTSS expc<>+36(SB), Z29

// EXP2(x, n, p): p = 2^x; x and n are clobbered. The clamps take x as
// their second source so that a NaN passes through.
#define EXP2(x, n, p) \
	VMAXPS x, Z21, x; \
	VMINPS x, Z22, x; \
	VRNDSCALEPS $8, x, n; \
	VSUBPS n, x, x; \
	VMOVAPS Z23, p; \
	VFMADD213PS Z24, x, p; \
	VFMADD213PS Z25, x, p; \
	VFMADD213PS Z26, x, p; \
	VFMADD213PS Z27, x, p; \
	VFMADD213PS Z28, x, p; \
	VFMADD213PS Z29, x, p; \
	VSCALEFPS n, p, p

// func flashStepAVX512(s *float32, rows, w, cols int, o *float32, orows int, m, l *float32)
TEXT ·flashStepAVX512(SB), NOSPLIT, $0-64
	LOADC
	MOVQ s+0(FP), SI
	MOVQ rows+8(FP), CX
	MOVQ w+16(FP), R11
	SHLQ $2, R11            // row stride in bytes
	MOVQ cols+24(FP), R13
	SHLQ $2, R13            // bytes of columns to do
	MOVQ o+32(FP), DI
	MOVQ orows+40(FP), R8
	MOVQ m+48(FP), R9
	MOVQ l+56(FP), R10
	XORQ R12, R12           // byte offset of the 16-column chunk

chunk:
	CMPQ R12, R13
	JGE  done
	VMOVUPS (R9)(R12*1), Z0 // old maximum
	VMOVAPS Z0, Z1
	LEAQ (SI)(R12*1), AX
	MOVQ CX, BX
	TESTQ BX, BX
	JZ   maxdone

maxloop:
	VMAXPS (AX), Z1, Z1
	ADDQ R11, AX
	DECQ BX
	JNZ  maxloop

maxdone:
	VMOVUPS Z1, (R9)(R12*1)
	VSUBPS Z1, Z0, Z2       // m_old − m_new
	EXP2(Z2, Z3, Z4)        // correction
	LEAQ (DI)(R12*1), AX
	MOVQ R8, BX
	TESTQ BX, BX
	JZ   odone

oloop:
	VMULPS (AX), Z4, Z5
	VMOVUPS Z5, (AX)
	ADDQ R11, AX
	DECQ BX
	JNZ  oloop

odone:
	VMULPS (R10)(R12*1), Z4, Z6 // l·correction, then + Σ p
	LEAQ (SI)(R12*1), AX
	MOVQ CX, BX
	TESTQ BX, BX
	JZ   edone

eloop:
	VMOVUPS (AX), Z2
	VSUBPS Z1, Z2, Z2
	EXP2(Z2, Z3, Z5)
	VMOVUPS Z5, (AX)
	VADDPS Z5, Z6, Z6
	ADDQ R11, AX
	DECQ BX
	JNZ  eloop

edone:
	VMOVUPS Z6, (R10)(R12*1)
	ADDQ $64, R12
	JMP  chunk

done:
	VZEROUPPER
	RET

// func maxAVX512(x *float32, n int, out *[16]float32)
TEXT ·maxAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	KXORW K2, K2, K2 // lanes that met a NaN: VMAXPS alone would drop it
	VMOVUPS (SI), Z0
	VCMPPS $3, Z0, Z0, K1
	KORW K1, K2, K2
	ADDQ $64, SI
	SUBQ $16, CX
	JZ   maxstore

maxnext:
	VMOVUPS (SI), Z1
	VCMPPS $3, Z1, Z1, K1 // unordered: x is NaN
	KORW K1, K2, K2
	VMAXPS Z1, Z0, Z0
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  maxnext

maxstore:
	VMOVUPS Z0, (DI)
	KMOVW K2, AX
	TESTL AX, AX
	JZ   maxok
	MOVL $0x7fc00000, (DI) // a quiet NaN in lane 0
maxok:
	VZEROUPPER
	RET

// func expShiftAVX512(dst, src *float32, n int, shift float32, out *[16]float32)
TEXT ·expShiftAVX512(SB), NOSPLIT, $0-40
	LOADC
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Z19
	MOVQ out+32(FP), DX
	VPXORD Z6, Z6, Z6

exploop:
	VMOVUPS (SI), Z2
	VSUBPS Z19, Z2, Z2
	VMULPS Z20, Z2, Z2
	EXP2(Z2, Z3, Z5)
	VMOVUPS Z5, (DI)
	VADDPS Z5, Z6, Z6
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  exploop
	VMOVUPS Z6, (DX)
	VZEROUPPER
	RET

// func sumSqAVX512(x *float32, n int, out *[16]float64)
TEXT ·sumSqAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3

sqloop:
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VFMADD231PD Z4, Z4, Z2
	VFMADD231PD Z5, Z5, Z3
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  sqloop
	VADDPD Z1, Z0, Z0
	VADDPD Z3, Z2, Z2
	VMOVUPD Z0, (DI)
	VMOVUPD Z2, 64(DI)
	VZEROUPPER
	RET

// func affineAVX512(dst, src *float32, n int, a, b, c float32, swish int)
TEXT ·affineAVX512(SB), NOSPLIT, $0-48
	LOADC
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Z16
	VBROADCASTSS b+28(FP), Z17
	VBROADCASTSS c+32(FP), Z18
	MOVQ swish+40(FP), DX
	TESTQ DX, DX
	JNZ  swishloop

plainloop:
	VMOVUPS (SI), Z0
	VFMADD213PS Z17, Z16, Z0 // y = a·x + b
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  plainloop
	VZEROUPPER
	RET

swishloop:
	VMOVUPS (SI), Z0
	VFMADD213PS Z17, Z16, Z0 // y = a·x + b
	VMULPS Z18, Z0, Z1       // c·y = −beta·y·log2 e
	EXP2(Z1, Z2, Z3)
	VADDPS Z29, Z3, Z3       // d = 1 + e^(−beta·y)
	VRCP14PS Z3, Z4          // r ≈ 1/d to 14 bits
	VMOVAPS Z29, Z5
	VFNMADD231PS Z4, Z3, Z5  // 1 − d·r
	VFMADD231PS Z5, Z4, Z4   // r += r·(1 − d·r)
	VMULPS Z4, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  swishloop
	VZEROUPPER
	RET

// func linComb16AVX512(dst *float32, dstStride int, src *float32, srcStride int, c *float32, rows, cols int)
// Four output rows per pass (Z0–Z3), each source vector loaded once per
// pass and met by four broadcast coefficients; the last rows one at a time.
TEXT ·linComb16AVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $2, R8               // dst stride in bytes
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	SHLQ $2, R9               // src stride in bytes
	MOVQ c+32(FP), DX
	MOVQ rows+40(FP), CX
	MOVQ cols+48(FP), BX
	MOVQ BX, R12
	SHLQ $2, R12              // one coefficient row in bytes

quad:
	CMPQ CX, $4
	JLT  single
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ SI, R10              // source vector i
	MOVQ DX, R11              // coefficient (o, i)
	MOVQ BX, R13
quadcol:
	VMOVUPS (R10), Z4
	VFMADD231PS.BCST (R11), Z4, Z0
	LEAQ (R11)(R12*1), R14
	VFMADD231PS.BCST (R14), Z4, Z1
	VFMADD231PS.BCST (R14)(R12*1), Z4, Z2
	LEAQ (R14)(R12*2), R14
	VFMADD231PS.BCST (R14), Z4, Z3
	ADDQ R9, R10
	ADDQ $4, R11
	DECQ R13
	JNZ  quadcol
	VMOVUPS Z0, (DI)
	ADDQ R8, DI
	VMOVUPS Z1, (DI)
	ADDQ R8, DI
	VMOVUPS Z2, (DI)
	ADDQ R8, DI
	VMOVUPS Z3, (DI)
	ADDQ R8, DI
	LEAQ (DX)(R12*4), DX      // next four coefficient rows
	SUBQ $4, CX
	JMP  quad

single:
	TESTQ CX, CX
	JZ   done
	VXORPS Z0, Z0, Z0
	MOVQ SI, R10
	MOVQ BX, R13
singlecol:
	VMOVUPS (R10), Z4
	VFMADD231PS.BCST (DX), Z4, Z0
	ADDQ R9, R10
	ADDQ $4, DX
	DECQ R13
	JNZ  singlecol
	VMOVUPS Z0, (DI)
	ADDQ R8, DI
	DECQ CX
	JMP  single

done:
	VZEROUPPER
	RET

// The erfc fit's coefficients c9…c0 (float32 bits), then 1/√2, 0.5, 2 and
// the sign mask.
DATA geluc<>+0(SB)/4, $0x3e2ef945
DATA geluc<>+4(SB)/4, $0xbf527892
DATA geluc<>+8(SB)/4, $0x3fbe87b0
DATA geluc<>+12(SB)/4, $0xbf914e5d
DATA geluc<>+16(SB)/4, $0x3e8ec7cc
DATA geluc<>+20(SB)/4, $0xbe3ec24c
DATA geluc<>+24(SB)/4, $0x3dc636c9
DATA geluc<>+28(SB)/4, $0x3ebf88fb
DATA geluc<>+32(SB)/4, $0x3f8000c7
DATA geluc<>+36(SB)/4, $0xbfa1fc4e
DATA geluc<>+40(SB)/4, $0x3f3504f3
DATA geluc<>+44(SB)/4, $0x3f000000
DATA geluc<>+48(SB)/4, $0x40000000
DATA geluc<>+52(SB)/4, $0x7fffffff
GLOBL geluc<>(SB), RODATA|NOPTR, $56

// func geluAVX512(dst, src *float32, n int)
// Z10–Z19: c9…c0; Z5: 1/√2, Z6: 0.5, Z7: 2, Z8: |x| mask; Z20–Z29: LOADC.
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	LOADC
	VBROADCASTSS geluc<>+0(SB), Z10
	VBROADCASTSS geluc<>+4(SB), Z11
	VBROADCASTSS geluc<>+8(SB), Z12
	VBROADCASTSS geluc<>+12(SB), Z13
	VBROADCASTSS geluc<>+16(SB), Z14
	VBROADCASTSS geluc<>+20(SB), Z15
	VBROADCASTSS geluc<>+24(SB), Z16
	VBROADCASTSS geluc<>+28(SB), Z17
	VBROADCASTSS geluc<>+32(SB), Z18
	VBROADCASTSS geluc<>+36(SB), Z19
	VBROADCASTSS geluc<>+40(SB), Z5
	VBROADCASTSS geluc<>+44(SB), Z6
	VBROADCASTSS geluc<>+48(SB), Z7
	VBROADCASTSS geluc<>+52(SB), Z8
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Z9, Z9, Z9

geluloop:
	VMOVUPS (SI), Z0         // v
	VMULPS Z5, Z0, Z1        // v/√2
	VANDPS Z8, Z1, Z1        // z = |v|/√2
	VMOVAPS Z29, Z2
	VFMADD231PS Z6, Z1, Z2   // 1 + z/2
	VDIVPS Z2, Z29, Z2       // t
	VMOVAPS Z10, Z3          // p = c9
	VFMADD213PS Z11, Z2, Z3
	VFMADD213PS Z12, Z2, Z3
	VFMADD213PS Z13, Z2, Z3
	VFMADD213PS Z14, Z2, Z3
	VFMADD213PS Z15, Z2, Z3
	VFMADD213PS Z16, Z2, Z3
	VFMADD213PS Z17, Z2, Z3
	VFMADD213PS Z18, Z2, Z3
	VFMADD213PS Z19, Z2, Z3  // p = Σ c_i t^i
	VFNMADD231PS Z1, Z1, Z3  // p − z²
	VMULPS Z20, Z3, Z3       // in log2 units
	EXP2(Z3, Z4, Z1)         // Z1 = e^(p − z²)
	VMULPS Z2, Z1, Z1        // r = erfc(z)
	VCMPPS $14, Z9, Z0, K1   // v > 0
	VSUBPS Z1, Z7, K1, Z1    // there r = 2 − r
	VMULPS Z6, Z0, Z0        // v/2
	VMULPS Z1, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  geluloop
	VZEROUPPER
	RET
