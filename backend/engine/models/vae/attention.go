package vae

import (
	"fmt"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// AttnBlock is LDM's AttnBlock, the mid-level self-attention: one head over
// all H·W positions, q, k, v and proj_out being 1×1 convolutions, plus the
// input. A 1×1 convolution is a linear map over channels, so it runs as
// Linear on [N, H·W, C]; checkpoints converted from diffusers store the
// same weights as [C, C] linears, and both shapes load.
type AttnBlock struct {
	Norm             *nn.GroupNorm
	Q, K, V, ProjOut *nn.Linear
}

// LoadAttnBlock reads a block scoped at "…mid.attn_1".
func LoadAttnBlock(w *nn.Weights, ch int) (*AttnBlock, error) {
	a := &AttnBlock{}
	var err error
	if a.Norm, err = nn.LoadGroupNorm(w.Sub("norm"), normGroups, ch, normEps); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		dst  **nn.Linear
	}{{"q", &a.Q}, {"k", &a.K}, {"v", &a.V}, {"proj_out", &a.ProjOut}} {
		if *p.dst, err = loadPointwise(w.Sub(p.name), ch); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// loadPointwise reads a ch→ch 1×1 convolution or linear layer as a Linear.
func loadPointwise(w *nn.Weights, ch int) (*nn.Linear, error) {
	shape, ok := w.Shape("weight")
	if !ok || len(shape) != 4 {
		// Absent or linear-shaped: LoadLinear reports a missing key or a
		// wrong shape with the full name.
		return nn.LoadLinear(w, ch, ch, true)
	}
	wt, err := w.Tensor("weight", ch, ch, 1, 1)
	if err != nil {
		return nil, err
	}
	if wt, err = wt.Reshape(ch, ch); err != nil {
		return nil, fmt.Errorf("vae: %s: %w", w.Key("weight"), err)
	}
	l := &nn.Linear{Weight: wt}
	if err := w.TensorInto(&l.Bias, "bias", ch); err != nil {
		return nil, err
	}
	w.Register("weight", &l.Weight) // the [ch, ch] view of the [ch, ch, 1, 1] weight
	return l, nil
}

// Forward maps x [N, C, H, W] → [N, C, H, W].
func (a *AttnBlock) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	if x.Rank() != 4 {
		return tensor.Tensor{}, fmt.Errorf("attn: input %v: %w: want [N, C, H, W]", x.Shape(), tensor.ErrShape)
	}
	n, c, hgt, wid := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	// Normalise, then lay positions out as tokens: [N, C, H, W] → [N, H·W, C].
	h, err := a.Norm.Forward(d, x, false)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn norm: %w", err)
	}
	tok, err := d.Permute(h, 0, 2, 3, 1)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn permute: %w", err)
	}
	defer nn.Free(d, tok)
	// Projections, shaped [N, H·W, 1 head, C] for Attention.
	var qkv [3]tensor.Tensor
	defer func() { nn.Free(d, qkv[:]...) }()
	for i, l := range []*nn.Linear{a.Q, a.K, a.V} {
		t, err := tok.Reshape(n, hgt*wid, c)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("attn tokens: %w", err)
		}
		p, err := l.Forward(d, t, compute.ActNone)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("attn projection: %w", err)
		}
		if qkv[i], err = p.Reshape(n, hgt*wid, 1, c); err != nil {
			nn.Free(d, p)
			return tensor.Tensor{}, fmt.Errorf("attn projection: %w", err)
		}
	}
	// softmax(q·kᵀ/√C)·v: AttnBlock scales by int(c)**(-0.5).
	att, err := d.Attention(qkv[0], qkv[1], qkv[2], compute.AttentionParams{Scale: float32(1 / math.Sqrt(float64(c)))})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attention: %w", err)
	}
	if att, err = att.Reshape(n, hgt*wid, c); err != nil {
		return tensor.Tensor{}, fmt.Errorf("attention output: %w", err)
	}
	proj, err := a.ProjOut.Forward(d, att, compute.ActNone)
	nn.Free(d, att)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn proj_out: %w", err)
	}
	// Back to [N, C, H, W] and add the input.
	if proj, err = proj.Reshape(n, hgt, wid, c); err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn proj_out: %w", err)
	}
	img, err := d.Permute(proj, 0, 3, 1, 2)
	nn.Free(d, proj)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn permute back: %w", err)
	}
	out, err := d.Add(x, img)
	nn.Free(d, img)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn add: %w", err)
	}
	return out, nil
}
