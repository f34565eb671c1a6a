package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// BasicTransformerBlock is LDM attention.py's BasicTransformerBlock, a
// pre-norm transformer layer (Vaswani et al. 2017) with cross-attention:
//
//	x = attn1(norm1(x)) + x            self-attention
//	x = attn2(norm2(x), context) + x   cross-attention to the text
//	x = ff(norm3(x)) + x               GEGLU feed-forward
type BasicTransformerBlock struct {
	Norm1, Norm2, Norm3 *nn.LayerNorm
	Attn1, Attn2        *CrossAttention
	FF                  *FeedForward
}

// LoadBasicTransformerBlock reads transformer_blocks.N for token width dim
// split into heads of headDim, attending to a context of width contextDim.
func LoadBasicTransformerBlock(w *nn.Weights, dim, contextDim, heads, headDim int) (*BasicTransformerBlock, error) {
	b := &BasicTransformerBlock{}
	var err error
	if b.Attn1, err = LoadCrossAttention(w.Sub("attn1"), dim, dim, heads, headDim); err != nil {
		return nil, err
	}
	if b.FF, err = LoadFeedForward(w.Sub("ff"), dim); err != nil {
		return nil, err
	}
	if b.Attn2, err = LoadCrossAttention(w.Sub("attn2"), dim, contextDim, heads, headDim); err != nil {
		return nil, err
	}
	for _, n := range []struct {
		name string
		dst  **nn.LayerNorm
	}{{"norm1", &b.Norm1}, {"norm2", &b.Norm2}, {"norm3", &b.Norm3}} {
		if *n.dst, err = nn.LoadLayerNorm(w.Sub(n.name), dim, layerNormEps); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Forward maps tokens x [B, N, dim] and context [B, M, contextDim] to
// [B, N, dim].
func (b *BasicTransformerBlock) Forward(d compute.Device, x, context tensor.Tensor) (tensor.Tensor, error) {
	// Self-attention.
	h, err := residual(d, b.Norm1, x, func(n tensor.Tensor) (tensor.Tensor, error) {
		return b.Attn1.Forward(d, n, tensor.Tensor{})
	})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn1: %w", err)
	}

	// Cross-attention to the context.
	h2, err := residual(d, b.Norm2, h, func(n tensor.Tensor) (tensor.Tensor, error) {
		return b.Attn2.Forward(d, n, context)
	})
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("attn2: %w", err)
	}

	// Feed-forward.
	out, err := residual(d, b.Norm3, h2, func(n tensor.Tensor) (tensor.Tensor, error) {
		return b.FF.Forward(d, n)
	})
	nn.Free(d, h2)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("ff: %w", err)
	}
	return out, nil
}

// residual is the pre-norm sub-layer: f(norm(x)) + x.
func residual(d compute.Device, norm *nn.LayerNorm, x tensor.Tensor, f func(tensor.Tensor) (tensor.Tensor, error)) (tensor.Tensor, error) {
	n, err := norm.Forward(d, x)
	if err != nil {
		return tensor.Tensor{}, err
	}
	y, err := f(n)
	nn.Free(d, n)
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, err := d.Add(y, x)
	nn.Free(d, y)
	return out, err
}

// SpatialTransformer is LDM attention.py's SpatialTransformer: it turns a
// feature map into tokens, runs transformer blocks over them and adds the
// result back:
//
//	h = GroupNorm(x)                                 norm
//	h = proj_in(h)      (1×1 conv before, or linear after, flattening)
//	h = blocks(h [B, H·W, C], context)               transformer_blocks.N
//	h = proj_out(h)     (linear before, or 1×1 conv after, unflattening)
//	out = h + x
//
// SD 1.x projects with 1×1 convs, SD 2.x and SDXL with linear layers
// (use_linear_in_transformer).
type SpatialTransformer struct {
	Norm          *nn.GroupNorm
	ProjInConv    *nn.Conv2D // exactly one of ProjInConv and ProjInLinear
	ProjInLinear  *nn.Linear
	Blocks        []*BasicTransformerBlock
	ProjOutConv   *nn.Conv2D // matches proj_in's kind
	ProjOutLinear *nn.Linear
}

