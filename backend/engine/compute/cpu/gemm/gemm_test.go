package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type gemmCase struct {
	name           string
	m, n, k        int
	transA, transB bool
	alpha, beta    float32
	threads        int
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	sizes := [][3]int{
		{1, 1, 1}, {1, 33, 7}, {7, 1, 13}, {13, 7, 1}, {5, 5, 300},
		{13, 31, 17}, {15, 33, 19}, {14, 32, 256}, {29, 65, 257}, {127, 47, 129},
		{6, 16, 5}, {7, 17, 3}, {8, 8, 9}, {45, 97, 520},
	}
	for _, s := range sizes {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			cs = append(cs, gemmCase{m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1], alpha: 1, beta: 0, threads: 2})
		}
		cs = append(cs,
			gemmCase{m: s[0], n: s[1], k: s[2], alpha: -0.5, beta: 1, threads: 3},
			gemmCase{m: s[0], n: s[1], k: s[2], alpha: 2, beta: 0.25, threads: 1, transB: true},
		)
	}
	for i := range cs {
		c := &cs[i]
		c.name = fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/a=%g/b=%g/t=%d", c.m, c.n, c.k, c.transA, c.transB, c.alpha, c.beta, c.threads)
	}
	return cs
}

func TestGemmMatchesReference(t *testing.T) {
	forEachPath(t, func(t *testing.T, e *Engine) {
		for _, tc := range gemmCases() {
			t.Run(tc.name, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(tc.m*10007+tc.n*101+tc.k), 7))
				a, b := randMatrix(r, tc.m, tc.k), randMatrix(r, tc.k, tc.n)
				ad, lda := a.store(tc.transA, 3)
				bd, ldb := b.store(tc.transB, 1)
				g := newGuarded(tc.m, tc.n, 5, 3)
				c0 := make([]float64, tc.m*tc.n)
				for i := 0; i < tc.m; i++ {
					for j := 0; j < tc.n; j++ {
						if tc.beta == 0 {
							*g.at(i, j) = float32(math.NaN()) // must be overwritten, not scaled
						} else {
							c0[i*tc.n+j] = float64(float32(r.Float64()))
							*g.at(i, j) = float32(c0[i*tc.n+j])
						}
					}
				}
				e.Gemm(denseOp(tc.transA, tc.m, tc.k, ad, lda), denseOp(tc.transB, tc.k, tc.n, bd, ldb),
					tc.alpha, tc.beta, g.c(), g.ld, nil, tc.threads)
				want, mag := refGemm(a, b, float64(tc.alpha), float64(tc.beta), c0)
				checkC(t, g, want, mag, tc.k)
			})
		}
	})
}

func checkC(t *testing.T, g *guarded, want, mag []float64, k int) {
	t.Helper()
	g.checkGuards(t)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			got := float64(*g.at(i, j))
			w := want[i*g.n+j]
			if !(math.Abs(got-w) <= tolerance(k, mag[i*g.n+j])) {
				t.Fatalf("C[%d][%d] = %v, want %v", i, j, got, w)
			}
		}
	}
}

func TestSgemmLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large product in -short mode")
	}
	// Bigger than one kc, mc and (for the generic path) nc block, so every
	// loop of the nest runs more than once, with ragged ends.
	const m, n, k = 301, 2100, 530
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randMatrix(r, m, k), randMatrix(r, k, n)
	ad, lda := a.store(false, 0)
	bd, ldb := b.store(true, 2)
	want, mag := refGemm(a, b, 1, 0, nil)
	forEachPath(t, func(t *testing.T, e *Engine) {
		g := newGuarded(m, n, 1, 1)
		e.Sgemm(false, true, m, n, k, 1, ad, lda, bd, ldb, 0, g.c(), g.ld)
		checkC(t, g, want, mag, k)
	})
}

