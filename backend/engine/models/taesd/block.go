package taesd

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Architecture constants of taesd.py that shapes cannot tell.
const (
	// poolGroups: the FLUX.2 Block's pool normalises with GroupNorm(4, ·).
	poolGroups = 4
	// normEps is torch.nn.GroupNorm's default eps.
	normEps = 1e-5
	// latentClamp: the decoder starts with Clamp, 3·tanh(x/3), which keeps
	// out-of-range latents (early sampling steps) from blowing up.
	latentClamp = 3
	// imageChannels: the models take and give RGB.
	imageChannels = 3
)

// Block is taesd.py's Block: out = ReLU(conv(x) + skip(x)), conv being
// conv3×3 → ReLU → conv3×3 → ReLU → conv3×3 and skip a bias-free 1×1
// convolution when the width changes (identity otherwise). FLUX.2's blocks
// at latent resolution first add x = x + pool(x).
type Block struct {
	Conv [3]*nn.Conv2D // Sequential indices 0, 2, 4 (1 and 3 are ReLUs)
	Skip *nn.Conv2D    // nil: identity
	Pool *Pool         // nil: no pool (every SD-variant block)
}

// Pool is the FLUX.2 Block's channel mixer: conv1×1 (no bias) widening,
// GroupNorm, ReLU, conv1×1 (no bias) back.
type Pool struct {
	Expand  *nn.Conv2D // pool.0
	Norm    *nn.GroupNorm
	Project *nn.Conv2D // pool.3
}

// loadBlock reads a Block scoped at its Sequential index; its widths come
// from conv.0's shape.
func loadBlock(w *nn.Weights) (*Block, int, int, error) {
	s, _ := w.Shape("conv.0.weight")
	if len(s) != 4 {
		return nil, 0, 0, fmt.Errorf("taesd: %s: %w: shape %v, want [out in 3 3]", w.Key("conv.0.weight"), tensor.ErrShape, s)
	}
	out, in := s[0], s[1]
	b := &Block{}
	var err error
	for i, idx := range []int{0, 2, 4} {
		cin := out
		if i == 0 {
			cin = in
		}
		if b.Conv[i], err = nn.LoadConv2D(w.Sub("conv").Index(idx), cin, out, 3, 1, 1, true); err != nil {
			return nil, 0, 0, err
		}
	}
	if in != out || w.Has("skip.weight") {
		if b.Skip, err = nn.LoadConv2D(w.Sub("skip"), in, out, 1, 1, 0, false); err != nil {
			return nil, 0, 0, err
		}
	}
	if w.Has("pool.0.weight") {
		if b.Pool, err = loadPool(w.Sub("pool"), in); err != nil {
			return nil, 0, 0, err
		}
	}
	return b, in, out, nil
}

func loadPool(w *nn.Weights, ch int) (*Pool, error) {
	s, _ := w.Shape("0.weight")
	if len(s) != 4 || s[0] <= 0 {
		return nil, fmt.Errorf("taesd: %s: %w: shape %v, want [hidden %d 1 1]", w.Key("0.weight"), tensor.ErrShape, s, ch)
	}
	hidden := s[0]
	p := &Pool{}
	var err error
	if p.Expand, err = nn.LoadConv2D(w.Index(0), ch, hidden, 1, 1, 0, false); err != nil {
		return nil, err
	}
	if p.Norm, err = nn.LoadGroupNorm(w.Index(1), poolGroups, hidden, normEps); err != nil {
		return nil, err
	}
	if p.Project, err = nn.LoadConv2D(w.Index(3), hidden, ch, 1, 1, 0, false); err != nil {
		return nil, err
	}
	return p, nil
}

// Forward maps x [N, in, H, W] → [N, out, H, W].
func (b *Block) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	// Pool: x = x + pool(x).
	if b.Pool != nil {
		p, err := b.Pool.Forward(d, x)
		if err != nil {
			return tensor.Tensor{}, err
		}
		sum, err := d.Add(x, p)
		nn.Free(d, p)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("block pool add: %w", err)
		}
		defer nn.Free(d, sum)
		x = sum
	}
	// conv: three 3×3 convolutions with ReLUs between.
	h := x
	for i, c := range b.Conv {
		next, err := c.Forward(d, h)
		if i > 0 {
			nn.Free(d, h)
		}
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("block conv.%d: %w", 2*i, err)
		}
		h = next
		if i < len(b.Conv)-1 {
			r, err := d.Activate(h, compute.ActReLU)
			nn.Free(d, h)
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("block relu: %w", err)
			}
			h = r
		}
	}
	// skip, fuse: ReLU(conv(x) + skip(x)).
	skip := x
	if b.Skip != nil {
		s, err := b.Skip.Forward(d, x)
		if err != nil {
			nn.Free(d, h)
			return tensor.Tensor{}, fmt.Errorf("block skip: %w", err)
		}
		defer nn.Free(d, s)
		skip = s
	}
	sum, err := d.Add(h, skip)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block add: %w", err)
	}
	out, err := d.Activate(sum, compute.ActReLU)
	nn.Free(d, sum)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block fuse: %w", err)
	}
	return out, nil
}

// Forward is conv → GroupNorm → ReLU → conv on x [N, C, H, W].
func (p *Pool) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	e, err := p.Expand.Forward(d, x)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block pool.0: %w", err)
	}
	n, err := p.Norm.Forward(d, e, false)
	nn.Free(d, e)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block pool.1: %w", err)
	}
	r, err := d.Activate(n, compute.ActReLU)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block pool.2: %w", err)
	}
	out, err := p.Project.Forward(d, r)
	nn.Free(d, r)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("block pool.3: %w", err)
	}
	return out, nil
}
