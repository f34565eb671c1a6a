package vmath

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// guard is the NaN payload written around every output under test; a kernel
// that writes outside its slice changes it (gonum internal/asm/f64).
var guard = math.Float32frombits(0x7fc0dead)

// guarded returns an n-element window at an odd offset inside a buffer of
// guard values, and a check that the guards are intact.
func guarded(t *testing.T, n int) ([]float32, func()) {
	buf := make([]float32, n+2*7+3)
	for i := range buf {
		buf[i] = guard
	}
	win := buf[7 : 7+n : 7+n]
	return win, func() {
		t.Helper()
		for i, v := range buf {
			if (i < 7 || i >= 7+n) && math.Float32bits(v) != math.Float32bits(guard) {
				t.Fatalf("write outside the output at buffer index %d: %v", i, v)
			}
		}
	}
}

func forEachPath(t *testing.T, body func(t *testing.T, k Kernels)) {
	t.Helper()
	for _, name := range Paths() {
		k, err := New(name)
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) { body(t, k) })
	}
}

func randVec(r *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * scale)
	}
	return v
}

// relClose reports |got−want| ≤ rel·|want| + abs.
func relClose(got, want float64, rel, abs float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= rel*math.Abs(want)+abs
}

// expTol is the relative error of e^x or 2^x computed from a float32
// argument t: the polynomial's 3e-7 plus half an ulp of t, which the
// exponential turns into ln 2·|t|·2⁻²⁴ relative error (and the same again
// for the rounding of a product such as x·log2 e).
func expTol(t float64) float64 { return 3e-7 + 2.5*math.Abs(t)*0x1p-24 }

// TestExp2Generic checks the shared polynomial against math.Exp2 across the
// whole float32 range, its clamps and NaN.
func TestExp2Generic(t *testing.T) {
	for x := -126.0; x <= 127; x += 0.00731 {
		got, want := float64(exp2Generic(float32(x))), math.Exp2(float64(float32(x)))
		require.True(t, relClose(got, want, 3e-7, 0), "x=%v got %v want %v", x, got, want)
	}
	require.Less(t, exp2Generic(float32(math.Inf(-1))), float32(1e-37))
	require.GreaterOrEqual(t, exp2Generic(float32(math.Inf(-1))), float32(0))
	require.Greater(t, exp2Generic(float32(math.Inf(1))), float32(1e38))
	require.True(t, math.IsNaN(float64(exp2Generic(float32(math.NaN())))))
}

// TestExpShiftSum compares each path with math.Exp for lengths around the
// vector width, with outputs in guard bands.
func TestExpShiftSum(t *testing.T) {
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, n := range []int{1, 15, 16, 17, 33, 100, 1000} {
			r := rand.New(rand.NewPCG(uint64(n), 1))
			src := randVec(r, n, 20)
			dst, check := guarded(t, n)
			got := k.ExpShiftSum(dst, src, 3)
			check()
			var want float64
			for i, v := range src {
				e := math.Exp(float64(v) - 3)
				want += e
				require.True(t, relClose(float64(dst[i]), e, expTol((float64(v)-3)*math.Log2E), 1e-37), "n=%d i=%d x=%v got %v want %v", n, i, v, dst[i], e)
			}
			require.InEpsilon(t, want, float64(got), 1e-5)
		}
	})
}

func TestMax(t *testing.T) {
	forEachPath(t, func(t *testing.T, k Kernels) {
		require.True(t, math.IsInf(float64(k.Max(nil)), -1))
		for _, n := range []int{1, 16, 31, 64, 257} {
			r := rand.New(rand.NewPCG(uint64(n), 2))
			x := randVec(r, n, 5)
			want := x[0]
			for _, v := range x {
				want = max(want, v)
			}
			require.Equal(t, want, k.Max(x), "n=%d", n)
			x[n/2] = float32(math.NaN())
			require.True(t, math.IsNaN(float64(k.Max(x))), "n=%d NaN", n)
		}
	})
}