// LoadSpatialTransformer reads a SpatialTransformer over ch channels with
// depth blocks. Its inner width is ch, split into heads as cfg says.
func LoadSpatialTransformer(w *nn.Weights, ch, depth, contextDim, heads, headDim int, linear bool) (*SpatialTransformer, error) {
	if depth <= 0 {
		return nil, fmt.Errorf("spatial transformer %s: depth %d", w.Prefix(), depth)
	}
	if heads*headDim != ch {
		return nil, fmt.Errorf("spatial transformer %s: %d heads of %d do not make %d channels", w.Prefix(), heads, headDim, ch)
	}
	s := &SpatialTransformer{}
	var err error
	if s.Norm, err = nn.LoadGroupNorm(w.Sub("norm"), normGroups, ch, attnNormEps); err != nil {
		return nil, err
	}
	if linear {
		if s.ProjInLinear, err = nn.LoadLinear(w.Sub("proj_in"), ch, ch, true); err != nil {
			return nil, err
		}
		if s.ProjOutLinear, err = nn.LoadLinear(w.Sub("proj_out"), ch, ch, true); err != nil {
			return nil, err
		}
	} else {
		if s.ProjInConv, err = nn.LoadConv2D(w.Sub("proj_in"), ch, ch, 1, 1, 0, true); err != nil {
			return nil, err
		}
		if s.ProjOutConv, err = nn.LoadConv2D(w.Sub("proj_out"), ch, ch, 1, 1, 0, true); err != nil {
			return nil, err
		}
	}
	bw := w.Sub("transformer_blocks")
	for i := range depth {
		b, err := LoadBasicTransformerBlock(bw.Index(i), ch, contextDim, heads, headDim)
		if err != nil {
			return nil, err
		}
		s.Blocks = append(s.Blocks, b)
	}
	return s, nil
}

// Forward maps x [B, C, H, W] and context [B, M, contextDim] to
// [B, C, H, W].
func (s *SpatialTransformer) Forward(d compute.Device, x, context tensor.Tensor) (tensor.Tensor, error) {
	if x.Rank() != 4 {
		return tensor.Tensor{}, fmt.Errorf("spatial transformer x %v: %w: want [B, C, H, W]", x.Shape(), tensor.ErrShape)
	}
	b, c, hh, ww := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)

	// norm, then proj_in as a 1×1 conv while still a feature map.
	h, err := s.Norm.Forward(d, x, false)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("spatial transformer norm: %w", err)
	}
	if s.ProjInConv != nil {
		h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return s.ProjInConv.Forward(d, t) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("spatial transformer proj_in: %w", err)
		}
	}

	// [B, C, H, W] → tokens [B, H·W, C], then proj_in as a linear layer.
	h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return d.Permute(t, 0, 2, 3, 1) })
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("spatial transformer to tokens: %w", err)
	}
	if h, err = h.Reshape(b, hh*ww, c); err != nil {
		return tensor.Tensor{}, err
	}
	if s.ProjInLinear != nil {
		h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return s.ProjInLinear.Forward(d, t, compute.ActNone) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("spatial transformer proj_in: %w", err)
		}
	}

	// Transformer blocks.
	for i, blk := range s.Blocks {
		h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return blk.Forward(d, t, context) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("transformer block %d: %w", i, err)
		}
	}

	// proj_out (linear), tokens → [B, C, H, W], proj_out (conv).
	if s.ProjOutLinear != nil {
		h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return s.ProjOutLinear.Forward(d, t, compute.ActNone) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("spatial transformer proj_out: %w", err)
		}
	}
	if h, err = h.Reshape(b, hh, ww, c); err != nil {
		return tensor.Tensor{}, err
	}
	h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return d.Permute(t, 0, 3, 1, 2) })
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("spatial transformer from tokens: %w", err)
	}
	if s.ProjOutConv != nil {
		h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return s.ProjOutConv.Forward(d, t) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("spatial transformer proj_out: %w", err)
		}
	}

	// Residual.
	return consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return d.Add(t, x) })
}

// consume applies f to t and frees t: one stage of a chain whose
// intermediate the next stage replaces.
func consume(d compute.Device, t tensor.Tensor, f func(tensor.Tensor) (tensor.Tensor, error)) (tensor.Tensor, error) {
	out, err := f(t)
	nn.Free(d, t)
	return out, err
}
