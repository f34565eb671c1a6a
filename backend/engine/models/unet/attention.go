package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// CrossAttention is LDM's multi-head attention (attention.py
// CrossAttention, after Vaswani et al. 2017): queries from the image
// tokens, keys and values from a context (the text embeddings) or, for
// self-attention, from the tokens themselves.
type CrossAttention struct {
	ToQ, ToK, ToV *nn.Linear // no bias
	ToOut         *nn.Linear // to_out.0, with bias (to_out.1 is dropout)
	Heads         int
	HeadDim       int
}

// LoadCrossAttention reads attn1 or attn2 of a transformer block:
// queryDim is the token width, contextDim the context's (queryDim for
// self-attention), and the inner width is heads·headDim.
func LoadCrossAttention(w *nn.Weights, queryDim, contextDim, heads, headDim int) (*CrossAttention, error) {
	if heads <= 0 || headDim <= 0 {
		return nil, fmt.Errorf("cross-attention %s: %d heads of %d", w.Prefix(), heads, headDim)
	}
	inner := heads * headDim
	a := &CrossAttention{Heads: heads, HeadDim: headDim}
	var err error
	if a.ToQ, err = nn.LoadLinear(w.Sub("to_q"), queryDim, inner, false); err != nil {
		return nil, err
	}
	if a.ToK, err = nn.LoadLinear(w.Sub("to_k"), contextDim, inner, false); err != nil {
		return nil, err
	}
	if a.ToV, err = nn.LoadLinear(w.Sub("to_v"), contextDim, inner, false); err != nil {
		return nil, err
	}
	if a.ToOut, err = nn.LoadLinear(w.Sub("to_out").Index(0), inner, queryDim, true); err != nil {
		return nil, err
	}
	return a, nil
}

// Forward attends x [B, N, queryDim] to context [B, M, contextDim]; a
// zero context means self-attention (context = x). Scale is 1/√headDim.
func (a *CrossAttention) Forward(d compute.Device, x, context tensor.Tensor) (tensor.Tensor, error) {
	if context.IsZero() {
		context = x
	}
	if x.Rank() != 3 || context.Rank() != 3 || context.Dim(0) != x.Dim(0) {
		return tensor.Tensor{}, fmt.Errorf("cross-attention x %v context %v: %w: want [B, N, C] and [B, M, Cctx]", x.Shape(), context.Shape(), tensor.ErrShape)
	}
	b, n, m := x.Dim(0), x.Dim(1), context.Dim(1)

	// Projections, viewed as heads without a transpose: [B, N, H·D] is
	// [B, N, H, D], the layout Device.Attention takes.
	q, err := a.project(d, a.ToQ, x, b, n)
	if err != nil {
		return tensor.Tensor{}, err
	}
	k, err := a.project(d, a.ToK, context, b, m)
	if err != nil {
		return tensor.Tensor{}, err
	}
	v, err := a.project(d, a.ToV, context, b, m)
	if err != nil {
		return tensor.Tensor{}, err
	}

	// softmax(q·kᵀ/√D)·v per head.
	o, err := d.Attention(q, k, v, compute.AttentionParams{})
	nn.Free(d, q, k, v)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("cross-attention: %w", err)
	}

	// Merge heads and project out.
	merged, err := o.Reshape(b, n, a.Heads*a.HeadDim)
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, err := a.ToOut.Forward(d, merged, compute.ActNone)
	nn.Free(d, o)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("cross-attention out: %w", err)
	}
	return out, nil
}

// project applies a bias-free projection and splits its output into heads.
func (a *CrossAttention) project(d compute.Device, l *nn.Linear, x tensor.Tensor, b, n int) (tensor.Tensor, error) {
	p, err := l.Forward(d, x, compute.ActNone)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("cross-attention projection: %w", err)
	}
	return p.Reshape(b, n, a.Heads, a.HeadDim)
}