func TestSumSq(t *testing.T) {
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, n := range []int{0, 1, 16, 47, 4096} {
			r := rand.New(rand.NewPCG(uint64(n), 3))
			x := randVec(r, n, 3)
			for i := range x {
				x[i] += 100 // a large mean, as after a residual add
			}
			var ws, wq float64
			for _, v := range x {
				ws += float64(v)
				wq += float64(v) * float64(v)
			}
			s, q := k.SumSq(x)
			require.InDelta(t, ws, s, 1e-9*math.Abs(ws)+1e-12)
			require.InDelta(t, wq, q, 1e-9*math.Abs(wq)+1e-12)
		}
	})
}

func TestAffineSwish(t *testing.T) {
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, n := range []int{1, 16, 19, 64, 333} {
			r := rand.New(rand.NewPCG(uint64(n), 4))
			src := randVec(r, n, 8)
			src[0] = -200 // e^200 clamps; the product must still be −0-ish
			for _, beta := range []float32{1, 1.702} {
				dst, check := guarded(t, n)
				k.AffineSwish(dst, src, 0.5, 0.25, beta)
				check()
				for i, v := range src {
					y := 0.5*float64(v) + 0.25
					want := y / (1 + math.Exp(-float64(beta)*y))
					require.True(t, relClose(float64(dst[i]), want, 1e-6+expTol(2*float64(beta)*y), 1e-30), "beta=%v x=%v got %v want %v", beta, v, dst[i], want)
				}
			}
			dst, check := guarded(t, n)
			k.Affine(dst, src, -2, 1)
			check()
			for i, v := range src {
				require.InDelta(t, -2*float64(v)+1, float64(dst[i]), 1e-6*math.Abs(2*float64(v))+1e-7)
			}
			// In place.
			cp := append([]float32(nil), src...)
			k.AffineSwish(cp, cp, 1, 0, 1)
			for i, v := range src {
				require.True(t, relClose(float64(cp[i]), float64(v)/(1+math.Exp(-float64(v))), 1e-6+expTol(2*float64(v)), 1e-30))
			}
		}
		nan := []float32{float32(math.NaN())}
		k.AffineSwish(nan, nan, 1, 0, 1)
		require.True(t, math.IsNaN(float64(nan[0])))
	})
}

// refFlash applies one online-softmax step in float64.
func refFlash(s []float32, rows, w int, o []float32, orows int, m, l []float32) (ps, os, ms, ls []float64) {
	ps, os = make([]float64, rows*w), make([]float64, orows*w)
	ms, ls = make([]float64, w), make([]float64, w)
	for j := 0; j < w; j++ {
		mn := float64(m[j])
		for r := 0; r < rows; r++ {
			mn = max(mn, float64(s[r*w+j]))
		}
		corr := math.Exp2(float64(m[j]) - mn)
		ms[j], ls[j] = mn, float64(l[j])*corr
		for r := 0; r < orows; r++ {
			os[r*w+j] = float64(o[r*w+j]) * corr
		}
		for r := 0; r < rows; r++ {
			ps[r*w+j] = math.Exp2(float64(s[r*w+j]) - mn)
			ls[j] += ps[r*w+j]
		}
	}
	return
}

