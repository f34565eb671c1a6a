package clip

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// ErrConfig is wrapped by Load's errors for a TextEncoderConfig that cannot
// describe a CLIP text model (zero sizes, unknown activation or layout).
var ErrConfig = errors.New("clip: bad text encoder config")

// TextEncoder is a CLIP text transformer (CLIP §2.4; transformers
// CLIPTextTransformer, open_clip TextTransformer):
//
//	token + position embeddings → N pre-LN encoder layers (causal)
//	  → hidden state of layer −skip, final LayerNorm when NormHidden
//	  → pooled: LayerNorm(last layer)[end token] · text_projection
type TextEncoder struct {
	Config     detect.TextEncoderConfig
	Embed      *Embeddings
	Layers     []*EncoderLayer
	FinalNorm  *nn.LayerNorm
	Projection *Projection // nil when the file has no text_projection
	dev        compute.Device
}

// Projection maps the pooled state to the joint text-image space.
// transformers stores it as a Linear weight [P, W] (x·Wᵀ); open_clip as a
// bare matrix [W, P] (x·W).
type Projection struct {
	Weight     tensor.Tensor
	Transposed bool // Weight is [P, W]
}

// Load reads a text encoder described by cfg from w, the root view of the
// file (Load scopes it at cfg.Prefix itself, because transformers keeps
// text_projection beside text_model rather than in it). The same code reads
// checkpoints and standalone text-encoder files: only cfg.Prefix differs.
func Load(w *nn.Weights, cfg detect.TextEncoderConfig) (*TextEncoder, error) {
	act, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Layout == detect.LayoutOpenCLIP {
		w = w.WithRenamer(openCLIPRenamer(cfg.Prefix))
	}
	s := w.Sub(strings.TrimSuffix(cfg.Prefix, "."))
	t := &TextEncoder{Config: cfg, dev: w.Device()}
	if err := t.load(w, s, act); err != nil {
		t.Free()
		return nil, fmt.Errorf("load %s text encoder: %w", cfg.Kind, err)
	}
	return t, nil
}

func (t *TextEncoder) load(root, s *nn.Weights, act compute.Activation) error {
	c := t.Config
	var err error
	if t.Embed, err = LoadEmbeddings(s, c.VocabSize, c.MaxPositions, c.Width); err != nil {
		return err
	}
	layers := s.Sub("encoder.layers")
	for i := range c.Layers {
		l, err := LoadEncoderLayer(layers.Index(i), c.Width, c.Heads, act)
		if err != nil {
			return err
		}
		t.Layers = append(t.Layers, l)
	}
	if t.FinalNorm, err = nn.LoadLayerNorm(s.Sub("final_layer_norm"), c.Width, layerNormEps); err != nil {
		return err
	}
	if c.Projection == 0 {
		return nil
	}
	p := &Projection{}
	if c.Layout == detect.LayoutHF {
		parent := root.Sub(strings.TrimSuffix(strings.TrimSuffix(c.Prefix, "text_model."), "."))
		p.Transposed = true
		err = parent.TensorInto(&p.Weight, "text_projection.weight", c.Projection, c.Width)
	} else {
		err = s.TensorInto(&p.Weight, "text_projection", c.Width, c.Projection)
	}
	if err != nil {
		return err
	}
	t.Projection = p
	return nil
}

func validate(c detect.TextEncoderConfig) (compute.Activation, error) {
	if c.Layout != detect.LayoutHF && c.Layout != detect.LayoutOpenCLIP {
		return 0, fmt.Errorf("%w: layout %q", ErrConfig, c.Layout)
	}
	if c.Width <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.VocabSize <= 0 || c.MaxPositions <= 0 || c.Projection < 0 {
		return 0, fmt.Errorf("%w: width %d, layers %d, heads %d, vocabulary %d, positions %d, projection %d",
			ErrConfig, c.Width, c.Layers, c.Heads, c.VocabSize, c.MaxPositions, c.Projection)
	}
	if c.Width%c.Heads != 0 {
		return 0, fmt.Errorf("%w: width %d not divisible into %d heads", ErrConfig, c.Width, c.Heads)
	}
	if c.Layer != "" && c.Layer != "last" && c.Layer != "penultimate" {
		return 0, fmt.Errorf("%w: layer %q", ErrConfig, c.Layer)
	}
	switch c.Activation {
	case "quick_gelu":
		return compute.ActQuickGELU, nil
	case "gelu":
		return compute.ActGELU, nil
	}
	return 0, fmt.Errorf("%w: activation %q", ErrConfig, c.Activation)
}

// Free releases the encoder's weights; it is unusable afterwards.
func (t *TextEncoder) Free() {
	d := t.dev
	t.Embed.Free(d)
	for _, l := range t.Layers {
		l.Free(d)
	}
	if t.FinalNorm != nil {
		t.FinalNorm.Free(d)
	}
	if t.Projection != nil {
		nn.Free(d, t.Projection.Weight)
	}
	*t = TextEncoder{Config: t.Config, dev: d}
}

// Encode runs one token window (normally ContextLength ids, padded with
// Config.Pad) and returns the hidden state [1, N, W] the UNet attends to and,
// when the file has a text_projection, the pooled output [1, P] (else the
// zero tensor).
//
// skip is A1111's "CLIP skip": 1 takes the last layer's output, 2 the
// penultimate, and so on; 0 means the config's Layer (the family default).
// The final LayerNorm is applied to that hidden state when
// Config.NormHidden is set, as SD 1.x and 2.x do even for skipped layers.
func (t *TextEncoder) Encode(ctx context.Context, ids []int, skip int) (hidden, pooled tensor.Tensor, err error) {
	return t.encode(ctx, [][]int{ids}, nil, skip, t.Projection != nil)
}

