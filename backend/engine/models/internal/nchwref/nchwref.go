// Package nchwref is a plain float64 reference of the image operations the
// convolutional models are built from (conv2d, group norm, upsample,
// elementwise), written as directly as the PyTorch definitions, so model tests
// can check the device path against it. It is test support: slow by design
// and never used by the engine itself.
package nchwref

import (
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// Tensor is an NCHW array with its dims alongside.
type Tensor struct {
	D          []float64
	N, C, H, W int
}

// From widens device output (or test input) into a Tensor.
func From(data []float32, n, c, h, w int) Tensor {
	t := Tensor{D: make([]float64, len(data)), N: n, C: c, H: h, W: w}
	for i, v := range data {
		t.D[i] = float64(v)
	}
	return t
}

// F64 reads a weight as float64; a missing weight is a broken fixture.
func F64(src weights.Source, name string) []float64 {
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

// Conv is torch conv2d with square kernel k, zero padding pad and an
// optional bias.
func (x Tensor) Conv(wt, bias []float64, cout, k, stride, pad int) Tensor {
	ho, wo := (x.H+2*pad-k)/stride+1, (x.W+2*pad-k)/stride+1
	out := Tensor{D: make([]float64, x.N*cout*ho*wo), N: x.N, C: cout, H: ho, W: wo}
	for b := range x.N {
		for o := range cout {
			for i := range ho {
				for j := range wo {
					s := 0.0
					if bias != nil {
						s = bias[o]
					}
					for c := range x.C {
						for ki := range k {
							for kj := range k {
								yi, xj := i*stride+ki-pad, j*stride+kj-pad
								if yi < 0 || yi >= x.H || xj < 0 || xj >= x.W {
									continue
								}
								s += wt[((o*x.C+c)*k+ki)*k+kj] * x.D[((b*x.C+c)*x.H+yi)*x.W+xj]
							}
						}
					}
					out.D[((b*cout+o)*ho+i)*wo+j] = s
				}
			}
		}
	}
	return out
}

// Apply maps f over every element.
func (x Tensor) Apply(f func(float64) float64) Tensor {
	out := x
	out.D = make([]float64, len(x.D))
	for i, v := range x.D {
		out.D[i] = f(v)
	}
	return out
}

// Add is x + y for equal shapes.
func (x Tensor) Add(y Tensor) Tensor {
	out := x
	out.D = make([]float64, len(x.D))
	for i := range x.D {
		out.D[i] = x.D[i] + y.D[i]
	}
	return out
}

// GroupNorm is torch group_norm with per-channel gamma and beta.
func (x Tensor) GroupNorm(groups int, eps float64, gamma, beta []float64) Tensor {
	out := x
	out.D = make([]float64, len(x.D))
	per := x.C / groups * x.H * x.W
	for b := range x.N {
		for g := range groups {
			seg := x.D[(b*x.C+g*x.C/groups)*x.H*x.W:][:per]
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
				c := g*x.C/groups + i/(x.H*x.W)
				out.D[(b*x.C+g*x.C/groups)*x.H*x.W+i] = (v-mean)/math.Sqrt(vr+eps)*gamma[c] + beta[c]
			}
		}
	}
	return out
}

// Upsample is nearest-neighbour ×2.
func (x Tensor) Upsample() Tensor {
	out := Tensor{D: make([]float64, 4*len(x.D)), N: x.N, C: x.C, H: 2 * x.H, W: 2 * x.W}
	for p := range x.N * x.C {
		for i := range out.H {
			for j := range out.W {
				out.D[(p*out.H+i)*out.W+j] = x.D[(p*x.H+i/2)*x.W+j/2]
			}
		}
	}
	return out
}

// ReLU is max(v, 0).
func ReLU(v float64) float64 { return math.Max(v, 0) }

// SiLU is v·σ(v).
func SiLU(v float64) float64 { return v / (1 + math.Exp(-v)) }