// TestFlashStep checks every path against a float64 step, inside guard
// bands, for widths that are and are not multiples of the vector width and
// for the first step (m = −Inf).
func TestFlashStep(t *testing.T) {
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, c := range []struct{ rows, w, orows int }{{0, 16, 3}, {1, 4, 0}, {7, 16, 5}, {266, 32, 42}, {13, 40, 3}} {
			for _, first := range []bool{true, false} {
				r := rand.New(rand.NewPCG(uint64(c.rows), uint64(c.w)))
				s, checkS := guarded(t, c.rows*c.w)
				copy(s, randVec(r, c.rows*c.w, 6))
				o, checkO := guarded(t, c.orows*c.w)
				copy(o, randVec(r, c.orows*c.w, 1))
				m, l := randVec(r, c.w, 6), make([]float32, c.w)
				for j := range l {
					l[j] = float32(r.Float64() * 10)
					if first {
						m[j], l[j] = float32(math.Inf(-1)), 0
					}
				}
				ps, os, ms, ls := refFlash(s, c.rows, c.w, o, c.orows, m, l)
				mold := append([]float32(nil), m...)
				k.FlashStep(s, c.rows, c.w, o, c.orows, m, l)
				checkS()
				checkO()
				for i := range ps {
					require.True(t, relClose(float64(s[i]), ps[i], expTol(math.Log2(ps[i])), 1e-37), "%+v p[%d] %v want %v", c, i, s[i], ps[i])
				}
				for i := range os {
					tl := 0.0 // first step: the correction is 2^−127 (clamped), not 0
					if !first {
						tl = expTol(ms[i%c.w] - float64(mold[i%c.w]))
					}
					require.True(t, relClose(float64(o[i]), os[i], tl, 1e-37), "%+v o[%d] %v want %v", c, i, o[i], os[i])
				}
				for j := range ms {
					require.Equal(t, float32(ms[j]), m[j])
					require.True(t, relClose(float64(l[j]), ls[j], 1e-5, 0), "%+v l[%d] %v want %v", c, j, l[j], ls[j])
				}
			}
		}
	})
}

// FuzzAffineSwishParity compares the best path with the generic twin.
func FuzzAffineSwishParity(f *testing.F) {
	f.Add(uint16(17), float32(1), float32(0), float32(1), uint64(1))
	f.Add(uint16(64), float32(-3), float32(2), float32(1.702), uint64(2))
	f.Add(uint16(1), float32(0.1), float32(-50), float32(1), uint64(3))
	best, generic := Best(), Kernels{p: genericPath}
	f.Fuzz(func(t *testing.T, n16 uint16, a, b, beta float32, seed uint64) {
		n := int(n16 % 600)
		if !(math.Abs(float64(a)) < 1e3 && math.Abs(float64(b)) < 1e3 && math.Abs(float64(beta)) < 10) {
			return
		}
		src := randVec(rand.New(rand.NewPCG(seed, 5)), n, 10)
		d1, check := guarded(t, n)
		d2 := make([]float32, n)
		best.AffineSwish(d1, src, a, b, beta)
		check()
		generic.AffineSwish(d2, src, a, b, beta)
		for i := range d1 {
			// The paths may round a·x+b differently (FMA or not) by one
			y := float64(a)*float64(src[i]) + float64(b)
			// ulp, relative to a·x; that error moves y and beta·y.
			ax := math.Abs(float64(a) * float64(src[i]))
			rel := 1e-6 + expTol(4*float64(beta)*y) + 0x1p-22*ax*math.Abs(float64(beta))
			abs := 1e-35 + 0x1p-22*ax // swish has slope at most 1.1
			if !relClose(float64(d1[i]), float64(d2[i]), rel, abs) {
				t.Fatalf("i=%d x=%v: %s %v, generic %v", i, src[i], best.Path(), d1[i], d2[i])
			}
		}
		e1, check := guarded(t, n)
		e2 := make([]float32, n)
		s1, s2 := best.ExpShiftSum(e1, src, b/100), generic.ExpShiftSum(e2, src, b/100)
		check()
		for i := range e1 {
			if !relClose(float64(e1[i]), float64(e2[i]), 1e-6, 1e-37) { // same steps, same rounding
				t.Fatalf("exp i=%d x=%v: %s %v, generic %v", i, src[i], best.Path(), e1[i], e2[i])
			}
		}
		if !relClose(float64(s1), float64(s2), 1e-5, 1e-37) {
			t.Fatalf("exp sum %v, generic %v", s1, s2)
		}
	})
}

