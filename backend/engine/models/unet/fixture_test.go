package unet

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// spec collects tensor names and shapes in the LDM layout
// (openaimodel.UNetModel's state_dict as single-file checkpoints store it).
type spec map[string][]int

func (s spec) linear(name string, out, in int, bias bool) {
	s[name+".weight"] = []int{out, in}
	if bias {
		s[name+".bias"] = []int{out}
	}
}

func (s spec) conv(name string, out, in, k int) {
	s[name+".weight"] = []int{out, in, k, k}
	s[name+".bias"] = []int{out}
}

func (s spec) norm(name string, ch int) {
	s[name+".weight"] = []int{ch}
	s[name+".bias"] = []int{ch}
}

func (s spec) resBlock(p string, in, out, emb int) {
	s.norm(p+"in_layers.0", in)
	s.conv(p+"in_layers.2", out, in, 3)
	s.linear(p+"emb_layers.1", out, emb, true)
	s.norm(p+"out_layers.0", out)
	s.conv(p+"out_layers.3", out, out, 3)
	if in != out {
		s.conv(p+"skip_connection", out, in, 1)
	}
}

func (s spec) attention(p string, dim, ctx int) {
	s.linear(p+"to_q", dim, dim, false)
	s.linear(p+"to_k", dim, ctx, false)
	s.linear(p+"to_v", dim, ctx, false)
	s.linear(p+"to_out.0", dim, dim, true)
}

func (s spec) transformerBlock(p string, dim, ctx int) {
	s.attention(p+"attn1.", dim, dim)
	s.attention(p+"attn2.", dim, ctx)
	s.linear(p+"ff.net.0.proj", 2*ffMult*dim, dim, true)
	s.linear(p+"ff.net.2", dim, ffMult*dim, true)
	for _, n := range []string{"norm1", "norm2", "norm3"} {
		s.norm(p+n, dim)
	}
}

func (s spec) spatialTransformer(p string, ch, depth, ctx int, linear bool) {
	s.norm(p+"norm", ch)
	for _, n := range []string{"proj_in", "proj_out"} {
		if linear {
			s.linear(p+n, ch, ch, true)
		} else {
			s.conv(p+n, ch, ch, 1)
		}
	}
	for i := range depth {
		s.transformerBlock(fmt.Sprintf("%stransformer_blocks.%d.", p, i), ch, ctx)
	}
}

// unetSpec writes a whole UNet for c, walking the levels as
// openaimodel.UNetModel.__init__ does.
func unetSpec(c detect.UNetConfig) spec {
	s, p, mc := spec{}, c.Prefix, c.ModelChannels
	emb := timeEmbedMult * mc
	s.linear(p+"time_embed.0", emb, mc, true)
	s.linear(p+"time_embed.2", emb, emb, true)
	if c.ADMInChannels > 0 {
		s.linear(p+"label_emb.0.0", emb, c.ADMInChannels, true)
		s.linear(p+"label_emb.0.2", emb, emb, true)
	}
	s.conv(p+"input_blocks.0.0", mc, c.InChannels, 3)
	blk, ch, skips := 1, mc, []int{mc}
	for l, m := range c.ChannelMult {
		for range c.NumResBlocks[l] {
			bp := fmt.Sprintf("%sinput_blocks.%d.", p, blk)
			s.resBlock(bp+"0.", ch, m*mc, emb)
			ch = m * mc
			if c.TransformerDepth[l] > 0 {
				s.spatialTransformer(bp+"1.", ch, c.TransformerDepth[l], c.ContextDim, c.UseLinearProjection)
			}
			skips = append(skips, ch)
			blk++
		}
		if l < len(c.ChannelMult)-1 {
			s.conv(fmt.Sprintf("%sinput_blocks.%d.0.op", p, blk), ch, ch, 3)
			skips = append(skips, ch)
			blk++
		}
	}
	s.resBlock(p+"middle_block.0.", ch, ch, emb)
	next := 1
	if c.TransformerDepthMiddle > 0 {
		s.spatialTransformer(p+"middle_block.1.", ch, c.TransformerDepthMiddle, c.ContextDim, c.UseLinearProjection)
		next = 2
	}
	s.resBlock(fmt.Sprintf("%smiddle_block.%d.", p, next), ch, ch, emb)
	blk = 0
	for l := len(c.ChannelMult) - 1; l >= 0; l-- {
		w := c.ChannelMult[l] * mc
		for r := range c.NumResBlocks[l] + 1 {
			bp := fmt.Sprintf("%soutput_blocks.%d.", p, blk)
			s.resBlock(bp+"0.", ch+skips[len(skips)-1], w, emb)
			skips, ch = skips[:len(skips)-1], w
			up := 1
			if d := c.TransformerDepthOutput[blk]; d > 0 {
				s.spatialTransformer(bp+"1.", w, d, c.ContextDim, c.UseLinearProjection)
				up = 2
			}
			if l > 0 && r == c.NumResBlocks[l] {
				s.conv(fmt.Sprintf("%s%d.conv", bp, up), w, w, 3)
			}
			blk++
		}
	}
	s.norm(p+"out.0", mc)
	s.conv(p+"out.2", c.OutChannels, mc, 3)
	return s
}

