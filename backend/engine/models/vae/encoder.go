package vae

import (
	"context"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Downsample is LDM's Downsample with resamp_with_conv: pad the right and
// bottom by one zero, then a 3×3 convolution with stride 2 and no padding.
// The asymmetric pad (torch.nn.functional.pad(x, (0, 1, 0, 1))) matters:
// symmetric padding 1 would shift every output by half a pixel.
type Downsample struct {
	Conv *nn.Conv2D
}

// LoadDownsample reads "…down.N.downsample".
func LoadDownsample(w *nn.Weights, ch int) (*Downsample, error) {
	c, err := nn.LoadConv2D(w.Sub("conv"), ch, ch, 3, 2, 0, true)
	if err != nil {
		return nil, err
	}
	return &Downsample{Conv: c}, nil
}

// Forward maps x [N, C, H, W] → [N, C, ⌊H/2⌋, ⌊W/2⌋].
func (s *Downsample) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	p, err := padRightBottom(d, x)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("downsample pad: %w", err)
	}
	out, err := s.Conv.Forward(d, p)
	nn.Free(d, p)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("downsample conv: %w", err)
	}
	return out, nil
}

// padRightBottom appends one zero column and one zero row to x [N, C, H, W].
// The device interface has no pad operation; two concatenations with zero
// tensors do the same.
func padRightBottom(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	if x.Rank() != 4 {
		return tensor.Tensor{}, fmt.Errorf("pad %v: %w: want [N, C, H, W]", x.Shape(), tensor.ErrShape)
	}
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	col, err := d.Alloc(tensor.Shape{n, c, h, 1})
	if err != nil {
		return tensor.Tensor{}, err
	}
	wide, err := d.Concat(3, x, col)
	nn.Free(d, col)
	if err != nil {
		return tensor.Tensor{}, err
	}
	row, err := d.Alloc(tensor.Shape{n, c, 1, w + 1})
	if err != nil {
		nn.Free(d, wide)
		return tensor.Tensor{}, err
	}
	out, err := d.Concat(2, wide, row)
	nn.Free(d, wide, row)
	return out, err
}

// level is one resolution of the encoder or decoder: its residual blocks,
// then a resampling step (nil at the last level of each direction).
type level struct {
	Blocks []*ResnetBlock
	Down   *Downsample
	Up     *Upsample
}

// midBlock is the middle: resnet, attention, resnet.
type midBlock struct {
	Block1 *ResnetBlock
	Attn   *AttnBlock
	Block2 *ResnetBlock
}

func loadMid(w *nn.Weights, ch int) (*midBlock, error) {
	m := &midBlock{}
	var err error
	if m.Block1, err = LoadResnetBlock(w.Sub("block_1"), ch, ch); err != nil {
		return nil, err
	}
	if m.Attn, err = LoadAttnBlock(w.Sub("attn_1"), ch); err != nil {
		return nil, err
	}
	if m.Block2, err = LoadResnetBlock(w.Sub("block_2"), ch, ch); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *midBlock) forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return chain(d, x, m.Block1.Forward, m.Attn.Forward, m.Block2.Forward)
}

// chain applies steps in order, freeing each intermediate (never x).
func chain(d compute.Device, x tensor.Tensor, steps ...func(compute.Device, tensor.Tensor) (tensor.Tensor, error)) (tensor.Tensor, error) {
	cur := x
	for i, f := range steps {
		next, err := f(d, cur)
		if i > 0 {
			nn.Free(d, cur)
		}
		if err != nil {
			return tensor.Tensor{}, err
		}
		cur = next
	}
	return cur, nil
}

// Encoder is LDM's Encoder with double_z: image [N, 3, H, W] → the
// Gaussian's moments [N, 2·z, H/f, W/f] (mean, then log-variance), f being
// 2^(levels−1). Attention runs only in the middle (attn_resolutions is empty
// in every released autoencoder).
type Encoder struct {
	ConvIn  *nn.Conv2D
	Levels  []level
	Mid     *midBlock
	NormOut *nn.GroupNorm
	ConvOut *nn.Conv2D
}

// LoadEncoder reads "…encoder".
func LoadEncoder(w *nn.Weights, c Config) (*Encoder, error) {
	e := &Encoder{}
	var err error
	// conv_in: RGB → ch.
	if e.ConvIn, err = nn.LoadConv2D(w.Sub("conv_in"), imageChannels, c.Channels, 3, 1, 1, true); err != nil {
		return nil, err
	}
	// Down levels: num_res_blocks blocks, widening to ch·mult[i] at the
	// first, then a Downsample except at the last level.
	in := c.Channels
	for i, m := range c.ChannelMult {
		lw := w.Sub("down").Index(i)
		var lv level
		out := c.Channels * m
		for j := range c.NumResBlocks {
			b, err := LoadResnetBlock(lw.Sub("block").Index(j), in, out)
			if err != nil {
				return nil, err
			}
			lv.Blocks = append(lv.Blocks, b)
			in = out
		}
		if i < len(c.ChannelMult)-1 {
			if lv.Down, err = LoadDownsample(lw.Sub("downsample"), in); err != nil {
				return nil, err
			}
		}
		e.Levels = append(e.Levels, lv)
	}
	// Middle, then norm_out → SiLU → conv_out to mean and log-variance.
	if e.Mid, err = loadMid(w.Sub("mid"), in); err != nil {
		return nil, err
	}
	if e.NormOut, err = nn.LoadGroupNorm(w.Sub("norm_out"), normGroups, in, normEps); err != nil {
		return nil, err
	}
	if e.ConvOut, err = nn.LoadConv2D(w.Sub("conv_out"), in, 2*c.ZChannels, 3, 1, 1, true); err != nil {
		return nil, err
	}
	return e, nil
}

// Forward maps img [N, 3, H, W] → moments [N, 2·z, H/f, W/f]. ctx is checked
// between levels.
func (e *Encoder) Forward(ctx context.Context, d compute.Device, img tensor.Tensor) (tensor.Tensor, error) {
	// conv_in.
	h, err := e.ConvIn.Forward(d, img)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("encoder conv_in: %w", err)
	}
	// Down.
	for i, lv := range e.Levels {
		if err := ctx.Err(); err != nil {
			nn.Free(d, h)
			return tensor.Tensor{}, err
		}
		steps := make([]func(compute.Device, tensor.Tensor) (tensor.Tensor, error), 0, len(lv.Blocks)+1)
		for _, b := range lv.Blocks {
			steps = append(steps, b.Forward)
		}
		if lv.Down != nil {
			steps = append(steps, lv.Down.Forward)
		}
		next, err := chain(d, h, steps...)
		nn.Free(d, h)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("encoder down.%d: %w", i, err)
		}
		h = next
	}
	if err := ctx.Err(); err != nil {
		nn.Free(d, h)
		return tensor.Tensor{}, err
	}
	// Middle.
	m, err := e.Mid.forward(d, h)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("encoder mid: %w", err)
	}
	// Out.
	n, err := e.NormOut.Forward(d, m, true)
	nn.Free(d, m)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("encoder norm_out: %w", err)
	}
	out, err := e.ConvOut.Forward(d, n)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("encoder conv_out: %w", err)
	}
	return out, nil
}
