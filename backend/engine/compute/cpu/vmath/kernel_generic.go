package vmath

import "math"

// Cephes exp2f coefficients: 2^f ≈ 1 + f·P(f) on |f| ≤ ½ (Moshier, Cephes
// Math Library, exp2f.c; peak relative error 1.7e-7).
const (
	p0 = 1.535336188319500e-4
	p1 = 1.339887440266574e-3
	p2 = 9.618437357674640e-3
	p3 = 5.550332471162809e-2
	p4 = 2.402264791363012e-1
	p5 = 6.931472028550421e-1
)

// exp2Generic is 2^x with x clamped to [−127, 127] (so −Inf gives a
// denormal-or-zero and +Inf gives 2^127·p rather than Inf), NaN kept. The
// assembly computes the same steps with VRNDSCALEPS and VSCALEFPS.
func exp2Generic(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, -127), 127)
	// Round to nearest even: adding 1.5·2²³ pushes the fraction out of the
	// mantissa (Go never reassociates float arithmetic).
	const magic = 12582912
	n := (x + magic) - magic
	f := x - n
	p := float32(p0)
	p = p*f + p1
	p = p*f + p2
	p = p*f + p3
	p = p*f + p4
	p = p*f + p5
	p = p*f + 1
	ni := int32(n)
	if ni < -126 { // 2^n is not a normal float32; split the scale
		return p * 0x1p-126 * math.Float32frombits(uint32(ni+126+127)<<23)
	}
	return p * math.Float32frombits(uint32(ni+127)<<23)
}

// flashStepGeneric is one online-softmax step of flash attention on a
// column block: s is rows×w (row stride w) of scores in log2 units (already
// multiplied by log2 e), each column one query; m and l hold each column's
// running maximum and sum of 2^(s−m); o is orows×w of the unnormalised
// output. It raises m to include the block, rescales l and o by
// 2^(m_old−m_new), overwrites s with 2^(s−m_new) and adds those to l.
func flashStepGeneric(s []float32, rows, w int, o []float32, orows int, m, l []float32) {
	for j := 0; j < w; j++ {
		mo := m[j]
		mn := mo
		for r := 0; r < rows; r++ {
			mn = max(mn, s[r*w+j])
		}
		corr := exp2Generic(mo - mn)
		m[j] = mn
		for r := 0; r < orows; r++ {
			o[r*w+j] *= corr
		}
		sum := l[j] * corr
		for r := 0; r < rows; r++ {
			p := exp2Generic(s[r*w+j] - mn)
			s[r*w+j] = p
			sum += p
		}
		l[j] = sum
	}
}

// maxGeneric is the largest element of x (NaN if any is NaN); x is not empty.
func maxGeneric(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}

// expShiftSumGeneric sets dst[i] = e^(src[i]−shift) and returns their sum.
func expShiftSumGeneric(dst, src []float32, shift float32) float32 {
	var sum float32
	for i, v := range src[:len(dst)] {
		e := exp2Generic((v - shift) * math.Log2E)
		dst[i] = e
		sum += e
	}
	return sum
}

// sumSqGeneric returns Σx and Σx² in float64 (each float32 square is exact
// in float64, so one pass loses nothing to cancellation that matters for
// normalisation statistics).
func sumSqGeneric(x []float32) (sum, sumSq float64) {
	for _, v := range x {
		f := float64(v)
		sum += f
		sumSq += f * f
	}
	return sum, sumSq
}

// affineGeneric sets dst[i] = y·σ(beta·y) with y = a·src[i] + b when swish,
// else dst[i] = y. σ(beta·y) is computed as 1/(1 + 2^(c·y)), c = −beta·log2 e.
func affineGeneric(dst, src []float32, a, b, c float32, swish bool) {
	for i, v := range src[:len(dst)] {
		y := a*v + b
		if swish {
			y *= 1 / (1 + exp2Generic(c*y))
		}
		dst[i] = y
	}
}

// linComb16Generic is LinComb16 (arguments already checked).
func linComb16Generic(dst []float32, dstStride int, src []float32, srcStride int, c []float32, rows, cols int) {
	for o := 0; o < rows; o++ {
		var acc [lanes]float32
		for i := 0; i < cols; i++ {
			w := c[o*cols+i]
			x := (*[lanes]float32)(src[i*srcStride:])
			for l := range acc {
				acc[l] += w * x[l]
			}
		}
		*(*[lanes]float32)(dst[o*dstStride:]) = acc
	}
}

// The erfc fit's coefficients, constant term first: erfc(z) ≈
// t·exp(−z² + Σ c_i t^i) with t = 1/(1 + z/2), z ≥ 0.
const (
	erfc0 = -1.26551223
	erfc1 = 1.00002368
	erfc2 = 0.37409196
	erfc3 = 0.09678418
	erfc4 = -0.18628806
	erfc5 = 0.27886807
	erfc6 = -1.13520398
	erfc7 = 1.48851587
	erfc8 = -0.82215223
	erfc9 = 0.17087277
)

// geluGeneric is GELU on every element.
func geluGeneric(dst, src []float32) {
	for i, v := range src[:len(dst)] {
		z := v * (1 / math.Sqrt2) // erfc's argument is −z; fit |z|
		if z < 0 {
			z = -z
		}
		t := 1 / (1 + 0.5*z)
		p := float32(erfc9)
		p = p*t + erfc8
		p = p*t + erfc7
		p = p*t + erfc6
		p = p*t + erfc5
		p = p*t + erfc4
		p = p*t + erfc3
		p = p*t + erfc2
		p = p*t + erfc1
		p = p*t + erfc0
		r := t * exp2Generic((p-z*z)*math.Log2E) // erfc(|v|/√2)
		if v > 0 {
			r = 2 - r // erfc(−z) = 2 − erfc(z)
		}
		dst[i] = 0.5 * v * r
	}
}
