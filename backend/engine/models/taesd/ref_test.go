package taesd

import (
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// A plain float64 TAESD, straight from taesd.py, for checking the device
// path. Tensors are NCHW slices with their dims alongside.

type ref struct {
	d          []float64
	n, c, h, w int
}

func refFrom(data []float32, n, c, h, w int) ref {
	r := ref{d: make([]float64, len(data)), n: n, c: c, h: h, w: w}
	for i, v := range data {
		r.d[i] = float64(v)
	}
	return r
}

func mustF64(src weights.Source, name string) []float64 {
	v, err := src.Float32(name)
	if err != nil {
		panic(err)
	}
	out := make([]float64, len(v))
	for i, f := range v {
		out[i] = float64(f)
	}
	return out
}

// conv is torch conv2d with square kernel k, zero padding pad.
func (x ref) conv(wt, bias []float64, cout, k, stride, pad int) ref {
	ho, wo := (x.h+2*pad-k)/stride+1, (x.w+2*pad-k)/stride+1
	out := ref{d: make([]float64, x.n*cout*ho*wo), n: x.n, c: cout, h: ho, w: wo}
	for b := range x.n {
		for o := range cout {
			for i := range ho {
				for j := range wo {
					s := 0.0
					if bias != nil {
						s = bias[o]
					}
					for c := range x.c {
						for ki := range k {
							for kj := range k {
								yi, xj := i*stride+ki-pad, j*stride+kj-pad
								if yi < 0 || yi >= x.h || xj < 0 || xj >= x.w {
									continue
								}
								s += wt[((o*x.c+c)*k+ki)*k+kj] * x.d[((b*x.c+c)*x.h+yi)*x.w+xj]
							}
						}
					}
					out.d[((b*cout+o)*ho+i)*wo+j] = s
				}
			}
		}
	}
	return out
}

func (x ref) apply(f func(float64) float64) ref {
	out := x
	out.d = make([]float64, len(x.d))
	for i, v := range x.d {
		out.d[i] = f(v)
	}
	return out
}

func reluF(v float64) float64 { return math.Max(v, 0) }

func (x ref) add(y ref) ref {
	out := x
	out.d = make([]float64, len(x.d))
	for i := range x.d {
		out.d[i] = x.d[i] + y.d[i]
	}
	return out
}

func (x ref) groupNorm(groups int, eps float64, gamma, beta []float64) ref {
	out := x
	out.d = make([]float64, len(x.d))
	per := x.c / groups * x.h * x.w
	for b := range x.n {
		for g := range groups {
			seg := x.d[(b*x.c+g*x.c/groups)*x.h*x.w:][:per]
			mean, vr := 0.0, 0.0
			for _, v := range seg {
				mean += v
			}
			mean /= float64(per)
			for _, v := range seg {
				vr += (v - mean) * (v - mean)
			}
			vr /= float64(per)
			for i, v := range seg {
				c := g*x.c/groups + i/(x.h*x.w)
				out.d[(b*x.c+g*x.c/groups)*x.h*x.w+i] = (v-mean)/math.Sqrt(vr+eps)*gamma[c] + beta[c]
			}
		}
	}
	return out
}

func (x ref) upsample() ref {
	out := ref{d: make([]float64, 4*len(x.d)), n: x.n, c: x.c, h: 2 * x.h, w: 2 * x.w}
	for p := range x.n * x.c {
		for i := range out.h {
			for j := range out.w {
				out.d[(p*out.h+i)*out.w+j] = x.d[(p*x.h+i/2)*x.w+j/2]
			}
		}
	}
	return out
}

// refBlock is taesd.py Block.forward for the block named p ("3.").
func refBlock(src weights.Source, p string, x ref) ref {
	if _, ok := src.Info(p + "pool.0.weight"); ok {
		hidden := len(mustF64(src, p+"pool.1.weight"))
		h := x.conv(mustF64(src, p+"pool.0.weight"), nil, hidden, 1, 1, 0)
		h = h.groupNorm(poolGroups, normEps, mustF64(src, p+"pool.1.weight"), mustF64(src, p+"pool.1.bias")).apply(reluF)
		x = x.add(h.conv(mustF64(src, p+"pool.3.weight"), nil, x.c, 1, 1, 0))
	}
	out := len(mustF64(src, p+"conv.0.bias"))
	h := x.conv(mustF64(src, p+"conv.0.weight"), mustF64(src, p+"conv.0.bias"), out, 3, 1, 1).apply(reluF)
	h = h.conv(mustF64(src, p+"conv.2.weight"), mustF64(src, p+"conv.2.bias"), out, 3, 1, 1).apply(reluF)
	h = h.conv(mustF64(src, p+"conv.4.weight"), mustF64(src, p+"conv.4.bias"), out, 3, 1, 1)
	skip := x
	if _, ok := src.Info(p + "skip.weight"); ok {
		skip = x.conv(mustF64(src, p+"skip.weight"), nil, out, 1, 1, 0)
	}
	return h.add(skip).apply(reluF)
}

// refConv is a Sequential conv "<i>." with bias when the file has one.
func refConv(src weights.Source, p string, x ref, stride int) ref {
	info, _ := src.Info(p + "weight")
	var bias []float64
	if _, ok := src.Info(p + "bias"); ok {
		bias = mustF64(src, p+"bias")
	}
	return x.conv(mustF64(src, p+"weight"), bias, int(info.Shape[0]), 3, stride, 1)
}
