//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

//go:generate go run asm_gen.go

// kernel14x32AVX512 computes one 14×32 tile from packed panels:
//
//	for i := 0; i < 14; i++ {
//		for j := 0; j < 32; j++ {
//			var acc float32
//			for p := 0; p < kc; p++ {
//				acc += a[p*14+i] * b[p*32+j]
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
func kernel14x32AVX512(kc int, a, b, c *float32, ldc int, beta float32)

// kernel6x16AVX2 is kernel14x32AVX512's loop with 6 rows and 16 columns:
//
//	for i := 0; i < 6; i++ {
//		for j := 0; j < 16; j++ {
//			var acc float32
//			for p := 0; p < kc; p++ {
//				acc += a[p*6+i] * b[p*16+j]
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
func kernel6x16AVX2(kc int, a, b, c *float32, ldc int, beta float32)

// archPaths lists the amd64 kernels this CPU can run, best first. The
// blocking sizes were tuned on a Sapphire Rapids core (48 KiB L1d, 2 MiB L2):
// an A micro-panel (MR·kc·4 bytes) stays in L1, the B block (kc·nc·4 = 1 MiB)
// and a task's rows of packed A (at most mc·kc·4) share L2.
func archPaths() []*kernelSet {
	var ps []*kernelSet
	if cpu.X86.HasAVX512F {
		ps = append(ps, &kernelSet{name: "avx512", mr: 14, nr: 32, kc: 256, mc: 14 * 24, nc: 1024, kernel: kernel14x32AVX512, widen: widenAVX512})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		// F16C came with the first AVX2 cores (Haswell, Excavator) but is
		// reported separately: without it the path widens in Go.
		wl := widenScalar
		if cpu.X86.HasF16C {
			wl = widenAVX2
		}
		ps = append(ps, &kernelSet{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 6 * 40, nc: 1024, kernel: kernel6x16AVX2, widen: wl})
	}
	return ps
}
