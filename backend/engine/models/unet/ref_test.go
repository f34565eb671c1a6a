package unet

import (
	"math"
	"slices"
)

// A plain float64 reference of the LDM UNet's operations, written from the
// PyTorch definitions (torch.nn.functional conv2d, group_norm, layer_norm,
// linear, gelu; openaimodel/attention.py) with no attempt at speed, to check
// the device path against.

type arr struct {
	shape []int
	v     []float64
}

func zeros(shape ...int) arr {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return arr{shape: slices.Clone(shape), v: make([]float64, n)}
}

func (a arr) reshape(shape ...int) arr { return arr{shape: slices.Clone(shape), v: a.v} }

func (a arr) add(b arr) arr {
	out := zeros(a.shape...)
	for i := range a.v {
		out.v[i] = a.v[i] + b.v[i]
	}
	return out
}

func (a arr) apply(f func(float64) float64) arr {
	out := zeros(a.shape...)
	for i, v := range a.v {
		out.v[i] = f(v)
	}
	return out
}

func silu(x float64) float64 { return x / (1 + math.Exp(-x)) }
func gelu(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

// conv2d is F.conv2d on [B, Cin, H, W] with a [Cout, Cin, k, k] kernel.
func conv2d(x, w, b arr, stride, pad int) arr {
	n, cin, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	cout, k := w.shape[0], w.shape[2]
	oh, ow := (h+2*pad-k)/stride+1, (wd+2*pad-k)/stride+1
	out := zeros(n, cout, oh, ow)
	for bi := range n {
		for co := range cout {
			for oy := range oh {
				for ox := range ow {
					s := b.v[co]
					for ci := range cin {
						for ky := range k {
							for kx := range k {
								iy, ix := oy*stride-pad+ky, ox*stride-pad+kx
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += x.v[((bi*cin+ci)*h+iy)*wd+ix] * w.v[((co*cin+ci)*k+ky)*k+kx]
							}
						}
					}
					out.v[((bi*cout+co)*oh+oy)*ow+ox] = s
				}
			}
		}
	}
	return out
}

// groupNorm is F.group_norm on [B, C, ...] with affine gamma, beta.
func groupNorm(x, gamma, beta arr, groups int, eps float64) arr {
	n, c := x.shape[0], x.shape[1]
	spatial := len(x.v) / (n * c)
	per := c / groups * spatial
	out := zeros(x.shape...)
	for bi := range n {
		for g := range groups {
			seg := x.v[(bi*c+g*c/groups)*spatial:][:per]
			mean, vari := 0.0, 0.0
			for _, v := range seg {
				mean += v
			}
			mean /= float64(per)
			for _, v := range seg {
				vari += (v - mean) * (v - mean)
			}
			vari /= float64(per)
			for i, v := range seg {
				ch := g*c/groups + i/spatial
				out.v[(bi*c+g*c/groups)*spatial+i] = (v-mean)/math.Sqrt(vari+eps)*gamma.v[ch] + beta.v[ch]
			}
		}
	}
	return out
}

// layerNorm is F.layer_norm over the last dim.
func layerNorm(x, gamma, beta arr, eps float64) arr {
	d := x.shape[len(x.shape)-1]
	out := zeros(x.shape...)
	for r := 0; r < len(x.v); r += d {
		row := x.v[r : r+d]
		mean, vari := 0.0, 0.0
		for _, v := range row {
			mean += v
		}
		mean /= float64(d)
		for _, v := range row {
			vari += (v - mean) * (v - mean)
		}
		vari /= float64(d)
		for i, v := range row {
			out.v[r+i] = (v-mean)/math.Sqrt(vari+eps)*gamma.v[i] + beta.v[i]
		}
	}
	return out
}

// linear is F.linear: x [..., in] · wᵀ [in, out] + b; b may be empty.
func linear(x, w, b arr) arr {
	out, in := w.shape[0], w.shape[1]
	rows := len(x.v) / in
	shape := slices.Clone(x.shape)
	shape[len(shape)-1] = out
	y := zeros(shape...)
	for r := range rows {
		for o := range out {
			s := 0.0
			if len(b.v) > 0 {
				s = b.v[o]
			}
			for i := range in {
				s += x.v[r*in+i] * w.v[o*in+i]
			}
			y.v[r*out+o] = s
		}
	}
	return y
}

// attention is multi-head softmax(q·kᵀ/√d)·v for q [B, N, H·d] and k, v
// [B, M, H·d], heads taken as consecutive d-wide slices (einops
// "b n (h d) -> (b h) n d").
func attention(q, k, v arr, heads int) arr {
	b, n, inner := q.shape[0], q.shape[1], q.shape[2]
	m, d := k.shape[1], inner/heads
	out := zeros(b, n, inner)
	scores := make([]float64, m)
	for bi := range b {
		for h := range heads {
			for i := range n {
				mx := math.Inf(-1)
				for j := range m {
					s := 0.0
					for e := range d {
						s += q.v[(bi*n+i)*inner+h*d+e] * k.v[(bi*m+j)*inner+h*d+e]
					}
					scores[j] = s / math.Sqrt(float64(d))
					mx = max(mx, scores[j])
				}
				sum := 0.0
				for j := range m {
					scores[j] = math.Exp(scores[j] - mx)
					sum += scores[j]
				}
				for e := range d {
					acc := 0.0
					for j := range m {
						acc += scores[j] / sum * v.v[(bi*m+j)*inner+h*d+e]
					}
					out.v[(bi*n+i)*inner+h*d+e] = acc
				}
			}
		}
	}
	return out
}

// toTokens is rearrange "b c h w -> b (h w) c"; fromTokens the inverse.
func toTokens(x arr) arr {
	b, c, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	out := zeros(b, hw, c)
	for bi := range b {
		for ci := range c {
			for p := range hw {
				out.v[(bi*hw+p)*c+ci] = x.v[(bi*c+ci)*hw+p]
			}
		}
	}
	return out
}

func fromTokens(x arr, h, w int) arr {
	b, hw, c := x.shape[0], x.shape[1], x.shape[2]
	out := zeros(b, c, h, w)
	for bi := range b {
		for ci := range c {
			for p := range hw {
				out.v[(bi*c+ci)*hw+p] = x.v[(bi*hw+p)*c+ci]
			}
		}
	}
	return out
}

// concatChannels is torch.cat([a, b], dim=1) on [B, C, H, W].
func concatChannels(a, b arr) arr {
	n, ca, cb, hw := a.shape[0], a.shape[1], b.shape[1], a.shape[2]*a.shape[3]
	out := zeros(n, ca+cb, a.shape[2], a.shape[3])
	for bi := range n {
		copy(out.v[bi*(ca+cb)*hw:], a.v[bi*ca*hw:(bi+1)*ca*hw])
		copy(out.v[(bi*(ca+cb)+ca)*hw:], b.v[bi*cb*hw:(bi+1)*cb*hw])
	}
	return out
}

// upsampleNearest is F.interpolate(scale_factor=2, mode="nearest").
func upsampleNearest(x arr) arr {
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	out := zeros(n, c, 2*h, 2*w)
	for p := range n * c {
		for y := range 2 * h {
			for xx := range 2 * w {
				out.v[(p*2*h+y)*2*w+xx] = x.v[(p*h+y/2)*w+xx/2]
			}
		}
	}
	return out
}

// timestepEmbedding is LDM's timestep_embedding (cosines first, max period
// 10000).
func timestepEmbedding(ts []float64, dim int) arr {
	half := dim / 2
	out := zeros(len(ts), dim)
	for r, t := range ts {
		for i := range half {
			f := math.Exp(-math.Log(10000) * float64(i) / float64(half))
			out.v[r*dim+i] = math.Cos(t * f)
			out.v[r*dim+half+i] = math.Sin(t * f)
		}
	}
	return out
}

// relErr is max|got − want| / max|want|.
func relErr(got, want arr) float64 {
	diff, scale := 0.0, 0.0
	for i := range want.v {
		diff = max(diff, math.Abs(got.v[i]-want.v[i]))
		scale = max(scale, math.Abs(want.v[i]))
	}
	return diff / max(scale, 1e-12)
}
