package gemm

import (
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
)

// applyEpilogue adds the biases to C's rows [i0,i1) × cols [j0,j1) and
// applies the activation. ep may be nil.
func applyEpilogue(c []float32, ldc, i0, i1, j0, j1 int, ep *Epilogue) {
	if ep == nil || (ep.BiasCol == nil && ep.BiasRow == nil && ep.Act == ActNone) {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*ldc+j0 : i*ldc+j1]
		if ep.BiasCol != nil {
			for j, b := range ep.BiasCol[j0:j1] {
				row[j] += b
			}
		}
		if ep.BiasRow != nil {
			b := ep.BiasRow[i]
			for j := range row {
				row[j] += b
			}
		}
		activate(row, ep.Act)
	}
}

// activate applies act in place. The transcendental forms use float32
// approximations (exp32; vmath's GELU) accurate to a few ulp, since
// math.Exp and math.Erf in float64 would cost more than the GEMM tile they
// follow.
func activate(x []float32, act Activation) {
	switch act {
	case ActSiLU:
		for i, v := range x {
			x[i] = v * sigmoid32(v)
		}
	case ActGELU:
		// The vectorised form, shared with the device's own GELU.
		vmath.Best().GELU(x, x)
	case ActGELUTanh:
		// ½(1+tanh u) = σ(2u).
		const s = 0.7978845608028654 // √(2/π)
		for i, v := range x {
			x[i] = v * sigmoid32(2*s*(v+0.044715*v*v*v))
		}
	case ActQuickGELU:
		for i, v := range x {
			x[i] = v * sigmoid32(1.702*v)
		}
	case ActReLU:
		for i, v := range x {
			if !(v > 0) && v == v {
				x[i] = 0
			}
		}
	}
}

func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }

// exp32 is eˣ in float32 by Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2,
// and the Cephes expf minimax polynomial for eʳ (about 1 ulp).
func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -87.33654:
		return 0
	}
	t := x * math.Log2E
	var n int32
	if t >= 0 {
		n = int32(t + 0.5)
	} else {
		n = int32(t - 0.5)
	}
	fn := float32(n)
	r := x - fn*0.693359375 - fn*-2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	if n > 127 { // 2¹²⁸ is not a float32; split the scale
		y *= 2
		n--
	}
	return y * math.Float32frombits(uint32(n+127)<<23)
}
