// Package vmath holds the CPU engine's vectorised elementwise kernels built
// on one exponential: 2^x by Cody–Waite splitting x = n + f, |f| ≤ ½, the
// Cephes exp2f polynomial for 2^f (relative error about 2e-7) and an exact
// scale by 2^n. On it sit the flash-attention online-softmax step, softmax
// rows, and the affine + swish (SiLU, QuickGELU) pass of group norm. Each
// kernel has a pure Go twin (…Generic) and an AVX-512 version chosen once at
// start-up; New pins a path for parity tests and benchmarks, as gemm does.
package vmath