func TestNew(t *testing.T) {
	require.Equal(t, "generic", Paths()[len(Paths())-1])
	_, err := New("nope")
	require.Error(t, err)
	require.Equal(t, Paths()[0], Best().Path())
}

func TestLinComb16(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, shape := range [][2]int{{6, 6}, {4, 6}, {6, 3}, {1, 1}, {5, 8}, {9, 2}, {3, 7}} {
			rows, cols := shape[0], shape[1]
			srcStride, dstStride := 16+r.IntN(40), 16+r.IntN(40)
			src := randVec(r, (cols-1)*srcStride+16, 1)
			c := randVec(r, rows*cols, 1)
			n := (rows-1)*dstStride + 16
			dst, intact := guarded(t, n)
			// Between the rows' 16 lanes the destination is not written.
			k.LinComb16(dst, dstStride, src, srcStride, c, rows, cols)
			for o := 0; o < rows; o++ {
				for l := 0; l < 16; l++ {
					var want float64
					for i := 0; i < cols; i++ {
						want += float64(c[o*cols+i]) * float64(src[i*srcStride+l])
					}
					require.Truef(t, relClose(float64(dst[o*dstStride+l]), want, 1e-6, 1e-6),
						"%dx%d row %d lane %d: got %v want %v", rows, cols, o, l, dst[o*dstStride+l], want)
				}
				for l := 16; l < dstStride && o < rows-1; l++ {
					require.Equal(t, math.Float32bits(guard), math.Float32bits(dst[o*dstStride+l]), "gap written")
				}
			}
			intact()
		}
		require.Panics(t, func() { k.LinComb16(make([]float32, 16), 16, make([]float32, 16*9), 16, make([]float32, 9), 1, 9) })
		require.Panics(t, func() { k.LinComb16(make([]float32, 16), 16, make([]float32, 20), 16, make([]float32, 2), 1, 2) })
		require.Panics(t, func() { k.LinComb16(make([]float32, 31), 16, make([]float32, 16), 16, make([]float32, 2), 2, 1) })
	})
}

// TestGELU compares GELU on each path with x·Φ(x) in float64, relative to
// the result everywhere (the erfc fit keeps the negative tail accurate;
// float32 rounding of −x²/2 inside the exponential costs a relative error
// growing like x²·1e-7, 4e-6 at x = −6.7, where GELU is 7e-11),
// and checks NaN, ±Inf, tails and the in-place form.
func TestGELU(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 4))
	src := randVec(r, 1000, 3)
	src = append(src, 0, -0, 1e-30, -1e-30, -5, -9, -12, 5, 9, 40, -40,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	forEachPath(t, func(t *testing.T, k Kernels) {
		for _, n := range []int{len(src), 17, 16, 3} {
			dst, intact := guarded(t, n)
			k.GELU(dst, src)
			intact()
			for i, v := range src[:n] {
				x := float64(v)
				want := x * 0.5 * math.Erfc(-x/math.Sqrt2)
				got := float64(dst[i])
				switch {
				case math.IsNaN(x):
					require.True(t, math.IsNaN(got), "NaN in, NaN out")
				case math.IsInf(x, 1):
					require.True(t, math.IsInf(got, 1), "+Inf")
				case math.IsInf(x, -1):
					require.True(t, math.IsNaN(got), "−Inf·Φ(−Inf) is NaN, as in torch (got %v)", got)
				default:
					require.Truef(t, relClose(got, want, 2e-6+2e-7*x*x, 1e-37), "GELU(%v) = %v, want %v", v, got, want)
				}
			}
		}
		inPlace := append([]float32(nil), src[:64]...)
		want := make([]float32, 64)
		k.GELU(want, src[:64])
		k.GELU(inPlace, inPlace)
		require.Equal(t, want, inPlace)
		require.Panics(t, func() { k.GELU(make([]float32, 4), make([]float32, 3)) })
	})
}
