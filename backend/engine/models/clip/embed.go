package clip

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Embeddings is CLIP's input stage: a learned token embedding plus a learned
// absolute position embedding (CLIPTextEmbeddings; open_clip
// token_embedding + positional_embedding).
type Embeddings struct {
	Token    *nn.Embedding // [vocab, width]
	Position *nn.Embedding // [positions, width]
}

// LoadEmbeddings reads embeddings.token_embedding and
// embeddings.position_embedding from w (scoped at the text model).
func LoadEmbeddings(w *nn.Weights, vocab, positions, width int) (*Embeddings, error) {
	e := &Embeddings{}
	var err error
	if e.Token, err = nn.LoadEmbedding(w.Sub("embeddings.token_embedding"), vocab, width); err != nil {
		return nil, err
	}
	if e.Position, err = nn.LoadEmbedding(w.Sub("embeddings.position_embedding"), positions, width); err != nil {
		e.Free(w.Device())
		return nil, err
	}
	return e, nil
}

// Free releases the tables (nil-safe, for a partial load).
func (e *Embeddings) Free(d compute.Device) {
	if e == nil {
		return
	}
	for _, t := range []*nn.Embedding{e.Token, e.Position} {
		if t != nil {
			t.Free(d)
		}
	}
}

// Forward embeds windows of equal length n → [len(windows), n, width].
func (e *Embeddings) Forward(d compute.Device, windows [][]int) (tensor.Tensor, error) {
	return e.ForwardWith(d, windows, nil)
}

// ForwardWith is Forward with some token embeddings replaced (textual
// inversion): overrides[b][pos] is the vector used at position pos of
// window b instead of the token table's row; position embeddings are still
// added, as A1111's EmbeddingsWithFixes does. overrides may be nil or
// shorter than windows.
func (e *Embeddings) ForwardWith(d compute.Device, windows [][]int, overrides []map[int][]float32) (tensor.Tensor, error) {
	b, n := len(windows), len(windows[0])
	if maxPos := e.Position.Table.Dim(0); n > maxPos {
		return tensor.Tensor{}, fmt.Errorf("clip: window of %d tokens, the model has %d positions", n, maxPos)
	}
	ids := make([]int, 0, b*n)
	for _, w := range windows {
		ids = append(ids, w...)
	}
	positions := make([]int, n)
	for i := range positions {
		positions[i] = i
	}

	// Token embeddings [B·n, W] → [B, n, W].
	tok, err := e.Token.Forward(d, ids)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: token embedding: %w", err)
	}
	if hasOverrides(overrides) {
		spliced, err := e.splice(d, tok, n, overrides)
		nn.Free(d, tok)
		if err != nil {
			return tensor.Tensor{}, err
		}
		tok = spliced
	}
	defer nn.Free(d, tok)
	tok, err = tok.Reshape(b, n, -1)
	if err != nil {
		return tensor.Tensor{}, err
	}
	// Position embeddings [n, W], broadcast over the batch.
	pos, err := e.Position.Forward(d, positions)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: position embedding: %w", err)
	}
	defer nn.Free(d, pos)
	return d.Add(tok, pos)
}

func hasOverrides(overrides []map[int][]float32) bool {
	for _, ov := range overrides {
		if len(ov) > 0 {
			return true
		}
	}
	return false
}

// splice returns a copy of tok [B·n, W] with the override rows written in.
// The rows go through the host: a window has at most a few dozen of them,
// and every device can download and upload.
func (e *Embeddings) splice(d compute.Device, tok tensor.Tensor, n int, overrides []map[int][]float32) (tensor.Tensor, error) {
	width, windows := tok.Dim(1), tok.Dim(0)/n
	for b, ov := range overrides {
		for pos, v := range ov {
			if b >= windows || pos < 0 || pos >= n {
				return tensor.Tensor{}, fmt.Errorf("clip: embedding override at window %d position %d outside %d windows of %d", b, pos, windows, n)
			}
			if len(v) != width {
				return tensor.Tensor{}, fmt.Errorf("clip: embedding override at window %d position %d has width %d, the encoder %d", b, pos, len(v), width)
			}
		}
	}
	host, err := d.Download(tok)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("clip: token embedding: %w", err)
	}
	for b, ov := range overrides {
		for pos, v := range ov {
			copy(host[(b*n+pos)*width:], v)
		}
	}
	return d.Upload(tok.Shape(), host)
}
