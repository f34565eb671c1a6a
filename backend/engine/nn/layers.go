package nn

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Linear is torch.nn.Linear: y = x·Wᵀ + b.
type Linear struct {
	Weight tensor.Tensor // [out, in]
	Bias   tensor.Tensor // [out], or zero when the layer has none
}

// LoadLinear reads "weight" [out, in] and, when bias is set, "bias" [out]
// from w, which is scoped at the layer ("…attn1.to_q"). Like every LoadX, on
// an error it frees what it had loaded, so a failed model load leaves no
// device memory behind.
func LoadLinear(w *Weights, in, out int, bias bool) (*Linear, error) {
	l := &Linear{}
	var err error
	if l.Weight, err = w.Tensor("weight", out, in); err != nil {
		return nil, err
	}
	if bias {
		if l.Bias, err = w.Tensor("bias", out); err != nil {
			Free(w.Device(), l.Weight)
			return nil, err
		}
		w.Register("bias", &l.Bias)
	}
	w.Register("weight", &l.Weight)
	return l, nil
}

// Free releases the layer's weights.
func (l *Linear) Free(d compute.Device) { Free(d, l.Weight, l.Bias) }

// Forward is act(x·Wᵀ + b) for x [..., in] → [..., out].
func (l *Linear) Forward(d compute.Device, x tensor.Tensor, act compute.Activation) (tensor.Tensor, error) {
	return d.Linear(x, l.Weight, l.Bias, act)
}

// Conv2D is torch.nn.Conv2d with a square kernel.
type Conv2D struct {
	Weight tensor.Tensor // [out, in, k, k]
	Bias   tensor.Tensor // [out], or zero
	Params compute.Conv2DParams
}

// LoadConv2D reads "weight" [out, in, kernel, kernel] and optionally "bias"
// [out] from w, scoped at the layer.
func LoadConv2D(w *Weights, in, out, kernel, stride, padding int, bias bool) (*Conv2D, error) {
	c := &Conv2D{Params: compute.Conv2DParams{Stride: stride, Padding: padding}}
	var err error
	if c.Weight, err = w.Tensor("weight", out, in, kernel, kernel); err != nil {
		return nil, err
	}
	if bias {
		if c.Bias, err = w.Tensor("bias", out); err != nil {
			Free(w.Device(), c.Weight)
			return nil, err
		}
		w.Register("bias", &c.Bias)
	}
	w.Register("weight", &c.Weight)
	return c, nil
}

// Free releases the layer's weights.
func (c *Conv2D) Free(d compute.Device) { Free(d, c.Weight, c.Bias) }

// Forward convolves x [N, in, H, W] → [N, out, H', W'].
func (c *Conv2D) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return d.Conv2D(x, c.Weight, c.Bias, c.Params)
}

// ForwardUpsampled is Forward on the nearest ×2 upsampling of x (the
// upsampler of UNets and VAE decoders), through the device's fused form
// when it has one (compute.UpsampleConv), so the upsampled copy need not
// exist.
func (c *Conv2D) ForwardUpsampled(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	if uc, ok := d.(compute.UpsampleConv); ok {
		out, err := uc.Upsample2xConv2D(x, c.Weight, c.Bias, c.Params)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("upsample conv: %w", err)
		}
		return out, nil
	}
	up, err := d.Upsample2x(x)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("upsample: %w", err)
	}
	out, err := c.Forward(d, up)
	Free(d, up)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("upsample conv: %w", err)
	}
	return out, nil
}

// GroupNorm is torch.nn.GroupNorm with an affine transform.
type GroupNorm struct {
	Gamma, Beta tensor.Tensor // [C]
	Groups      int
	Eps         float32
}

// LoadGroupNorm reads "weight" and "bias" [channels] from w; channels must
// divide into groups.
func LoadGroupNorm(w *Weights, groups, channels int, eps float32) (*GroupNorm, error) {
	if groups <= 0 || channels%groups != 0 {
		return nil, fmt.Errorf("nn: %s: %d channels in %d groups: %w", w.Key("weight"), channels, groups, tensor.ErrShape)
	}
	g := &GroupNorm{Groups: groups, Eps: eps}
	var err error
	if g.Gamma, err = w.Tensor("weight", channels); err != nil {
		return nil, err
	}
	if g.Beta, err = w.Tensor("bias", channels); err != nil {
		Free(w.Device(), g.Gamma)
		return nil, err
	}
	w.Register("weight", &g.Gamma)
	w.Register("bias", &g.Beta)
	return g, nil
}

