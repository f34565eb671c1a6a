//go:build amd64 && !purego

package bench

import "golang.org/x/sys/cpu"

//go:generate go run gen_peak.go

// fmaLoopAVX512 runs n iterations of 24 independent 16-lane FMAs:
//
//	for i := 0; i < n; i++ {
//		for r := 0; r < 24; r++ {
//			for l := 0; l < 16; l++ {
//				acc[r][l] += x[l] * y[l]
//			}
//		}
//	}
//
// and discards the accumulators.
func fmaLoopAVX512(n int)

// fmaLoopAVX2 is fmaLoopAVX512 with 12 accumulators of 8 lanes.
func fmaLoopAVX2(n int)

func archLoops() map[string]peakLoop {
	ls := map[string]peakLoop{}
	if cpu.X86.HasAVX512F {
		ls["avx512"] = peakLoop{run: fmaLoopAVX512, flopsPerIter: 24 * 16 * 2}
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ls["avx2"] = peakLoop{run: fmaLoopAVX2, flopsPerIter: 12 * 8 * 2}
	}
	return ls
}
