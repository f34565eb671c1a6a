//go:build arm64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// kernel8x8NEON computes one 8×8 tile from packed panels:
//
//	for i := 0; i < 8; i++ {
//		for j := 0; j < 8; j++ {
//			var acc float32
//			for p := 0; p < kc; p++ {
//				acc += a[p*8+i] * b[p*8+j]
//			}
//			if beta == 0 {
//				c[i*ldc+j] = acc
//			} else {
//				c[i*ldc+j] = beta*c[i*ldc+j] + acc
//			}
//		}
//	}
//
//go:noescape
func kernel8x8NEON(kc int, a, b, c *float32, ldc int, beta float32)

// archPaths lists the arm64 kernels, best first. Advanced SIMD is part of
// ARMv8-A, so the check only guards against an odd feature report.
func archPaths() []*kernelSet {
	if !cpu.ARM64.HasASIMD {
		return nil
	}
	return []*kernelSet{{name: "neon", mr: 8, nr: 8, kc: 256, mc: 8 * 32, nc: 1024, kernel: kernel8x8NEON}}
}