func TestGemmQuickReturns(t *testing.T) {
	forEachPath(t, func(t *testing.T, e *Engine) {
		nan := []float32{float32(math.NaN()), float32(math.NaN()), float32(math.NaN()), float32(math.NaN())}
		tests := []struct {
			name        string
			k           int
			alpha, beta float32
			want        []float32
		}{
			{"k=0 beta=0 clears", 0, 1, 0, []float32{0, 0, 0, 0}},
			{"k=0 beta=2 scales", 0, 1, 2, []float32{2, 4, 6, 8}},
			{"alpha=0 never reads A or B", 2, 0, 1, []float32{1, 2, 3, 4}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := []float32{1, 2, 3, 4}
				a := Dense(2, tc.k, nan[:2*tc.k], max(1, tc.k))
				b := Dense(tc.k, 2, nan[:2*tc.k], 2)
				e.Gemm(a, b, tc.alpha, tc.beta, c, 2, &Epilogue{BiasCol: []float32{0, 0}}, 0)
				assert.Equal(t, tc.want, c)
			})
		}
	})
}

func TestGemmRejectsBadShapes(t *testing.T) {
	c := make([]float32, 16)
	tests := []struct {
		name string
		f    func()
	}{
		{"short data", func() { Dense(3, 3, make([]float32, 8), 3) }},
		{"small stride", func() { Dense(3, 3, make([]float32, 9), 2) }},
		{"small transposed stride", func() { DenseT(3, 2, make([]float32, 9), 2) }},
		{"short half", func() { Half(2, 2, make([]uint16, 3), 2, false, false) }},
		{"negative dims", func() { Dense(-1, 3, nil, 3) }},
		{"inner mismatch", func() { Gemm(Dense(2, 3, c, 3), Dense(2, 2, c, 2), 1, 0, c, 2, nil, 1) }},
		{"small ldc", func() { Gemm(Dense(2, 2, c, 2), Dense(2, 4, c, 4), 1, 0, c, 3, nil, 1) }},
		{"short C", func() { Gemm(Dense(4, 2, c, 2), Dense(2, 4, c, 4), 1, 0, c[:15], 4, nil, 1) }},
		{"bias length", func() { Gemm(Dense(2, 2, c, 2), Dense(2, 2, c, 2), 1, 0, c, 2, &Epilogue{BiasCol: c[:3]}, 1) }},
		{"activation", func() { Gemm(Dense(2, 2, c, 2), Dense(2, 2, c, 2), 1, 0, c, 2, &Epilogue{Act: 99}, 1) }},
		{"transposed A short", func() { Sgemm(true, false, 3, 2, 2, 1, c[:5], 3, c, 2, 0, c, 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Panics(t, tc.f) })
	}
}

func TestPathsAndEngines(t *testing.T) {
	ps := Paths()
	require.NotEmpty(t, ps)
	assert.Equal(t, "generic", ps[len(ps)-1])
	assert.Equal(t, ps[0], Path())
	for _, p := range ps {
		e, err := NewEngine(p)
		require.NoError(t, err)
		assert.Equal(t, p, e.Path())
	}
	_, err := NewEngine("sse1")
	assert.ErrorContains(t, err, `"sse1"`)
}

func TestPlanCutsTasks(t *testing.T) {
	tests := []struct {
		name                     string
		m, np, mr, mc, threads   int
		rows, rowBlocks, colGrps int
	}{
		{"square 2048 on 2 threads", 2048, 64, 14, 336, 2, 266, 8, 1},
		{"tall 4096x320", 4096, 10, 14, 336, 2, 294, 14, 1},
		{"77 tokens", 77, 24, 14, 336, 2, 42, 2, 4},
		{"one row", 1, 24, 14, 336, 2, 14, 1, 8},
		{"one tile", 3, 1, 14, 336, 4, 14, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := plan(tc.m, tc.np, tc.mr, tc.mc, tc.threads)
			assert.Equal(t, grid{tc.rows, tc.rowBlocks, tc.colGrps}, g)
			assert.Zero(t, g.rows%tc.mr)
			assert.LessOrEqual(t, g.rows, tc.mc+tc.mr)
			assert.GreaterOrEqual(t, g.rows*g.rowBlocks, tc.m)
			assert.Less(t, g.rows*(g.rowBlocks-1), tc.m, "no empty row block")
		})
	}
}
