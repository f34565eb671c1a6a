// Package gemm is the CPU engine's single-precision matrix multiply: a
// GotoBLAS/BLIS-style packed GEMM (A packed one kc-deep slice at a time, B
// into kc×nc blocks, both cut into micro-panels) whose inner tile is computed by a
// hand-written micro-kernel chosen once at start-up from the CPU's features:
// AVX-512 (14×32), AVX2+FMA (6×16) on amd64, NEON (8×8) on arm64, and a pure
// Go twin everywhere. Operands are read through the Operand interface so that
// half-precision weights and implicit-GEMM views (convolution) are widened to
// float32 only while packing.
package gemm
