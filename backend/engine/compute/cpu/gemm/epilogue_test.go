package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// actRef holds the float64 definitions: SiLU and QuickGELU from their papers
// (Elfwing et al. 2017; OpenAI CLIP's x·σ(1.702x)), GELU exact and tanh forms
// from Hendrycks & Gimpel 2016, eq. in §2.
var actRef = map[Activation]func(x float64) float64{
	ActNone:      func(x float64) float64 { return x },
	ActSiLU:      func(x float64) float64 { return x / (1 + math.Exp(-x)) },
	ActGELU:      func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) },
	ActGELUTanh:  func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))) },
	ActQuickGELU: func(x float64) float64 { return x / (1 + math.Exp(-1.702*x)) },
	ActReLU:      func(x float64) float64 { return math.Max(x, 0) },
}

func TestActivationsMatchDefinitions(t *testing.T) {
	for act := ActNone; act <= ActReLU; act++ {
		var xs []float32
		for x := -30.0; x <= 30; x += 0.01 {
			xs = append(xs, float32(x))
		}
		got := append([]float32(nil), xs...)
		activate(got, act)
		for i, x := range xs {
			want := actRef[act](float64(x))
			// Relative accuracy of a few float32 ulps, or an absolute floor
			// far below anything a network resolves. GELU's negative tail
			// is e^(−x²/2) with x² rounded to float32: half an ulp of
			// x²/2 ≤ 87 is 3.8e-6 relative (likewise the cubic in the tanh form).
			rel := 1e-6
			if act == ActGELU || act == ActGELUTanh {
				rel = 5e-6
			}
			if d := math.Abs(float64(got[i]) - want); d > rel*math.Abs(want) && d > 1e-12 {
				t.Fatalf("act %d at %v: got %v, want %v", act, x, got[i], want)
			}
		}
	}
}

func TestExp32(t *testing.T) {
	for x := -87.0; x < 88.7; x += 0.001 {
		got, want := float64(exp32(float32(x))), math.Exp(float64(float32(x)))
		if math.Abs(got-want) > 2.5e-7*want {
			t.Fatalf("exp32(%v) = %v, want %v", x, got, want)
		}
	}
	assert.True(t, math.IsInf(float64(exp32(100)), 1))
	assert.Equal(t, float32(0), exp32(-100))
	assert.True(t, math.IsNaN(float64(exp32(float32(math.NaN())))))
}

func TestEpilogueInGemm(t *testing.T) {
	const m, n, k = 19, 45, 33
	r := rand.New(rand.NewPCG(10, 11))
	a, b := randMatrix(r, m, k), randMatrix(r, k, n)
	ad, lda := a.store(false, 0)
	bd, ldb := b.store(false, 0)
	biasCol, biasRow := make([]float32, n), make([]float32, m)
	for i := range biasCol {
		biasCol[i] = float32(r.Float64()*2 - 1)
	}
	for i := range biasRow {
		biasRow[i] = float32(r.Float64()*2 - 1)
	}
	base, mag := refGemm(a, b, 1.5, 0, nil)
	forEachPath(t, func(t *testing.T, e *Engine) {
		for act := ActNone; act <= ActReLU; act++ {
			for _, bias := range []string{"col", "row", "both"} {
				ep := &Epilogue{Act: act}
				if bias != "row" {
					ep.BiasCol = biasCol
				}
				if bias != "col" {
					ep.BiasRow = biasRow
				}
				g := newGuarded(m, n, 2, 3)
				// k split into several kc blocks would apply the epilogue early
				// if it ran per block; threads 3 splits tiles unevenly.
				e.Gemm(Dense(m, k, ad, lda), Dense(k, n, bd, ldb), 1.5, 0, g.c(), g.ld, ep, 3)
				g.checkGuards(t)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						x := base[i*n+j]
						if ep.BiasCol != nil {
							x += float64(biasCol[j])
						}
						if ep.BiasRow != nil {
							x += float64(biasRow[i])
						}
						want := actRef[act](x)
						tol := 2*tolerance(k, mag[i*n+j]+2) + 1e-6*math.Abs(want)
						assert.InDelta(t, want, *g.at(i, j), tol, "act %d bias %s at %d,%d", act, bias, i, j)
					}
				}
			}
		}
	})
}

func TestEpilogueAfterLastDepthBlock(t *testing.T) {
	// k spans several kc blocks: ReLU applied after an early block would
	// clip partial sums. Columns of A are +1 then −1 so partial sums change sign.
	forEachPath(t, func(t *testing.T, e *Engine) {
		const m, n, k = 3, 5, 700
		a := make([]float32, m*k)
		for i := range a {
			if i%k < 300 {
				a[i] = -1
			} else {
				a[i] = 1
			}
		}
		b := make([]float32, k*n)
		for i := range b {
			b[i] = 1
		}
		c := make([]float32, m*n)
		e.Gemm(Dense(m, k, a, k), Dense(k, n, b, n), 1, 0, c, n, &Epilogue{Act: ActReLU}, 2)
		for _, v := range c {
			assert.Equal(t, float32(100), v)
		}
	})
}
