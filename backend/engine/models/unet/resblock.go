package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// ResBlock is openaimodel.ResBlock as Stable Diffusion uses it (no
// scale-shift norm, no up/down sampling inside; He et al. 2016 residual
// learning with the time conditioning of Ho et al. 2020):
//
//	h = conv(SiLU(GroupNorm(x)))                         in_layers.0, .2
//	h = h + linear(SiLU(emb))[:, :, None, None]          emb_layers.1
//	h = conv(dropout(SiLU(GroupNorm(h))))                out_layers.0, .3
//	out = skip(x) + h                                    skip_connection
//
// skip is the identity when the width is kept and a 1×1 conv otherwise.
type ResBlock struct {
	InNorm  *nn.GroupNorm
	InConv  *nn.Conv2D
	Emb     *nn.Linear
	OutNorm *nn.GroupNorm
	OutConv *nn.Conv2D
	Skip    *nn.Conv2D // nil: identity
}

// LoadResBlock reads a ResBlock turning in channels into out, conditioned
// on a time embedding of width embDim.
func LoadResBlock(w *nn.Weights, in, out, embDim int) (*ResBlock, error) {
	r := &ResBlock{}
	var err error
	if r.InNorm, err = nn.LoadGroupNorm(w.Sub("in_layers").Index(0), normGroups, in, resNormEps); err != nil {
		return nil, err
	}
	if r.InConv, err = nn.LoadConv2D(w.Sub("in_layers").Index(2), in, out, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if r.Emb, err = nn.LoadLinear(w.Sub("emb_layers").Index(1), embDim, out, true); err != nil {
		return nil, err
	}
	if r.OutNorm, err = nn.LoadGroupNorm(w.Sub("out_layers").Index(0), normGroups, out, resNormEps); err != nil {
		return nil, err
	}
	if r.OutConv, err = nn.LoadConv2D(w.Sub("out_layers").Index(3), out, out, 3, 1, 1, true); err != nil {
		return nil, err
	}
	if in != out {
		if r.Skip, err = nn.LoadConv2D(w.Sub("skip_connection"), in, out, 1, 1, 0, true); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Forward maps x [B, in, H, W] and emb [B, embDim] to [B, out, H, W].
func (r *ResBlock) Forward(d compute.Device, x, emb tensor.Tensor) (tensor.Tensor, error) {
	// in_layers: GroupNorm+SiLU (fused) → conv 3×3.
	n, err := r.InNorm.Forward(d, x, true)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock in norm: %w", err)
	}
	h, err := r.InConv.Forward(d, n)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock in conv: %w", err)
	}

	// emb_layers: SiLU → linear, broadcast over the spatial dims.
	se, err := d.Activate(emb, compute.ActSiLU)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock emb silu: %w", err)
	}
	e, err := r.Emb.Forward(d, se, compute.ActNone)
	nn.Free(d, se)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock emb: %w", err)
	}
	e4, err := e.Reshape(e.Dim(0), e.Dim(1), 1, 1)
	if err != nil {
		return tensor.Tensor{}, err
	}
	he, err := d.Add(h, e4)
	nn.Free(d, h, e)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock add emb: %w", err)
	}

	// out_layers: GroupNorm+SiLU → dropout (identity at inference) → conv.
	n, err = r.OutNorm.Forward(d, he, true)
	nn.Free(d, he)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock out norm: %w", err)
	}
	h, err = r.OutConv.Forward(d, n)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock out conv: %w", err)
	}

	// skip_connection + h.
	skip := x
	if r.Skip != nil {
		if skip, err = r.Skip.Forward(d, x); err != nil {
			return tensor.Tensor{}, fmt.Errorf("resblock skip: %w", err)
		}
		defer nn.Free(d, skip)
	}
	out, err := d.Add(skip, h)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("resblock residual: %w", err)
	}
	return out, nil
}