// EncodeBatch is Encode over windows of equal length in one pass:
// hidden [B, N, W], pooled [B, P].
func (t *TextEncoder) EncodeBatch(ctx context.Context, windows [][]int, skip int) (hidden, pooled tensor.Tensor, err error) {
	return t.encode(ctx, windows, nil, skip, t.Projection != nil)
}

// EncodeWithEmbeddings is EncodeBatch with textual-inversion vectors
// spliced into the token embeddings: overrides[b][pos] (Config.Width wide)
// replaces the token table's row at position pos of window b, before the
// position embedding is added. The pooled output still finds the end
// token by the largest id, so placeholders must be smaller ids (A1111 uses
// 0).
func (t *TextEncoder) EncodeWithEmbeddings(ctx context.Context, windows [][]int, overrides []map[int][]float32, skip int) (hidden, pooled tensor.Tensor, err error) {
	if len(overrides) > len(windows) {
		return hidden, pooled, fmt.Errorf("clip: embedding overrides for %d windows, %d given", len(overrides), len(windows))
	}
	return t.encode(ctx, windows, overrides, skip, t.Projection != nil)
}

// depth is how many layers produce the hidden state for skip.
func (t *TextEncoder) depth(skip int) (int, error) {
	if skip == 0 {
		skip = 1
		if t.Config.Layer == "penultimate" {
			skip = 2
		}
	}
	if skip < 0 || skip > len(t.Layers) {
		return 0, fmt.Errorf("clip: skip %d outside 1…%d layers", skip, len(t.Layers))
	}
	return len(t.Layers) - skip + 1, nil
}

func (t *TextEncoder) encode(ctx context.Context, windows [][]int, overrides []map[int][]float32, skip int, pool bool) (hidden, pooled tensor.Tensor, err error) {
	d := t.dev
	if t.Embed == nil {
		return hidden, pooled, errors.New("clip: text encoder used after Free")
	}
	if len(windows) == 0 || len(windows[0]) == 0 {
		return hidden, pooled, errors.New("clip: no tokens to encode")
	}
	for i, w := range windows {
		if len(w) != len(windows[0]) {
			return hidden, pooled, fmt.Errorf("clip: window %d has %d tokens, window 0 has %d", i, len(w), len(windows[0]))
		}
	}
	depth, err := t.depth(skip)
	if err != nil {
		return hidden, pooled, err
	}
	run := depth
	if pool {
		run = len(t.Layers) // the pooled output always comes from the last layer
	}

	// Embeddings.
	x, err := t.Embed.ForwardWith(d, windows, overrides)
	if err != nil {
		return hidden, pooled, err
	}

	// Encoder layers; x before layer i is layer i−1's output, kept when it
	// is the hidden state asked for (i == depth).
	var kept tensor.Tensor
	for i := 0; i < run; i++ {
		if err := ctx.Err(); err != nil {
			if i != depth {
				nn.Free(d, x)
			}
			nn.Free(d, kept)
			return hidden, pooled, err
		}
		y, err := t.Layers[i].Forward(d, x)
		if i != depth {
			nn.Free(d, x)
		}
		if err != nil {
			nn.Free(d, kept)
			return hidden, pooled, fmt.Errorf("clip: layer %d: %w", i, err)
		}
		x = y
		if i+1 == depth {
			kept = x
		}
	}

	// Pooled output from the last layer.
	if pool {
		pooled, err = t.pool(d, x, windows)
		if run != depth {
			nn.Free(d, x)
		}
		if err != nil {
			nn.Free(d, kept)
			return hidden, tensor.Tensor{}, err
		}
	}

	// Hidden state of layer −skip.
	if !t.Config.NormHidden {
		return kept, pooled, nil
	}
	hidden, err = t.FinalNorm.Forward(d, kept)
	nn.Free(d, kept)
	if err != nil {
		nn.Free(d, pooled)
		return tensor.Tensor{}, tensor.Tensor{}, err
	}
	return hidden, pooled, nil
}

// pool is LayerNorm(last)[end token] · projection for last [B, N, W]. The end
// token is found, as both references do, as the position of the largest id
// (its first occurrence): <|endoftext|> is the last id of the vocabulary.
func (t *TextEncoder) pool(d compute.Device, last tensor.Tensor, windows [][]int) (tensor.Tensor, error) {
	n := last.Dim(1)
	rows := make([]int, len(windows))
	for b, w := range windows {
		rows[b] = b*n + EndPosition(w)
	}
	flat, err := last.Reshape(-1, last.Dim(2))
	if err != nil {
		return tensor.Tensor{}, err
	}
	// Gather the end-token rows: [B, W]. LayerNorm is per row, so norming
	// after the gather equals norming the whole sequence first.
	eot, err := d.Embedding(flat, rows)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: pooled gather: %w", err)
	}
	defer nn.Free(d, eot)
	normed, err := t.FinalNorm.Forward(d, eot)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer nn.Free(d, normed)
	out, err := d.MatMul(normed, t.Projection.Weight, false, t.Projection.Transposed)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: text projection: %w", err)
	}
	return out, nil
}

// EndPosition is the index of the first largest id in ids, the end token's
// position (transformers `input_ids.argmax(-1)`, open_clip
// `text.argmax(dim=-1)`), or -1 for no ids.
func EndPosition(ids []int) int {
	if len(ids) == 0 {
		return -1
	}
	return slices.Index(ids, slices.Max(ids))
}
