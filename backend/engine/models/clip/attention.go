package clip

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Attention is the text transformer's causal multi-head self-attention
// (Vaswani et al. 2017 §3.2; CLIPAttention, torch.nn.MultiheadAttention in
// open_clip). Token i attends to tokens 0…i only, as in GPT-2 (CLIP §2.4).
//
// The q/k/v projections are either one fused [3W, W] layer (open_clip's
// in_proj_weight, whose rows are q, then k, then v) or three separate
// layers (transformers' q_proj, k_proj, v_proj). The fused form is kept
// fused and its output split, so half-precision weights stay half and one
// GEMM does the work of three.
type Attention struct {
	QKV     *nn.Linear // fused [3W, W]; nil when Q, K, V are separate
	Q, K, V *nn.Linear // [W, W] each; nil when fused
	Out     *nn.Linear // [W, W]
	Heads   int
}

// LoadAttention reads self_attn.* from w (scoped at the layer): the fused
// in_proj_weight/in_proj_bias when present, else q_proj, k_proj, v_proj.
func LoadAttention(w *nn.Weights, width, heads int) (*Attention, error) {
	if heads <= 0 || width%heads != 0 {
		return nil, fmt.Errorf("clip: attention width %d with %d heads: %w", width, heads, tensor.ErrShape)
	}
	w = w.Sub("self_attn")
	a := &Attention{Heads: heads}
	if err := a.load(w, width); err != nil {
		a.Free(w.Device())
		return nil, err
	}
	return a, nil
}

func (a *Attention) load(w *nn.Weights, width int) error {
	var err error
	if w.Has("in_proj_weight") {
		a.QKV = &nn.Linear{}
		if err = w.TensorInto(&a.QKV.Weight, "in_proj_weight", 3*width, width); err != nil {
			return err
		}
		if err = w.TensorInto(&a.QKV.Bias, "in_proj_bias", 3*width); err != nil {
			return err
		}
	} else {
		for _, p := range []struct {
			name string
			dst  **nn.Linear
		}{{"q_proj", &a.Q}, {"k_proj", &a.K}, {"v_proj", &a.V}} {
			if *p.dst, err = nn.LoadLinear(w.Sub(p.name), width, width, true); err != nil {
				return err
			}
		}
	}
	a.Out, err = nn.LoadLinear(w.Sub("out_proj"), width, width, true)
	return err
}

// Free releases the projections (nil-safe, for a partial load).
func (a *Attention) Free(d compute.Device) {
	if a == nil {
		return
	}
	for _, l := range []*nn.Linear{a.QKV, a.Q, a.K, a.V, a.Out} {
		if l != nil {
			l.Free(d)
		}
	}
}

// Forward is out_proj(softmax(q·kᵀ/√d + causal mask)·v) for x [B, N, W].
func (a *Attention) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	if x.Rank() != 3 {
		return tensor.Tensor{}, fmt.Errorf("clip: attention input %v: %w: want [B, N, W]", x.Shape(), tensor.ErrShape)
	}
	b, n, width := x.Dim(0), x.Dim(1), x.Dim(2)

	// Projections q, k, v [B, N, W].
	q, k, v, err := a.project(d, x)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer nn.Free(d, q, k, v)

	// Heads: [B, N, W] is [B, N, H, D] without moving data.
	hd := width / a.Heads
	if q, err = q.Reshape(b, n, a.Heads, hd); err != nil {
		return tensor.Tensor{}, err
	}
	if k, err = k.Reshape(b, n, a.Heads, hd); err != nil {
		return tensor.Tensor{}, err
	}
	if v, err = v.Reshape(b, n, a.Heads, hd); err != nil {
		return tensor.Tensor{}, err
	}

	// Scaled dot-product attention with the causal mask.
	o, err := d.Attention(q, k, v, compute.AttentionParams{Causal: true})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: attention: %w", err)
	}
	defer nn.Free(d, o)
	if o, err = o.Reshape(b, n, width); err != nil {
		return tensor.Tensor{}, err
	}

	// Output projection.
	return a.Out.Forward(d, o, compute.ActNone)
}

func (a *Attention) project(d compute.Device, x tensor.Tensor) (q, k, v tensor.Tensor, err error) {
	if a.QKV == nil {
		if q, err = a.Q.Forward(d, x, compute.ActNone); err != nil {
			return
		}
		if k, err = a.K.Forward(d, x, compute.ActNone); err != nil {
			nn.Free(d, q)
			return
		}
		if v, err = a.V.Forward(d, x, compute.ActNone); err != nil {
			nn.Free(d, q, k)
		}
		return
	}
	qkv, err := a.QKV.Forward(d, x, compute.ActNone)
	if err != nil {
		return
	}
	defer nn.Free(d, qkv)
	parts, err := compute.Chunk(d, qkv, 3, -1)
	if err != nil {
		return
	}
	return parts[0], parts[1], parts[2], nil
}
