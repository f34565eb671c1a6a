// Package cpu is the CPU implementation of compute.Device. It registers
// itself as "cpu" from init.
//
// Tensors live in Go slices: F32 tensors as []float32, F16/BF16 weights as
// []uint16 that stay half-size and are widened only while the gemm package
// packs them. Heavy operations go through compute/cpu/gemm: matmul and linear
// directly (bias and activation fused into the GEMM epilogue), 1×1 conv as a
// plain GEMM, k×k conv as an implicit GEMM whose B operand gathers input
// patches block by block (no full im2col), and attention as flash-attention
// style tiles with an online softmax, so memory stays linear in tokens; it
// drives the gemm micro-kernel directly on K and V packed once per head
// (gemm.Tiler). Exponentials (softmax, SiLU) and norm statistics go through
// compute/cpu/vmath, vectorised with an AVX-512 kernel and a Go twin.
// Lighter operations are parallelised over rows with a small worker helper;
// the Device value owns its thread count, there is no global pool.
package cpu
