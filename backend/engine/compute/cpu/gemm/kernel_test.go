package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKernelParity runs each path's micro-kernel on one tile inside NaN
// guard bands and compares it with kernelGeneric, its plain-Go twin.
func TestKernelParity(t *testing.T) {
	for _, ks := range supported {
		t.Run(ks.name, func(t *testing.T) {
			for _, kc := range []int{1, 2, 3, 7, 64, 257} {
				for _, beta := range []float32{0, 1, -0.5} {
					r := rand.New(rand.NewPCG(uint64(kc), 1))
					a := make([]float32, kc*ks.mr)
					b := make([]float32, kc*ks.nr)
					for i := range a {
						a[i] = float32(r.Float64()*2 - 1)
					}
					for i := range b {
						b[i] = float32(r.Float64()*2 - 1)
					}
					g := newGuarded(ks.mr, ks.nr, 3, 5)
					want := make([]float32, ks.mr*ks.nr)
					for i := 0; i < ks.mr; i++ {
						for j := 0; j < ks.nr; j++ {
							v := float32(r.Float64())
							if beta == 0 {
								v = float32(math.NaN())
							}
							*g.at(i, j), want[i*ks.nr+j] = v, v
						}
					}
					ks.kernel(kc, &a[0], &b[0], g.at(0, 0), g.ld, beta)
					kernelGeneric(ks.mr, ks.nr, kc, a, b, want, ks.nr, beta)
					g.checkGuards(t)
					for i := 0; i < ks.mr; i++ {
						for j := 0; j < ks.nr; j++ {
							got, w := *g.at(i, j), want[i*ks.nr+j]
							if math.Abs(float64(got-w)) > 1e-5*float64(kc) {
								t.Fatalf("kc=%d beta=%v C[%d][%d] = %v, generic %v", kc, beta, i, j, got, w)
							}
						}
					}
				}
			}
		})
	}
}

// FuzzSgemm compares the best path with the generic path on arbitrary
// shapes, transposes and scalars.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), false, false, float32(1), float32(0), uint64(1))
	f.Add(uint8(15), uint8(33), uint8(7), true, false, float32(-2), float32(0.5), uint64(2))
	f.Add(uint8(29), uint8(65), uint8(255), false, true, float32(0.25), float32(1), uint64(3))
	f.Add(uint8(6), uint8(17), uint8(1), true, true, float32(1), float32(-1), uint64(4))
	best, err := NewEngine(Paths()[0])
	if err != nil {
		f.Fatal(err)
	}
	generic, err := NewEngine("generic")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, m8, n8, k8 uint8, transA, transB bool, alpha, beta float32, seed uint64) {
		m, n, k := int(m8%80)+1, int(n8%80)+1, int(k8)
		if !(math.Abs(float64(alpha)) <= 4) || !(math.Abs(float64(beta)) <= 4) {
			return // keep magnitudes where a relative tolerance means something
		}
		r := rand.New(rand.NewPCG(seed, 0))
		a, b := randMatrix(r, m, k), randMatrix(r, k, n)
		ad, lda := a.store(transA, int(seed%3))
		bd, ldb := b.store(transB, int(seed%5))
		c0 := make([]float32, m*n)
		for i := range c0 {
			c0[i] = float32(r.Float64())
		}
		c1, c2 := append([]float32(nil), c0...), append([]float32(nil), c0...)
		best.Sgemm(transA, transB, m, n, k, alpha, ad, lda, bd, ldb, beta, c1, n)
		generic.Sgemm(transA, transB, m, n, k, alpha, ad, lda, bd, ldb, beta, c2, n)
		tol := 8 * float64(k+2) * 0x1p-24 * (float64(k)*math.Abs(float64(alpha)) + 4*math.Abs(float64(beta)) + 1)
		for i := range c1 {
			if math.Abs(float64(c1[i]-c2[i])) > tol {
				t.Fatalf("element %d: %s %v, generic %v", i, best.Path(), c1[i], c2[i])
			}
		}
	})
}
