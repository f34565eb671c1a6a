package vae

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// ResnetBlock is LDM's ResnetBlock without the time embedding (the
// autoencoder has none): norm1 → SiLU → conv1 → norm2 → SiLU → conv2, plus
// the input, through a 1×1 nin_shortcut when the width changes. Dropout is
// 0 at inference.
type ResnetBlock struct {
	Norm1, Norm2 *nn.GroupNorm
	Conv1, Conv2 *nn.Conv2D
	Shortcut     *nn.Conv2D // nil when in == out
}

// LoadResnetBlock reads a block scoped at "…block.N" (or "mid.block_1").
func LoadResnetBlock(w *nn.Weights, in, out int) (*ResnetBlock, error) {
	b := &ResnetBlock{}
	var err error
	if b.Norm1, err = nn.LoadGroupNorm(w.Sub("norm1"), normGroups, in, normEps); err != nil {
		return nil, err
	}
	if b.Conv1, err = nn.LoadConv2D(w.Sub("conv1"), in, out, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if b.Norm2, err = nn.LoadGroupNorm(w.Sub("norm2"), normGroups, out, normEps); err != nil {
		return nil, err
	}
	if b.Conv2, err = nn.LoadConv2D(w.Sub("conv2"), out, out, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if in != out {
		// LDM's use_conv_shortcut (a 3×3 conv_shortcut) is never set in the
		// released autoencoders; they all use the 1×1 nin_shortcut.
		if w.Has("conv_shortcut.weight") {
			return nil, fmt.Errorf("vae: %s: 3×3 conv_shortcut is not supported", w.Key("conv_shortcut.weight"))
		}
		if b.Shortcut, err = nn.LoadConv2D(w.Sub("nin_shortcut"), in, out, 1, 1, 0, true); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Forward maps x [N, in, H, W] → [N, out, H, W].
func (b *ResnetBlock) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return b.forward(d, x, false)
}

// ForwardConsuming is Forward for a caller that frees x right after and
// never reads it again: a block with a shortcut convolution takes the
// shortcut first and may then normalise x in place, so x and its normalised
// copy are not both held (at the decoder's 512² level that is 268 MB).
func (b *ResnetBlock) ForwardConsuming(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return b.forward(d, x, true)
}

func (b *ResnetBlock) forward(d compute.Device, x tensor.Tensor, consume bool) (tensor.Tensor, error) {
	// Consuming, the shortcut comes first so x can be overwritten; otherwise
	// it comes last, so it is not held through the two convolutions.
	consume = consume && b.Shortcut != nil
	var skip tensor.Tensor
	if consume {
		var err error
		if skip, err = b.Shortcut.Forward(d, x); err != nil {
			return tensor.Tensor{}, fmt.Errorf("resnet nin_shortcut: %w", err)
		}
		defer nn.Free(d, skip)
	}
	var h tensor.Tensor
	var err error
	if consume {
		h, err = b.Norm1.ForwardConsuming(d, x, true)
	} else {
		h, err = b.Norm1.Forward(d, x, true)
	}
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resnet norm1: %w", err)
	}
	h2, err := b.Conv1.Forward(d, h)
	if h.Buffer() != x.Buffer() {
		nn.Free(d, h)
	}
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resnet conv1: %w", err)
	}
	h, err = b.Norm2.ForwardConsuming(d, h2, true)
	if err != nil {
		nn.Free(d, h2)
		return tensor.Tensor{}, fmt.Errorf("resnet norm2: %w", err)
	}
	if h.Buffer() != h2.Buffer() {
		nn.Free(d, h2)
	}
	h2, err = b.Conv2.Forward(d, h)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resnet conv2: %w", err)
	}
	if !consume {
		skip = x
		if b.Shortcut != nil {
			if skip, err = b.Shortcut.Forward(d, x); err != nil {
				nn.Free(d, h2)
				return tensor.Tensor{}, fmt.Errorf("resnet nin_shortcut: %w", err)
			}
			defer nn.Free(d, skip)
		}
	}
	out, err := d.Add(skip, h2)
	nn.Free(d, h2)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resnet add: %w", err)
	}
	return out, nil
}
