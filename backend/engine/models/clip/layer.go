package clip

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// layerNormEps is every CLIP text model's LayerNorm epsilon (transformers
// CLIPTextConfig.layer_norm_eps = 1e-5; torch.nn.LayerNorm's default, which
// open_clip uses).
const layerNormEps = 1e-5

// EncoderLayer is one pre-LN transformer block (CLIPEncoderLayer; open_clip
// ResidualAttentionBlock):
//
//	x = x + Attention(LN₁(x))
//	x = x + FC₂(act(FC₁(LN₂(x))))
type EncoderLayer struct {
	Norm1 *nn.LayerNorm
	Attn  *Attention
	Norm2 *nn.LayerNorm
	FC1   *nn.Linear // [hidden, W]
	FC2   *nn.Linear // [W, hidden]
	Act   compute.Activation
}

// LoadEncoderLayer reads one layer from w (scoped at encoder.layers.N).
// The MLP's hidden width (4·W in every released model) is read from
// mlp.fc1.weight.
func LoadEncoderLayer(w *nn.Weights, width, heads int, act compute.Activation) (*EncoderLayer, error) {
	l := &EncoderLayer{Act: act}
	if err := l.load(w, width, heads); err != nil {
		l.Free(w.Device())
		return nil, err
	}
	return l, nil
}

func (l *EncoderLayer) load(w *nn.Weights, width, heads int) error {
	var err error
	if l.Norm1, err = nn.LoadLayerNorm(w.Sub("layer_norm1"), width, layerNormEps); err != nil {
		return err
	}
	if l.Attn, err = LoadAttention(w, width, heads); err != nil {
		return err
	}
	if l.Norm2, err = nn.LoadLayerNorm(w.Sub("layer_norm2"), width, layerNormEps); err != nil {
		return err
	}
	fc1 := w.Sub("mlp.fc1")
	shape, ok := fc1.Shape("weight")
	if !ok {
		return fmt.Errorf("nn: %s: %w", fc1.Key("weight"), nn.ErrMissing)
	}
	if len(shape) != 2 || shape[1] != width {
		return fmt.Errorf("nn: %s: %w: shape %v, want [hidden %d]", fc1.Key("weight"), tensor.ErrShape, shape, width)
	}
	hidden := shape[0]
	if l.FC1, err = nn.LoadLinear(fc1, width, hidden, true); err != nil {
		return err
	}
	l.FC2, err = nn.LoadLinear(w.Sub("mlp.fc2"), hidden, width, true)
	return err
}

// Free releases the layer's weights (nil-safe, for a partial load).
func (l *EncoderLayer) Free(d compute.Device) {
	if l == nil {
		return
	}
	l.Attn.Free(d)
	for _, n := range []*nn.LayerNorm{l.Norm1, l.Norm2} {
		if n != nil {
			n.Free(d)
		}
	}
	for _, f := range []*nn.Linear{l.FC1, l.FC2} {
		if f != nil {
			f.Free(d)
		}
	}
}

// Forward runs the block on x [B, N, W]; x is left intact for the caller.
func (l *EncoderLayer) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	// Self-attention sub-block with its residual.
	h, err := l.Norm1.Forward(d, x)
	if err != nil {
		return tensor.Tensor{}, err
	}
	a, err := l.Attn.Forward(d, h)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, err
	}
	x1, err := d.Add(x, a)
	nn.Free(d, a)
	if err != nil {
		return tensor.Tensor{}, err
	}

	// MLP sub-block (activation fused into FC₁) with its residual.
	h, err = l.Norm2.Forward(d, x1)
	if err != nil {
		nn.Free(d, x1)
		return tensor.Tensor{}, err
	}
	m, err := l.FC1.Forward(d, h, l.Act)
	nn.Free(d, h)
	if err != nil {
		nn.Free(d, x1)
		return tensor.Tensor{}, err
	}
	o, err := l.FC2.Forward(d, m, compute.ActNone)
	nn.Free(d, m)
	if err != nil {
		nn.Free(d, x1)
		return tensor.Tensor{}, err
	}
	out, err := d.Add(x1, o)
	nn.Free(d, x1, o)
	return out, err
}
