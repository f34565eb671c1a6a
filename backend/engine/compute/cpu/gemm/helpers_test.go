package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// guard is the NaN payload written around every C under test; a kernel that
// writes outside its tile changes it (gonum internal/asm/f64 guard bands).
var guard = math.Float32frombits(0x7fc0dead)

// forEachPath runs body once per code path this machine supports.
func forEachPath(t *testing.T, body func(t *testing.T, e *Engine)) {
	t.Helper()
	for _, name := range Paths() {
		e, err := NewEngine(name)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) { body(t, e) })
	}
}

// guarded is an m×n matrix with row stride ld placed at an odd offset inside
// a buffer whose every other cell holds guard.
type guarded struct {
	buf           []float32
	off, m, n, ld int
}

func newGuarded(m, n, pad, front int) *guarded {
	ld := n + pad
	g := &guarded{off: front, m: m, n: n, ld: ld}
	g.buf = make([]float32, front+max(0, (m-1)*ld+n)+front+7)
	for i := range g.buf {
		g.buf[i] = guard
	}
	return g
}

func (g *guarded) c() []float32         { return g.buf[g.off:] }
func (g *guarded) at(i, j int) *float32 { return &g.buf[g.off+i*g.ld+j] }

// checkGuards fails if any cell outside the m×n window lost its guard bits.
func (g *guarded) checkGuards(t *testing.T) {
	t.Helper()
	for idx, v := range g.buf {
		rel := idx - g.off
		inside := rel >= 0 && rel/g.ld < g.m && rel%g.ld < g.n
		if !inside && math.Float32bits(v) != math.Float32bits(guard) {
			t.Fatalf("write outside C at buffer index %d (rel %d): %v", idx, rel, v)
		}
	}
}

// matrix is a float64 logical matrix used by the reference.
type matrix struct {
	rows, cols int
	v          []float64
}

func (x matrix) at(i, j int) float64 { return x.v[i*x.cols+j] }

func randMatrix(r *rand.Rand, rows, cols int) matrix {
	x := matrix{rows, cols, make([]float64, rows*cols)}
	for i := range x.v {
		x.v[i] = float64(float32(r.Float64()*2 - 1))
	}
	return x
}

// store lays x out as float32 with the given stride, row-major or
// transposed (cols×rows), surrounded by junk that must never be read.
func (x matrix) store(trans bool, pad int) ([]float32, int) {
	outer, inner := x.rows, x.cols
	if trans {
		outer, inner = inner, outer
	}
	ld := max(1, inner+pad)
	d := make([]float32, max(0, (outer-1)*ld+inner))
	for i := range d {
		d[i] = float32(math.NaN())
	}
	for i := 0; i < x.rows; i++ {
		for j := 0; j < x.cols; j++ {
			if trans {
				d[j*ld+i] = float32(x.at(i, j))
			} else {
				d[i*ld+j] = float32(x.at(i, j))
			}
		}
	}
	return d, ld
}

// refGemm returns alpha·A·B + beta·C0 in float64, and for each element the
// magnitude bound used for its tolerance.
func refGemm(a, b matrix, alpha, beta float64, c0 []float64) (want, mag []float64) {
	m, n, k := a.rows, b.cols, a.cols
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				s += a.at(i, p) * b.at(p, j)
				sa += math.Abs(a.at(i, p) * b.at(p, j))
			}
			want[i*n+j] = alpha * s
			mag[i*n+j] = math.Abs(alpha)*sa + 1
			if beta != 0 {
				want[i*n+j] += beta * c0[i*n+j]
				mag[i*n+j] += math.Abs(beta * c0[i*n+j])
			}
		}
	}
	return want, mag
}

// tolerance for float32 accumulation of k products: a few ulps per term.
func tolerance(k int, mag float64) float64 { return 4 * float64(k+2) * 0x1p-24 * mag }
