package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
)

// peakLoop is one ISA's FMA loop and the floating-point operations one of
// its iterations performs (an FMA counts two).
type peakLoop struct {
	run          func(n int)
	flopsPerIter float64
}

// loops lists the peak loops this machine can run, keyed by the ISA names
// gemm.Paths uses.
func loops() map[string]peakLoop {
	ls := archLoops()
	ls["generic"] = peakLoop{
		run: func(n int) {
			v := fmaLoopGeneric(n)
			runtime.KeepAlive(v)
		},
		flopsPerIter: 8 * 2,
	}
	return ls
}

// peakRuns is how many timed runs PeakFMA takes the median of.
const peakRuns = 5

// PeakFMA measures the FMA throughput of isa ("avx512", "avx2", "neon",
// "generic") in GFLOP/s with threads goroutines (threads <= 0:
// GOMAXPROCS), each running independent FMAs for about 50 ms per run; the
// result is the median of five runs, the same statistic Kernels reports.
func PeakFMA(ctx context.Context, isa string, threads int) (float64, error) {
	return peakFMA(ctx, isa, threads, 50*time.Millisecond)
}

func peakFMA(ctx context.Context, isa string, threads int, runTime time.Duration) (float64, error) {
	loop, ok := loops()[isa]
	if !ok {
		return 0, fmt.Errorf("peak %s: ISA not supported on this machine", isa)
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	// Calibrate on one thread to runTime per run.
	n := 1 << 14
	for {
		start := time.Now()
		loop.run(n)
		if el := time.Since(start); el > 5*time.Millisecond || n >= 1<<40 {
			n = max(1, int(float64(n)*float64(runTime)/float64(el+1)))
			break
		}
		n *= 4
	}
	rates := make([]float64, 0, peakRuns)
	for range peakRuns {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("peak %s: %w", isa, err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		for range threads {
			wg.Go(func() { loop.run(n) })
		}
		wg.Wait()
		sec := time.Since(start).Seconds()
		rates = append(rates, float64(threads)*float64(n)*loop.flopsPerIter/sec/1e9)
	}
	return median(rates), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
