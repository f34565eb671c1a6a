package vae

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// A plain float64 AutoencoderKL, straight from LDM's model.py, for checking
// the device path. Tensors are NCHW slices with their dims alongside.

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

func silu(v float64) float64 { return v / (1 + math.Exp(-v)) }

// padRB is torch.nn.functional.pad(x, (0, 1, 0, 1)).
func (x ref) padRB() ref {
	out := ref{d: make([]float64, x.n*x.c*(x.h+1)*(x.w+1)), n: x.n, c: x.c, h: x.h + 1, w: x.w + 1}
	for p := range x.n * x.c {
		for i := range x.h {
			copy(out.d[(p*out.h+i)*out.w:][:x.w], x.d[(p*x.h+i)*x.w:][:x.w])
		}
	}
	return out
}

type refModel struct {
	src weights.Source
}

func (m refModel) conv(p string, x ref, cout, k, stride, pad int) ref {
	return x.conv(mustF64(m.src, p+".weight"), mustF64(m.src, p+".bias"), cout, k, stride, pad)
}

func (m refModel) norm(p string, x ref) ref {
	return x.groupNorm(normGroups, normEps, mustF64(m.src, p+".weight"), mustF64(m.src, p+".bias"))
}

// resnet is ResnetBlock.forward with temb None.
func (m refModel) resnet(p string, x ref, out int) ref {
	h := m.conv(p+".conv1", m.norm(p+".norm1", x).apply(silu), out, 3, 1, 1)
	h = m.conv(p+".conv2", m.norm(p+".norm2", h).apply(silu), out, 3, 1, 1)
	if x.c != out {
		x = m.conv(p+".nin_shortcut", x, out, 1, 1, 0)
	}
	return x.add(h)
}

// attn is AttnBlock.forward: q, k, v as 1×1 convs (or linears: the same
// numbers), softmax over positions, proj_out, plus x.
func (m refModel) attn(p string, x ref) ref {
	h := m.norm(p+".norm", x)
	q := m.conv(p+".q", h, x.c, 1, 1, 0)
	k := m.conv(p+".k", h, x.c, 1, 1, 0)
	v := m.conv(p+".v", h, x.c, 1, 1, 0)
	hw := x.h * x.w
	o := ref{d: make([]float64, len(x.d)), n: x.n, c: x.c, h: x.h, w: x.w}
	for b := range x.n {
		base := b * x.c * hw
		for i := range hw {
			s := make([]float64, hw)
			mx := math.Inf(-1)
			for j := range hw {
				for c := range x.c {
					s[j] += q.d[base+c*hw+i] * k.d[base+c*hw+j]
				}
				s[j] /= math.Sqrt(float64(x.c))
				mx = math.Max(mx, s[j])
			}
			sum := 0.0
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				sum += s[j]
			}
			for c := range x.c {
				acc := 0.0
				for j := range hw {
					acc += s[j] / sum * v.d[base+c*hw+j]
				}
				o.d[base+c*hw+i] = acc
			}
		}
	}
	return x.add(m.conv(p+".proj_out", o, x.c, 1, 1, 0))
}

func (m refModel) mid(p string, x ref) ref {
	x = m.resnet(p+".block_1", x, x.c)
	x = m.attn(p+".attn_1", x)
	return m.resnet(p+".block_2", x, x.c)
}

// encode is Encoder.forward then quant_conv: the moments.
func (m refModel) encode(p string, c Config, x ref) ref {
	h := m.conv(p+"encoder.conv_in", x, c.Channels, 3, 1, 1)
	for i, mult := range c.ChannelMult {
		for j := range c.NumResBlocks {
			h = m.resnet(fmtKey(p+"encoder.down.%d.block.%d", i, j), h, c.Channels*mult)
		}
		if i < len(c.ChannelMult)-1 {
			h = m.conv(fmtKey(p+"encoder.down.%d.downsample.conv", i), h.padRB(), h.c, 3, 2, 0)
		}
	}
	h = m.mid(p+"encoder.mid", h)
	h = m.conv(p+"encoder.conv_out", m.norm(p+"encoder.norm_out", h).apply(silu), 2*c.ZChannels, 3, 1, 1)
	return m.conv(p+"quant_conv", h, 2*c.ZChannels, 1, 1, 0)
}

// decode is post_quant_conv then Decoder.forward, on the unscaled z.
func (m refModel) decode(p string, c Config, z ref) ref {
	h := m.conv(p+"post_quant_conv", z, c.ZChannels, 1, 1, 0)
	h = m.conv(p+"decoder.conv_in", h, c.Channels*c.ChannelMult[len(c.ChannelMult)-1], 3, 1, 1)
	h = m.mid(p+"decoder.mid", h)
	for i := len(c.ChannelMult) - 1; i >= 0; i-- {
		for j := range c.NumResBlocks + 1 {
			h = m.resnet(fmtKey(p+"decoder.up.%d.block.%d", i, j), h, c.Channels*c.ChannelMult[i])
		}
		if i > 0 {
			h = m.conv(fmtKey(p+"decoder.up.%d.upsample.conv", i), h.upsample(), h.c, 3, 1, 1)
		}
	}
	return m.conv(p+"decoder.conv_out", m.norm(p+"decoder.norm_out", h).apply(silu), 3, 3, 1, 1)
}

func fmtKey(format string, a ...any) string { return fmt.Sprintf(format, a...) }
