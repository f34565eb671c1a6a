package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Downsample halves the resolution with a strided 3×3 conv (openaimodel
// Downsample with use_conv=True; key "op").
type Downsample struct {
	Conv *nn.Conv2D
}

// LoadDownsample reads a Downsample keeping ch channels.
func LoadDownsample(w *nn.Weights, ch int) (*Downsample, error) {
	c, err := nn.LoadConv2D(w.Sub("op"), ch, ch, 3, 2, 1, true)
	if err != nil {
		return nil, err
	}
	return &Downsample{Conv: c}, nil
}

// Forward maps [B, C, H, W] to [B, C, ⌈H/2⌉, ⌈W/2⌉].
func (s *Downsample) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	out, err := s.Conv.Forward(d, x)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("downsample: %w", err)
	}
	return out, nil
}

// Upsample doubles the resolution: nearest-neighbour ×2, then a 3×3 conv
// (openaimodel Upsample with use_conv=True; key "conv").
type Upsample struct {
	Conv *nn.Conv2D
}

// LoadUpsample reads an Upsample keeping ch channels.
func LoadUpsample(w *nn.Weights, ch int) (*Upsample, error) {
	c, err := nn.LoadConv2D(w.Sub("conv"), ch, ch, 3, 1, 1, true)
	if err != nil {
		return nil, err
	}
	return &Upsample{Conv: c}, nil
}

// Forward maps [B, C, H, W] to [B, C, 2H, 2W].
func (s *Upsample) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return s.Conv.ForwardUpsampled(d, x)
}
