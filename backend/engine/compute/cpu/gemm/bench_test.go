package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are square sizes plus the Stable Diffusion 1.x UNet shapes at
// 512×512 that dominate a step (m×n×k): attention scores over 4096 tokens of
// head width 40, the 320-channel projections at 64×64, and the 1280-channel
// ones at 32×32.
var benchShapes = []struct {
	name    string
	m, n, k int
}{
	{"square-512", 512, 512, 512},
	{"square-1024", 1024, 1024, 1024},
	{"square-2048", 2048, 2048, 2048},
	{"square-4096", 4096, 4096, 4096},
	{"sd-attn-4096x40x4096", 4096, 4096, 40},
	{"sd-4096x320x320", 4096, 320, 320},
	{"sd-1024x1280x1280", 1024, 1280, 1280},
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		r := rand.New(rand.NewPCG(1, 2))
		a, bm := randMatrix(r, s.m, s.k), randMatrix(r, s.k, s.n)
		ad, _ := a.store(false, 0)
		bd, _ := bm.store(false, 0)
		c := make([]float32, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, p := range Paths() {
			if p == "generic" && flops > 2*1024*1024*1024 {
				continue // minutes per op; 1024² is enough to place it
			}
			e, _ := NewEngine(p)
			b.Run(fmt.Sprintf("sgemm/%s/%s", s.name, p), func(b *testing.B) {
				for b.Loop() {
					e.Sgemm(false, false, s.m, s.n, s.k, 1, ad, s.k, bd, s.n, 0, c, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		if flops <= 2*512*512*512 {
			b.Run(fmt.Sprintf("sgemm/%s/naive", s.name), func(b *testing.B) {
				for b.Loop() {
					naiveSgemm(s.m, s.n, s.k, ad, bd, c)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// naiveSgemm is the textbook i-p-j loop, the floor the packed GEMM is
// measured against.
func naiveSgemm(m, n, k int, a, b, c []float32) {
	for i := 0; i < m; i++ {
		row := c[i*n : i*n+n]
		clear(row)
		for p := 0; p < k; p++ {
			av := a[i*k+p]
			for j, bv := range b[p*n : p*n+n] {
				row[j] += av * bv
			}
		}
	}
}
