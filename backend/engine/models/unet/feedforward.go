package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// FeedForward is the transformer block's MLP with a GEGLU gate (Shazeer
// 2020, "GLU Variants Improve Transformer"; LDM attention.py FeedForward
// with glu=True): ff.net.0.proj widens to 2·inner, the halves are a value
// and a gate, value·GELU(gate) goes through ff.net.2 back to the width.
type FeedForward struct {
	Proj *nn.Linear // ff.net.0.proj: [2·inner, dim]
	Out  *nn.Linear // ff.net.2: [dim, inner] (ff.net.1 is dropout)
}

// LoadFeedForward reads ff.net.* for token width dim, inner width
// dim·ffMult.
func LoadFeedForward(w *nn.Weights, dim int) (*FeedForward, error) {
	inner := dim * ffMult
	proj, err := nn.LoadLinear(w.Sub("net").Index(0).Sub("proj"), dim, 2*inner, true)
	if err != nil {
		return nil, err
	}
	out, err := nn.LoadLinear(w.Sub("net").Index(2), inner, dim, true)
	if err != nil {
		return nil, err
	}
	return &FeedForward{Proj: proj, Out: out}, nil
}

// Forward maps x [..., dim] to [..., dim].
func (f *FeedForward) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	// GEGLU: x, gate = proj(x).chunk(2, dim=-1); x · gelu(gate).
	p, err := f.Proj.Forward(d, x, compute.ActNone)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("geglu proj: %w", err)
	}
	halves, err := compute.Chunk(d, p, 2, -1)
	nn.Free(d, p)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("geglu: %w", err)
	}
	value, gate := halves[0], halves[1]
	g, err := d.Activate(gate, compute.ActGELU)
	nn.Free(d, gate)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("geglu gelu: %w", err)
	}
	h, err := d.Mul(value, g)
	nn.Free(d, value, g)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("geglu gate: %w", err)
	}

	// Back to the token width.
	out, err := f.Out.Forward(d, h, compute.ActNone)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("feed-forward out: %w", err)
	}
	return out, nil
}
