//go:build arm64 && !purego

package bench

//go:generate go run gen_peak.go

// fmaLoopNEON runs n iterations of 24 independent 4-lane FMAs:
//
//	for i := 0; i < n; i++ {
//		for r := 0; r < 24; r++ {
//			for l := 0; l < 4; l++ {
//				acc[r][l] += x[l] * y[l]
//			}
//		}
//	}
//
// and discards the accumulators.
func fmaLoopNEON(n int)

func archLoops() map[string]peakLoop {
	return map[string]peakLoop{"neon": {run: fmaLoopNEON, flopsPerIter: 24 * 4 * 2}}
}
