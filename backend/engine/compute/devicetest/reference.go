package devicetest

import "math"

// The references below are the plainest loops that define each operation,
// in float64, indexing NCHW / row-major tensors directly.

// refMatMul is C[b] = op(A[b])·op(B[b]); a stride of 0 shares an operand.
func refMatMul(a, b []float64, nb, m, k, n int, ta, tb bool, strideA, strideB int) []float64 {
	c := make([]float64, nb*m*n)
	for p := 0; p < nb; p++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for l := 0; l < k; l++ {
					av := a[p*strideA+i*k+l]
					if ta {
						av = a[p*strideA+l*m+i]
					}
					bv := b[p*strideB+l*n+j]
					if tb {
						bv = b[p*strideB+j*k+l]
					}
					s += av * bv
				}
				c[(p*m+i)*n+j] = s
			}
		}
	}
	return c
}

func refAct(x float64, act int) float64 {
	switch act {
	case 1: // SiLU
		return x / (1 + math.Exp(-x))
	case 2: // GELU, erf form
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case 3: // GELU, tanh form
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case 4: // quick GELU
		return x / (1 + math.Exp(-1.702*x))
	case 5: // ReLU
		return math.Max(x, 0)
	}
	return x
}

type convRef struct {
	n, cin, h, w, cout, kh, kw, stride, pad, groups int
}

func (c convRef) out() (int, int) {
	return (c.h+2*c.pad-c.kh)/c.stride + 1, (c.w+2*c.pad-c.kw)/c.stride + 1
}

// refConv2D is torch conv2d for groups 1 or Cin.
func refConv2D(c convRef, x, w, bias []float64) []float64 {
	oh, ow := c.out()
	cinPerGroup := c.cin / c.groups
	coutPerGroup := c.cout / c.groups
	y := make([]float64, c.n*c.cout*oh*ow)
	for n := 0; n < c.n; n++ {
		for co := 0; co < c.cout; co++ {
			g := co / coutPerGroup
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					var s float64
					if bias != nil {
						s = bias[co]
					}
					for ci := 0; ci < cinPerGroup; ci++ {
						for ky := 0; ky < c.kh; ky++ {
							for kx := 0; kx < c.kw; kx++ {
								iy, ix := oy*c.stride-c.pad+ky, ox*c.stride-c.pad+kx
								if iy < 0 || iy >= c.h || ix < 0 || ix >= c.w {
									continue
								}
								xi := ((n*c.cin+g*cinPerGroup+ci)*c.h+iy)*c.w + ix
								wi := ((co*cinPerGroup+ci)*c.kh+ky)*c.kw + kx
								s += x[xi] * w[wi]
							}
						}
					}
					y[((n*c.cout+co)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return y
}

// refNormalize normalises v to zero mean, unit (population) variance.
func refNormalize(v []float64, eps float64) []float64 {
	var mean, vr float64
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		vr += (x - mean) * (x - mean)
	}
	vr /= float64(len(v))
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = (x - mean) / math.Sqrt(vr+eps)
	}
	return out
}

func refGroupNorm(x, gamma, beta []float64, n, c, spatial, groups int, eps float64, silu bool) []float64 {
	y := make([]float64, len(x))
	size := c / groups * spatial
	for g := 0; g < n*groups; g++ {
		norm := refNormalize(x[g*size:(g+1)*size], eps)
		for i, v := range norm {
			ch := (g%groups)*(c/groups) + i/spatial
			if gamma != nil {
				v *= gamma[ch]
			}
			if beta != nil {
				v += beta[ch]
			}
			if silu {
				v = refAct(v, 1)
			}
			y[g*size+i] = v
		}
	}
	return y
}

func refSoftmax(row []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	var s float64
	out := make([]float64, len(row))
	for i, v := range row {
		out[i] = math.Exp(v - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

// refAttention materialises the full score matrix, in the [B, N, H, D]
// layout the Device documents.
func refAttention(q, k, v []float64, b, nq, nk, h, d, dv int, scale float64, causal bool) []float64 {
	out := make([]float64, b*nq*h*dv)
	for bi := 0; bi < b; bi++ {
		for hi := 0; hi < h; hi++ {
			for i := 0; i < nq; i++ {
				scores := make([]float64, nk)
				for j := 0; j < nk; j++ {
					if causal && j > i {
						scores[j] = math.Inf(-1)
						continue
					}
					var s float64
					for l := 0; l < d; l++ {
						s += q[((bi*nq+i)*h+hi)*d+l] * k[((bi*nk+j)*h+hi)*d+l]
					}
					scores[j] = s * scale
				}
				p := refSoftmax(scores)
				for c := 0; c < dv; c++ {
					var s float64
					for j := 0; j < nk; j++ {
						s += p[j] * v[((bi*nk+j)*h+hi)*dv+c]
					}
					out[((bi*nq+i)*h+hi)*dv+c] = s
				}
			}
		}
	}
	return out
}

// refIndex converts a flat index in shape to per-dim indices.
func refIndex(flat int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = flat % shape[i]
		flat /= shape[i]
	}
	return idx
}

// refFlat is the inverse of refIndex; dims of size 1 broadcast (index 0).
func refFlat(idx []int, shape []int) int {
	off := 0
	for i, s := range shape {
		j := idx[i]
		if s == 1 {
			j = 0
		}
		off = off*s + j
	}
	return off
}

// refBroadcast applies f with NumPy broadcasting.
func refBroadcast(a, b []float64, sa, sb []int, f func(x, y float64) float64) ([]float64, []int) {
	r := max(len(sa), len(sb))
	pad := func(s []int) []int {
		out := make([]int, r)
		for i := range out {
			out[i] = 1
		}
		copy(out[r-len(s):], s)
		return out
	}
	pa, pb := pad(sa), pad(sb)
	so := make([]int, r)
	n := 1
	for i := range so {
		so[i] = max(pa[i], pb[i])
		n *= so[i]
	}
	out := make([]float64, n)
	for i := range out {
		idx := refIndex(i, so)
		out[i] = f(a[refFlat(idx, pa)], b[refFlat(idx, pb)])
	}
	return out, so
}
