package vae

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/internal/nchwref"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// A plain float64 AutoencoderKL, straight from LDM's model.py, for checking
// the device path. Tensors are NCHW slices with their dims alongside.

type ref = nchwref.Tensor

var (
	refFrom = nchwref.From
	mustF64 = nchwref.F64
	silu    = nchwref.SiLU
)

// padRB is torch.nn.functional.pad(x, (0, 1, 0, 1)).
func padRB(x ref) ref {
	out := ref{D: make([]float64, x.N*x.C*(x.H+1)*(x.W+1)), N: x.N, C: x.C, H: x.H + 1, W: x.W + 1}
	for p := range x.N * x.C {
		for i := range x.H {
			copy(out.D[(p*out.H+i)*out.W:][:x.W], x.D[(p*x.H+i)*x.W:][:x.W])
		}
	}
	return out
}

type refModel struct {
	src weights.Source
}

func (m refModel) conv(p string, x ref, cout, k, stride, pad int) ref {
	return x.Conv(mustF64(m.src, p+".weight"), mustF64(m.src, p+".bias"), cout, k, stride, pad)
}

func (m refModel) norm(p string, x ref) ref {
	return x.GroupNorm(normGroups, normEps, mustF64(m.src, p+".weight"), mustF64(m.src, p+".bias"))
}

// resnet is ResnetBlock.forward with temb None.
func (m refModel) resnet(p string, x ref, out int) ref {
	h := m.conv(p+".conv1", m.norm(p+".norm1", x).Apply(silu), out, 3, 1, 1)
	h = m.conv(p+".conv2", m.norm(p+".norm2", h).Apply(silu), out, 3, 1, 1)
	if x.C != out {
		x = m.conv(p+".nin_shortcut", x, out, 1, 1, 0)
	}
	return x.Add(h)
}

// attn is AttnBlock.forward: q, k, v as 1×1 convs (or linears: the same
// numbers), softmax over positions, proj_out, plus x.
func (m refModel) attn(p string, x ref) ref {
	h := m.norm(p+".norm", x)
	q := m.conv(p+".q", h, x.C, 1, 1, 0)
	k := m.conv(p+".k", h, x.C, 1, 1, 0)
	v := m.conv(p+".v", h, x.C, 1, 1, 0)
	hw := x.H * x.W
	o := ref{D: make([]float64, len(x.D)), N: x.N, C: x.C, H: x.H, W: x.W}
	for b := range x.N {
		base := b * x.C * hw
		for i := range hw {
			s := make([]float64, hw)
			mx := math.Inf(-1)
			for j := range hw {
				for c := range x.C {
					s[j] += q.D[base+c*hw+i] * k.D[base+c*hw+j]
				}
				s[j] /= math.Sqrt(float64(x.C))
				mx = math.Max(mx, s[j])
			}
			sum := 0.0
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				sum += s[j]
			}
			for c := range x.C {
				acc := 0.0
				for j := range hw {
					acc += s[j] / sum * v.D[base+c*hw+j]
				}
				o.D[base+c*hw+i] = acc
			}
		}
	}
	return x.Add(m.conv(p+".proj_out", o, x.C, 1, 1, 0))
}

func (m refModel) mid(p string, x ref) ref {
	x = m.resnet(p+".block_1", x, x.C)
	x = m.attn(p+".attn_1", x)
	return m.resnet(p+".block_2", x, x.C)
}

// encode is Encoder.forward then quant_conv: the moments.
func (m refModel) encode(p string, c Config, x ref) ref {
	h := m.conv(p+"encoder.conv_in", x, c.Channels, 3, 1, 1)
	for i, mult := range c.ChannelMult {
		for j := range c.NumResBlocks {
			h = m.resnet(fmtKey(p+"encoder.down.%d.block.%d", i, j), h, c.Channels*mult)
		}
		if i < len(c.ChannelMult)-1 {
			h = m.conv(fmtKey(p+"encoder.down.%d.downsample.conv", i), padRB(h), h.C, 3, 2, 0)
		}
	}
	h = m.mid(p+"encoder.mid", h)
	h = m.conv(p+"encoder.conv_out", m.norm(p+"encoder.norm_out", h).Apply(silu), 2*c.ZChannels, 3, 1, 1)
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
			h = m.conv(fmtKey(p+"decoder.up.%d.upsample.conv", i), h.Upsample(), h.C, 3, 1, 1)
		}
	}
	return m.conv(p+"decoder.conv_out", m.norm(p+"decoder.norm_out", h).Apply(silu), 3, 3, 1, 1)
}

func fmtKey(format string, a ...any) string { return fmt.Sprintf(format, a...) }
