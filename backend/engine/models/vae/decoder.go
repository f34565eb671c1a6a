package vae

import (
	"context"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Upsample is LDM's Upsample with resamp_with_conv: nearest-neighbour ×2,
// then a 3×3 convolution.
type Upsample struct {
	Conv *nn.Conv2D
}

// LoadUpsample reads "…up.N.upsample".
func LoadUpsample(w *nn.Weights, ch int) (*Upsample, error) {
	c, err := nn.LoadConv2D(w.Sub("conv"), ch, ch, 3, 1, 1, true)
	if err != nil {
		return nil, err
	}
	return &Upsample{Conv: c}, nil
}

// Forward maps x [N, C, H, W] → [N, C, 2H, 2W].
func (u *Upsample) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return u.Conv.ForwardUpsampled(d, x)
}

// Decoder is LDM's Decoder: z [N, z, h, w] → image [N, 3, h·f, w·f]. LDM
// builds up.i for level i but runs them deepest first, so up.(L−1) sees the
// latent and up.0 the full resolution; each has num_res_blocks+1 blocks.
type Decoder struct {
	ConvIn  *nn.Conv2D
	Mid     *midBlock
	Levels  []level // indexed like up.i
	NormOut *nn.GroupNorm
	ConvOut *nn.Conv2D
}

// LoadDecoder reads "…decoder".
func LoadDecoder(w *nn.Weights, c Config) (*Decoder, error) {
	dec := &Decoder{Levels: make([]level, len(c.ChannelMult))}
	var err error
	// conv_in: z → the deepest width, then the middle.
	in := c.Channels * c.ChannelMult[len(c.ChannelMult)-1]
	if dec.ConvIn, err = nn.LoadConv2D(w.Sub("conv_in"), c.ZChannels, in, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if dec.Mid, err = loadMid(w.Sub("mid"), in); err != nil {
		return nil, err
	}
	// Up levels, deepest first as the forward pass runs them.
	for i := len(c.ChannelMult) - 1; i >= 0; i-- {
		lw := w.Sub("up").Index(i)
		out := c.Channels * c.ChannelMult[i]
		lv := &dec.Levels[i]
		for j := range c.NumResBlocks + 1 {
			b, err := LoadResnetBlock(lw.Sub("block").Index(j), in, out)
			if err != nil {
				return nil, err
			}
			lv.Blocks = append(lv.Blocks, b)
			in = out
		}
		if i > 0 {
			if lv.Up, err = LoadUpsample(lw.Sub("upsample"), in); err != nil {
				return nil, err
			}
		}
	}
	// norm_out → SiLU → conv_out to RGB.
	if dec.NormOut, err = nn.LoadGroupNorm(w.Sub("norm_out"), normGroups, in, normEps); err != nil {
		return nil, err
	}
	if dec.ConvOut, err = nn.LoadConv2D(w.Sub("conv_out"), in, imageChannels, 3, 1, 1, true); err != nil {
		return nil, err
	}
	return dec, nil
}

// Forward maps z [N, z, h, w] → image [N, 3, h·f, w·f] (about [-1, 1], not
// clamped). ctx is checked between levels.
func (dec *Decoder) Forward(ctx context.Context, d compute.Device, z tensor.Tensor) (tensor.Tensor, error) {
	// conv_in, middle.
	h, err := dec.ConvIn.Forward(d, z)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("decoder conv_in: %w", err)
	}
	m, err := dec.Mid.forward(d, h)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("decoder mid: %w", err)
	}
	h = m
	// Up, deepest level first.
	for i := len(dec.Levels) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			nn.Free(d, h)
			return tensor.Tensor{}, err
		}
		lv := dec.Levels[i]
		steps := make([]func(compute.Device, tensor.Tensor) (tensor.Tensor, error), 0, len(lv.Blocks)+1)
		// Each step's input is freed right after it (here and in chain), so
		// the blocks may consume it.
		for _, b := range lv.Blocks {
			steps = append(steps, b.ForwardConsuming)
		}
		if lv.Up != nil {
			steps = append(steps, lv.Up.Forward)
		}
		// The level input is dead after the first block; at 512² up.0's is
		// 256 MB, so it is freed there rather than after the whole level.
		first, err := steps[0](d, h)
		nn.Free(d, h)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("decoder up.%d: %w", i, err)
		}
		next, err := chain(d, first, steps[1:]...)
		if len(steps) > 1 {
			nn.Free(d, first)
		}
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("decoder up.%d: %w", i, err)
		}
		h = next
	}
	// Out.
	n, err := dec.NormOut.Forward(d, h, true)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("decoder norm_out: %w", err)
	}
	out, err := dec.ConvOut.Forward(d, n)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("decoder conv_out: %w", err)
	}
	return out, nil
}
