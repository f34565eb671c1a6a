package vmath

import (
	"fmt"
	"math"
)

// lanes is the element count every assembly kernel works in: callers of the
// kernel table pass lengths that are multiples of it and finish the tail
// with the generic twin.
const lanes = 16

// path is one code path's kernels. The assembly ones take lengths (and, for
// flashStep, widths) that are multiples of lanes.
type path struct {
	name      string
	flashStep func(s *float32, rows, w, cols int, o *float32, orows int, m, l *float32)
	max       func(x *float32, n int, out *[16]float32)
	expShift  func(dst, src *float32, n int, shift float32, out *[16]float32)
	sumSq     func(x *float32, n int, out *[16]float64)
	affine    func(dst, src *float32, n int, a, b, c float32, swish int)
	lincomb   func(dst *float32, dstStride int, src *float32, srcStride int, c *float32, rows, cols int)
	gelu      func(dst, src *float32, n int)
	generic   bool // the kernels above are nil: use the …Generic functions
}

var genericPath = &path{name: "generic", generic: true}

// The dispatch table, filled once in init from golang.org/x/sys/cpu and
// read-only afterwards: every path this machine supports, best first.
var supported []*path

func init() { supported = append(archPaths(), genericPath) }

// Kernels runs the package's kernels on one code path. The zero value is
// not usable; get one from Best or New. It holds no state, so it is safe for
// concurrent use.
type Kernels struct{ p *path }

// Best returns the kernels on the best path this machine supports.
func Best() Kernels { return Kernels{p: supported[0]} }

// New returns the kernels pinned to the named path ("avx512" or "generic"),
// for parity tests and benchmarks.
func New(name string) (Kernels, error) {
	for _, p := range supported {
		if p.name == name {
			return Kernels{p: p}, nil
		}
	}
	return Kernels{}, fmt.Errorf("vmath: path %q not supported on this machine (have %v)", name, Paths())
}

// Paths lists the code paths this machine supports, best first; "generic"
// is always last.
func Paths() []string {
	names := make([]string, len(supported))
	for i, p := range supported {
		names[i] = p.name
	}
	return names
}

// Path names the kernels' code path.
func (k Kernels) Path() string { return k.p.name }

// FlashStep is one online-softmax step of flash attention (Dao et al. 2022,
// Algorithm 1, lines 9–11) on a block laid out with one query per column:
// s holds rows×w scores in log2 units (scaled by log2 e beforehand), m and
// l (length w) each query's running maximum and sum of 2^(s−m), and o
// orows×w of its unnormalised output. FlashStep raises m to cover the
// block, rescales l and o by 2^(m_old−m_new), replaces s with the
// probabilities 2^(s−m_new) and adds them to l. Start with m = −Inf, l = 0,
// o = 0. Rows of s and o have stride w.
func (k Kernels) FlashStep(s []float32, rows, w int, o []float32, orows int, m, l []float32) {
	if rows < 0 || orows < 0 || w < 0 || len(s) < rows*w || len(o) < orows*w || len(m) < w || len(l) < w {
		panic("vmath: FlashStep operand too short")
	}
	if w == 0 {
		return
	}
	full := 0
	if !k.p.generic {
		full = w / lanes * lanes
	}
	if full < w {
		// Columns are independent; the tail columns use the twin on their
		// own strided view.
		flashStepGenericCols(s, rows, w, o, orows, m, l, full)
	}
	if !k.p.generic && full > 0 {
		var op *float32
		if orows > 0 {
			op = &o[0]
		}
		if rows == 0 {
			s = make([]float32, 1) // any valid pointer; it is not read
		}
		k.p.flashStep(&s[0], rows, w, full, op, orows, &m[0], &l[0])
	}
}

// flashStepGenericCols runs flashStepGeneric on columns [from, w) only.
func flashStepGenericCols(s []float32, rows, w int, o []float32, orows int, m, l []float32, from int) {
	if from == 0 {
		flashStepGeneric(s, rows, w, o, orows, m, l)
		return
	}
	cols := w - from
	ts, to := make([]float32, rows*cols), make([]float32, orows*cols)
	for r := 0; r < rows; r++ {
		copy(ts[r*cols:(r+1)*cols], s[r*w+from:(r+1)*w])
	}
	for r := 0; r < orows; r++ {
		copy(to[r*cols:(r+1)*cols], o[r*w+from:(r+1)*w])
	}
	flashStepGeneric(ts, rows, cols, to, orows, m[from:w], l[from:w])
	for r := 0; r < rows; r++ {
		copy(s[r*w+from:(r+1)*w], ts[r*cols:(r+1)*cols])
	}
	for r := 0; r < orows; r++ {
		copy(o[r*w+from:(r+1)*w], to[r*cols:(r+1)*cols])
	}
}

