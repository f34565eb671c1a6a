package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
)

// Options controls Kernels.
type Options struct {
	Threads int    // goroutines per kernel; <= 0 means GOMAXPROCS
	Quick   bool   // every dimension divided by 8 (names unchanged) and ~20 ms per case, for tests
	Filter  string // run only cases whose name contains this
}

// Result is one case's measurement.
type Result struct {
	Name       string  `json:"name"`
	ISA        string  `json:"isa"`
	Threads    int     `json:"threads"`
	GFLOPS     float64 `json:"gflops"`
	PeakGFLOPS float64 `json:"peak_gflops"`
	PctPeak    float64 `json:"pct_peak"`
	// Algorithm names the convolution algorithm for conv cases; their
	// GFLOP/s count direct-convolution work (2·Cout·Cin·9 per pixel)
	// whatever the algorithm does, so that the cases compare.
	Algorithm string  `json:"algorithm,omitempty"`
	Seconds   float64 `json:"seconds"` // median seconds per run
	Flops     float64 `json:"flops"`   // floating-point operations per run
}

// Case is one kernel benchmark: the extension point for conv2d, attention
// and group-norm cases. Prepare allocates the inputs once and returns the
// function that is timed; Flops is the work of one call of it.
type Case struct {
	Name  string
	ISA   string // code path run, whose FMA peak the result is compared with
	Flops float64
	// Prepare also names the algorithm that will run, for cases that have
	// a choice ("" otherwise).
	Prepare func(threads int) (run func(), algorithm string, err error)
}

// scale shrinks dimensions in Quick mode.
func scale(d int, quick bool) int {
	if quick {
		return max(1, d/8)
	}
	return d
}

// Cases lists the benchmarks: every SGEMM shape on the best path under its
// plain name, and again on each other path with the path as a suffix. Shapes
// are m×k×n, the Stable Diffusion 1.x UNet products at 512×512 (attention
// scores over 4096 tokens of width 40, 320-channel projections at 64×64,
// 1280-channel ones at 32×32). The generic path skips 2048³ (seconds per run).
// The CPU device's conv2d, attention and group-norm cases follow (see
// deviceCases), on the best path only.
func Cases(quick bool) []Case {
	shapes := []struct {
		name    string
		m, k, n int
	}{
		{"sgemm-2048", 2048, 2048, 2048},
		{"sgemm-4096x320x320", 4096, 320, 320},
		{"sgemm-1024x1280x1280", 1024, 1280, 1280},
		{"sgemm-4096x40x4096", 4096, 40, 4096},
	}
	var cs []Case
	for i, path := range gemm.Paths() {
		for _, s := range shapes {
			name := s.name
			if i > 0 {
				if path == "generic" && s.name == "sgemm-2048" {
					continue
				}
				name += "-" + path
			}
			cs = append(cs, sgemmCase(name, path, scale(s.m, quick), scale(s.k, quick), scale(s.n, quick)))
		}
	}
	return append(cs, deviceCases(quick)...)
}

func sgemmCase(name, path string, m, k, n int) Case {
	return Case{
		Name:  name,
		ISA:   path,
		Flops: 2 * float64(m) * float64(n) * float64(k),
		Prepare: func(threads int) (func(), string, error) {
			e, err := gemm.NewEngine(path)
			if err != nil {
				return nil, "", fmt.Errorf("prepare %s: %w", name, err)
			}
			r := rand.New(rand.NewPCG(uint64(m), uint64(n)))
			a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
			return func() {
				e.Gemm(gemm.Dense(m, k, a, k), gemm.Dense(k, n, b, n), 1, 0, c, n, nil, threads)
			}, "", nil
		},
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// Kernels runs the cases matching opts.Filter. Each case is run once to warm
// up (page faults, packing buffers), then repeatedly until 0.5 s have passed
// (at least three runs; Quick: 20 ms, one run), and the median run time is
// reported: other processes on the machine perturb single runs, and the
// median ignores those outliers in both directions.
func Kernels(ctx context.Context, opts Options) ([]Result, error) {
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	minTime, minRuns, peakTime := 500*time.Millisecond, 3, 50*time.Millisecond
	if opts.Quick {
		minTime, minRuns, peakTime = 20*time.Millisecond, 1, 5*time.Millisecond
	}
	var rs []Result
	for _, c := range Cases(opts.Quick) {
		if !strings.Contains(c.Name, opts.Filter) {
			continue
		}
		// The peak is measured next to each case rather than once: other
		// processes come and go, and a stale peak would skew % of peak.
		peak, err := peakFMA(ctx, c.ISA, threads, peakTime)
		if err != nil {
			return rs, fmt.Errorf("bench %s: %w", c.Name, err)
		}
		sec, algo, err := timeCase(ctx, c, threads, minTime, minRuns)
		if err != nil {
			return rs, err
		}
		gf := c.Flops / sec / 1e9
		rs = append(rs, Result{
			Name: c.Name, ISA: c.ISA, Threads: threads,
			GFLOPS: gf, PeakGFLOPS: peak, PctPeak: 100 * gf / peak,
			Seconds: sec, Flops: c.Flops, Algorithm: algo,
		})
	}
	return rs, nil
}

func timeCase(ctx context.Context, c Case, threads int, minTime time.Duration, minRuns int) (float64, string, error) {
	run, algo, err := c.Prepare(threads)
	if err != nil {
		return 0, "", fmt.Errorf("bench %s: %w", c.Name, err)
	}
	run() // warm-up
	var secs []float64
	var total time.Duration
	for len(secs) < minRuns || total < minTime {
		if err := ctx.Err(); err != nil {
			return 0, "", fmt.Errorf("bench %s: %w", c.Name, err)
		}
		start := time.Now()
		run()
		el := time.Since(start)
		total += el
		secs = append(secs, el.Seconds())
	}
	return median(secs), algo, nil
}

// WriteTable prints results as an aligned text table.
func WriteTable(w io.Writer, rs []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CASE\tISA\tALGORITHM\tTHREADS\tGFLOP/s\tPEAK\t% PEAK\tSECONDS\t")
	for _, r := range rs {
		algo := r.Algorithm
		if algo == "" {
			algo = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.4f\t\n", r.Name, r.ISA, algo, r.Threads, r.GFLOPS, r.PeakGFLOPS, r.PctPeak, r.Seconds)
	}
	tw.Flush()
}