// Tiny configs with the structure of the released models (v1-inference.yaml,
// v2-inference.yaml, sd_xl_base.yaml, sd-v1-5-inpainting) at a width the
// CPU runs in well under a second. Group norms have 32 groups, so widths
// are multiples of 32.
func sd1Tiny() detect.UNetConfig {
	return detect.UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 32, ChannelMult: []int{1, 2},
		NumResBlocks: []int{1, 1}, TransformerDepth: []int{1, 1}, TransformerDepthOutput: []int{1, 1, 1, 1},
		TransformerDepthMiddle: 1, ContextDim: 32, NumHeads: 2, Prefix: "model.diffusion_model."}
}

func sd2Tiny() detect.UNetConfig {
	c := sd1Tiny()
	c.NumHeads, c.HeadDim, c.UseLinearProjection, c.ContextDim = 0, 16, true, 64
	return c
}

func sdxlTiny() detect.UNetConfig {
	return detect.UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 32, ChannelMult: []int{1, 2},
		NumResBlocks: []int{2, 2}, TransformerDepth: []int{0, 2}, TransformerDepthOutput: []int{2, 2, 2, 0, 0, 0},
		TransformerDepthMiddle: 2, ContextDim: 64, HeadDim: 32, UseLinearProjection: true,
		ADMInChannels: 32 + 6*256, Prefix: "model.diffusion_model."}
}

func inpaintTiny() detect.UNetConfig {
	c := sd1Tiny()
	c.InChannels = 9 // latent, mask, masked-image latent
	return c
}

// fixture is a device, a random checkpoint and its weights view.
type fixture struct {
	dev compute.Device
	src weights.Source
	w   *nn.Weights
}

func newFixture(s spec, seed int64) fixture {
	dev := cpu.New(2)
	src := nn.RandomSource(s, seed)
	return fixture{dev: dev, src: src, w: nn.NewWeights(src, dev)}
}

// upload puts a reference array on the device.
func (f fixture) upload(t *testing.T, a arr) tensor.Tensor {
	t.Helper()
	data := make([]float32, len(a.v))
	for i, v := range a.v {
		data[i] = float32(v)
	}
	x, err := f.dev.Upload(tensor.Shape(a.shape), data)
	require.NoError(t, err)
	return x
}

// download reads a device tensor back as a reference array.
func (f fixture) download(t *testing.T, x tensor.Tensor) arr {
	t.Helper()
	data, err := f.dev.Download(x)
	require.NoError(t, err)
	a := arr{shape: x.Shape(), v: make([]float64, len(data))}
	for i, v := range data {
		a.v[i] = float64(v)
	}
	return a
}

// weight reads a checkpoint tensor as float64 for the reference.
func (f fixture) weight(t *testing.T, key string) arr {
	t.Helper()
	info, ok := f.src.Info(key)
	require.True(t, ok, key)
	data, err := f.src.Float32(key)
	require.NoError(t, err)
	a := arr{v: make([]float64, len(data))}
	for _, d := range info.Shape {
		a.shape = append(a.shape, int(d))
	}
	for i, v := range data {
		a.v[i] = float64(v)
	}
	return a
}