// Max returns the largest element of x, NaN if any is NaN, −Inf if x is empty.
func (k Kernels) Max(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	full := 0
	if !k.p.generic {
		full = len(x) / lanes * lanes
	}
	m := float32(math.Inf(-1))
	if full > 0 {
		var out [16]float32
		k.p.max(&x[0], full, &out)
		m = maxGeneric(out[:])
	}
	if full < len(x) {
		m = max(m, maxGeneric(x[full:]))
	}
	return m
}

// ExpShiftSum sets dst[i] = e^(src[i]−shift) for i < len(dst) (src at least
// as long) and returns their sum: the body of a softmax row with shift its
// maximum. Arguments under −87 (after the shift) round to about 2^−127.
func (k Kernels) ExpShiftSum(dst, src []float32, shift float32) float32 {
	if len(src) < len(dst) {
		panic("vmath: ExpShiftSum src shorter than dst")
	}
	full := 0
	if !k.p.generic {
		full = len(dst) / lanes * lanes
	}
	var sum float32
	if full > 0 {
		var out [16]float32
		k.p.expShift(&dst[0], &src[0], full, shift, &out)
		for _, v := range out {
			sum += v
		}
	}
	if full < len(dst) {
		sum += expShiftSumGeneric(dst[full:], src[full:len(dst)], shift)
	}
	return sum
}

// SumSq returns Σx and Σx², accumulated in float64.
func (k Kernels) SumSq(x []float32) (sum, sumSq float64) {
	full := 0
	if !k.p.generic {
		full = len(x) / lanes * lanes
	}
	if full > 0 {
		var out [16]float64
		k.p.sumSq(&x[0], full, &out)
		for i := range 8 {
			sum += out[i]
			sumSq += out[8+i]
		}
	}
	if full < len(x) {
		s, q := sumSqGeneric(x[full:])
		sum, sumSq = sum+s, sumSq+q
	}
	return sum, sumSq
}

// Affine sets dst[i] = a·src[i] + b for i < len(dst) (src at least as long).
// dst and src may be the same slice.
func (k Kernels) Affine(dst, src []float32, a, b float32) { k.affine(dst, src, a, b, 0, false) }

// AffineSwish sets dst[i] = y·σ(beta·y) with y = a·src[i] + b: SiLU with
// beta 1 (Elfwing et al. 2018), QuickGELU with beta 1.702. dst and src may
// be the same slice.
func (k Kernels) AffineSwish(dst, src []float32, a, b, beta float32) {
	k.affine(dst, src, a, b, -beta*math.Log2E, true)
}

func (k Kernels) affine(dst, src []float32, a, b, c float32, swish bool) {
	if len(src) < len(dst) {
		panic("vmath: Affine src shorter than dst")
	}
	full := 0
	if !k.p.generic {
		full = len(dst) / lanes * lanes
	}
	if full > 0 {
		flag := 0
		if swish {
			flag = 1
		}
		k.p.affine(&dst[0], &src[0], full, a, b, c, flag)
	}
	if full < len(dst) {
		affineGeneric(dst[full:], src[full:len(dst)], a, b, c, swish)
	}
}

// LinComb16 applies a small constant matrix to vectors of 16 lanes:
//
//	dst[o·dstStride+l] = Σ_i c[o·cols+i] · src[i·srcStride+l]
//
// for o < rows, i < cols, l < 16, with 1 ≤ cols ≤ 8. It is the arithmetic
// of the Winograd transforms, sixteen tiles (or filters) at a time, each
// lane holding one of them. dst must not overlap src.
func (k Kernels) LinComb16(dst []float32, dstStride int, src []float32, srcStride int, c []float32, rows, cols int) {
	switch {
	case rows < 1 || cols < 1 || cols > 8 || len(c) < rows*cols:
		panic("vmath: LinComb16 matrix shape")
	case dstStride < lanes && rows > 1, srcStride < lanes && cols > 1:
		panic("vmath: LinComb16 stride under 16 lanes")
	case len(dst) < (rows-1)*dstStride+lanes || len(src) < (cols-1)*srcStride+lanes:
		panic("vmath: LinComb16 operand too short")
	}
	if k.p.generic {
		linComb16Generic(dst, dstStride, src, srcStride, c, rows, cols)
		return
	}
	k.p.lincomb(&dst[0], dstStride, &src[0], srcStride, &c[0], rows, cols)
}

// GELU sets dst[i] = src[i]·Φ(src[i]) (the exact, erf form) for i < len(dst)
// (src at least as long); dst and src may be the same slice. Φ(v) is
// erfc(−v/√2)/2 with erfc from a Chebyshev fit of fractional error under
// 1.2e-7 everywhere (Press et al., Numerical Recipes, erfcc), so the result
// keeps its relative accuracy in the far negative tail too.
func (k Kernels) GELU(dst, src []float32) {
	if len(src) < len(dst) {
		panic("vmath: GELU src shorter than dst")
	}
	full := 0
	if !k.p.generic {
		full = len(dst) / lanes * lanes
	}
	if full > 0 {
		k.p.gelu(&dst[0], &src[0], full)
	}
	geluGeneric(dst[full:], src[full:len(dst)])
}
