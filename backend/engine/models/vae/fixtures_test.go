package vae

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// tinyVAE describes a small AutoencoderKL with LDM's key names. Widths are
// multiples of 32 because Normalize() is GroupNorm(32).
type tinyVAE struct {
	ch, z, nrb         int
	mult               []int
	linearAttn         bool // diffusers-converted [C, C] attention weights
	noEncoder, noQuant bool
}

func (s tinyVAE) config() Config {
	return Config{Channels: s.ch, ChannelMult: s.mult, NumResBlocks: s.nrb, ZChannels: s.z, ScaleFactor: 1}
}

func putConv(spec map[string][]int, p string, out, in, k int) {
	spec[p+".weight"], spec[p+".bias"] = []int{out, in, k, k}, []int{out}
}

func putNorm(spec map[string][]int, p string, c int) {
	spec[p+".weight"], spec[p+".bias"] = []int{c}, []int{c}
}

func putResnet(spec map[string][]int, p string, in, out int) {
	putNorm(spec, p+".norm1", in)
	putConv(spec, p+".conv1", out, in, 3)
	putNorm(spec, p+".norm2", out)
	putConv(spec, p+".conv2", out, out, 3)
	if in != out {
		putConv(spec, p+".nin_shortcut", out, in, 1)
	}
}

func (s tinyVAE) putAttn(spec map[string][]int, p string, c int) {
	putNorm(spec, p+".norm", c)
	for _, n := range []string{"q", "k", "v", "proj_out"} {
		putConv(spec, p+"."+n, c, c, 1)
		if s.linearAttn {
			spec[p+"."+n+".weight"] = []int{c, c}
		}
	}
}

func (s tinyVAE) putMid(spec map[string][]int, p string, c int) {
	putResnet(spec, p+".block_1", c, c)
	s.putAttn(spec, p+".attn_1", c)
	putResnet(spec, p+".block_2", c, c)
}

// spec lists every tensor's name (without prefix) and shape.
func (s tinyVAE) spec() map[string][]int {
	spec := map[string][]int{}
	top := s.ch * s.mult[len(s.mult)-1]
	if !s.noEncoder {
		putConv(spec, "encoder.conv_in", s.ch, 3, 3)
		in := s.ch
		for i, m := range s.mult {
			for j := range s.nrb {
				putResnet(spec, fmt.Sprintf("encoder.down.%d.block.%d", i, j), in, s.ch*m)
				in = s.ch * m
			}
			if i < len(s.mult)-1 {
				putConv(spec, fmt.Sprintf("encoder.down.%d.downsample.conv", i), in, in, 3)
			}
		}
		s.putMid(spec, "encoder.mid", top)
		putNorm(spec, "encoder.norm_out", top)
		putConv(spec, "encoder.conv_out", 2*s.z, top, 3)
		if !s.noQuant {
			putConv(spec, "quant_conv", 2*s.z, 2*s.z, 1)
		}
	}
	if !s.noQuant {
		putConv(spec, "post_quant_conv", s.z, s.z, 1)
	}
	putConv(spec, "decoder.conv_in", top, s.z, 3)
	s.putMid(spec, "decoder.mid", top)
	in := top
	for i := len(s.mult) - 1; i >= 0; i-- {
		for j := range s.nrb + 1 {
			putResnet(spec, fmt.Sprintf("decoder.up.%d.block.%d", i, j), in, s.ch*s.mult[i])
			in = s.ch * s.mult[i]
		}
		if i > 0 {
			putConv(spec, fmt.Sprintf("decoder.up.%d.upsample.conv", i), in, in, 3)
		}
	}
	putNorm(spec, "decoder.norm_out", s.ch)
	putConv(spec, "decoder.conv_out", 3, s.ch, 3)
	return spec
}

// prefixed copies src's tensors under prefix (random values depend on the
// name, so the copy keeps the very same numbers).
func prefixed(t *testing.T, src weights.Source, prefix string) weights.Source {
	t.Helper()
	ts := map[string]nn.MemTensor{}
	for _, n := range src.Names() {
		info, _ := src.Info(n)
		v, err := src.Float32(n)
		require.NoError(t, err)
		shape := make([]int, len(info.Shape))
		for i, d := range info.Shape {
			shape[i] = int(d)
		}
		ts[prefix+n] = nn.MemTensor{Shape: shape, Data: v}
	}
	return nn.MemSource(ts)
}

func randomData(n int, seed uint64, lo, hi float64) []float32 {
	out := make([]float32, n)
	s := seed
	for i := range out {
		s = s*6364136223846793005 + 1442695040888963407 // Knuth's MMIX LCG
		out[i] = float32(lo + (hi-lo)*float64(s>>11)/float64(1<<53))
	}
	return out
}

func upload(t *testing.T, d compute.Device, shape tensor.Shape, data []float32) tensor.Tensor {
	t.Helper()
	x, err := d.Upload(shape, data)
	require.NoError(t, err)
	return x
}

func download(t *testing.T, d compute.Device, x tensor.Tensor) []float32 {
	t.Helper()
	v, err := d.Download(x)
	require.NoError(t, err)
	return v
}

// maxRelDiff is max |a−b| / (1 + |a|).
func maxRelDiff(want []float64, got []float32) float64 {
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Abs(want[i]-float64(got[i]))/(1+math.Abs(want[i])))
	}
	return worst
}
