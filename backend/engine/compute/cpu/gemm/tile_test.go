package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTilerProduct builds C = alpha·A·B for ragged sizes out of PackA, PackB
// and Tile alone, on every path, and compares with the float64 reference;
// each tile is written inside NaN guard bands.
func TestTilerProduct(t *testing.T) {
	forEachPath(t, func(t *testing.T, e *Engine) {
		tl := e.Tiler()
		mr, nr := tl.MR(), tl.NR()
		for _, s := range []struct{ m, k, n int }{{1, 1, 1}, {mr + 1, 7, nr - 1}, {2*mr - 1, 40, 2*nr + 3}} {
			r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.n)))
			a, b := randMatrix(r, s.m, s.k), randMatrix(r, s.k, s.n)
			ad, lda := a.store(false, 3)
			bd, ldb := b.store(true, 1) // B stored transposed, as attention's Kᵀ
			ap := make([]float32, tl.PackedASize(s.m, s.k))
			bp := make([]float32, tl.PackedBSize(s.k, s.n))
			tl.PackA(ap, Dense(s.m, s.k, ad, lda), 0, s.m, 0, s.k, 0.5)
			tl.PackB(bp, DenseT(s.k, s.n, bd, ldb), 0, s.k, 0, s.n)
			want, mag := refGemm(a, b, 0.5, 0, nil)
			for i0 := 0; i0 < s.m; i0 += mr {
				for j0 := 0; j0 < s.n; j0 += nr {
					g := newGuarded(mr, nr, 2, 3)
					tl.Tile(s.k, ap[i0*s.k:], bp[j0*s.k:], g.c(), g.ld, 0)
					g.checkGuards(t)
					for i := i0; i < min(s.m, i0+mr); i++ {
						for j := j0; j < min(s.n, j0+nr); j++ {
							got := float64(*g.at(i-i0, j-j0))
							require.InDelta(t, want[i*s.n+j], got, tolerance(s.k, mag[i*s.n+j]), "%v C[%d][%d]", s, i, j)
						}
					}
					// Padded rows and columns multiply zeros.
					for i := s.m - i0; i < mr; i++ {
						for j := 0; j < nr; j++ {
							require.Zero(t, *g.at(i, j))
						}
					}
				}
			}
		}
	})
}

func TestTilerChecks(t *testing.T) {
	tl := defaultEngine.Tiler()
	mr, nr := tl.MR(), tl.NR()
	a, b, c := make([]float32, 4*mr), make([]float32, 4*nr), make([]float32, mr*nr)
	require.Panics(t, func() { tl.Tile(0, a, b, c, nr, 0) })
	require.Panics(t, func() { tl.Tile(5, a, b, c, nr, 0) })
	require.Panics(t, func() { tl.Tile(4, a, b, c, nr-1, 0) })
	require.Panics(t, func() { tl.Tile(4, a, b, c[:len(c)-1], nr, 0) })
	require.Panics(t, func() { tl.PackA(a, Dense(2, 4, a, 4), 1, 2, 0, 4, 1) })
	require.Panics(t, func() { tl.PackB(b[:1], Dense(4, 2, b, 2), 0, 4, 0, 2) })
	tl.Tile(4, a, b, c, nr, 1)
	require.Equal(t, float32(0), c[0])
	require.False(t, math.IsNaN(float64(c[len(c)-1])))
}