// Free releases the layer's weights.
func (g *GroupNorm) Free(d compute.Device) { Free(d, g.Gamma, g.Beta) }

// Forward normalises x [N, C, ...], then applies SiLU when silu is set (the
// fused norm → SiLU of ResNet blocks).
func (g *GroupNorm) Forward(d compute.Device, x tensor.Tensor, silu bool) (tensor.Tensor, error) {
	return d.GroupNorm(x, g.Gamma, g.Beta, g.Groups, g.Eps, silu)
}

// ForwardConsuming is Forward for a caller that no longer needs x: on a
// device that can (compute.InPlaceGroupNorm) and an F32 x, the result is
// written over x and returned as x itself; otherwise a new tensor comes
// back and x is untouched. Either way the caller frees x (when the result
// is not x) and the result as it would after Forward.
func (g *GroupNorm) ForwardConsuming(d compute.Device, x tensor.Tensor, silu bool) (tensor.Tensor, error) {
	if ip, ok := d.(compute.InPlaceGroupNorm); ok && x.DType() == tensor.F32 {
		if err := ip.GroupNormInPlace(x, g.Gamma, g.Beta, g.Groups, g.Eps, silu); err != nil {
			return tensor.Tensor{}, err
		}
		return x, nil
	}
	return g.Forward(d, x, silu)
}

// LayerNorm is torch.nn.LayerNorm over the last dimension.
type LayerNorm struct {
	Gamma, Beta tensor.Tensor // [D]
	Eps         float32
}

// LoadLayerNorm reads "weight" and "bias" [dim] from w.
func LoadLayerNorm(w *Weights, dim int, eps float32) (*LayerNorm, error) {
	l := &LayerNorm{Eps: eps}
	var err error
	if l.Gamma, err = w.Tensor("weight", dim); err != nil {
		return nil, err
	}
	if l.Beta, err = w.Tensor("bias", dim); err != nil {
		Free(w.Device(), l.Gamma)
		return nil, err
	}
	w.Register("weight", &l.Gamma)
	w.Register("bias", &l.Beta)
	return l, nil
}

// Free releases the layer's weights.
func (l *LayerNorm) Free(d compute.Device) { Free(d, l.Gamma, l.Beta) }

// Forward normalises x [..., D] over its last dimension.
func (l *LayerNorm) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return d.LayerNorm(x, l.Gamma, l.Beta, l.Eps)
}

// Embedding is torch.nn.Embedding: a lookup table of row vectors.
type Embedding struct {
	Table tensor.Tensor // [vocab, dim]
}

// LoadEmbedding reads "weight" [vocab, dim] from w.
func LoadEmbedding(w *Weights, vocab, dim int) (*Embedding, error) {
	t, err := w.Tensor("weight", vocab, dim)
	if err != nil {
		return nil, err
	}
	e := &Embedding{Table: t}
	w.Register("weight", &e.Table)
	return e, nil
}

// Free releases the table.
func (e *Embedding) Free(d compute.Device) { Free(d, e.Table) }

// Forward gathers the rows for ids → [len(ids), dim]. An id outside the
// vocabulary is an error (token ids come from outside: a tokenizer or a
// textual-inversion file).
func (e *Embedding) Forward(d compute.Device, ids []int) (tensor.Tensor, error) {
	vocab := e.Table.Dim(0)
	for i, id := range ids {
		if id < 0 || id >= vocab {
			return tensor.Tensor{}, fmt.Errorf("nn: embedding: id %d at position %d outside vocabulary of %d", id, i, vocab)
		}
	}
	return d.Embedding(e.Table, ids)
}

// Free releases intermediates now rather than when the garbage collector
// finds them, so memory stays bounded on devices whose buffers the collector
// cannot see (CUDA). Zero tensors are skipped. Errors are ignored: a free
// that fails (a tensor already freed, another device's tensor) leaves
// nothing to clean up and must not mask the caller's real result.
func Free(d compute.Device, ts ...tensor.Tensor) {
	for _, t := range ts {
		if !t.IsZero() {
			_ = d.Free(t)
		}
	}
}
