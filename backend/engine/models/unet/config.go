package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
)

// Constants shared by every LDM UNet, which neither shapes nor
// detect.UNetConfig carry.
const (
	// normGroups: openaimodel.normalization and attention.Normalize are
	// GroupNorm(32, C).
	normGroups = 32
	// resNormEps is torch.nn.GroupNorm's default, used by ResBlock and the
	// output norm (GroupNorm32).
	resNormEps = 1e-5
	// attnNormEps is attention.Normalize's eps=1e-6 (SpatialTransformer.norm).
	attnNormEps = 1e-6
	// layerNormEps is torch.nn.LayerNorm's default (norm1/2/3).
	layerNormEps = 1e-5
	// ffMult: FeedForward(dim, mult=4, glu=True) in BasicTransformerBlock.
	ffMult = 4
	// timeEmbedMult: time_embed_dim = model_channels * 4.
	timeEmbedMult = 4
)

// validate checks that cfg describes a UNet this package can build, so
// Load fails with a clear message instead of a shape error deep inside.
func validate(c detect.UNetConfig) error {
	n := len(c.ChannelMult)
	switch {
	case c.InChannels <= 0 || c.OutChannels <= 0 || c.ModelChannels <= 0:
		return fmt.Errorf("unet config: channels in %d, out %d, model %d must be positive", c.InChannels, c.OutChannels, c.ModelChannels)
	case n == 0:
		return fmt.Errorf("unet config: no levels")
	case len(c.NumResBlocks) != n || len(c.TransformerDepth) != n:
		return fmt.Errorf("unet config: %d levels but %d NumResBlocks and %d TransformerDepth", n, len(c.NumResBlocks), len(c.TransformerDepth))
	case (c.NumHeads > 0) == (c.HeadDim > 0):
		return fmt.Errorf("unet config: exactly one of NumHeads (%d) and HeadDim (%d) must be set", c.NumHeads, c.HeadDim)
	case c.ADMInChannels < 0 || c.TransformerDepthMiddle < 0:
		return fmt.Errorf("unet config: negative ADMInChannels or middle depth")
	}
	outputs, attn := 0, c.TransformerDepthMiddle > 0
	for l := range n {
		if c.ChannelMult[l] <= 0 || c.NumResBlocks[l] <= 0 || c.TransformerDepth[l] < 0 {
			return fmt.Errorf("unet config: level %d has mult %d, %d res blocks, depth %d", l, c.ChannelMult[l], c.NumResBlocks[l], c.TransformerDepth[l])
		}
		outputs += c.NumResBlocks[l] + 1
		attn = attn || c.TransformerDepth[l] > 0
	}
	if len(c.TransformerDepthOutput) != outputs {
		return fmt.Errorf("unet config: %d TransformerDepthOutput entries, want %d (one per output block)", len(c.TransformerDepthOutput), outputs)
	}
	for j, d := range c.TransformerDepthOutput {
		if d < 0 {
			return fmt.Errorf("unet config: output block %d depth %d", j, d)
		}
		attn = attn || d > 0
	}
	if attn && c.ContextDim <= 0 {
		return fmt.Errorf("unet config: attention without a context width")
	}
	return nil
}

// heads splits an attention width into (heads, head width) as
// openaimodel.UNetModel does: a fixed head count (SD 1.x) or a fixed head
// width (SD 2.x, SDXL).
func heads(c detect.UNetConfig, width int) (int, int, error) {
	if c.NumHeads > 0 {
		if width%c.NumHeads != 0 {
			return 0, 0, fmt.Errorf("unet: attention width %d does not split into %d heads", width, c.NumHeads)
		}
		return c.NumHeads, width / c.NumHeads, nil
	}
	if width%c.HeadDim != 0 {
		return 0, 0, fmt.Errorf("unet: attention width %d does not split into heads of %d", width, c.HeadDim)
	}
	return width / c.HeadDim, c.HeadDim, nil
}
