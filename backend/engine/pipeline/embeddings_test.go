package pipeline

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/embeddings"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
)

// embeddingFinder answers for one word with vectors of the given width.
func embeddingFinder(word string, vectors, width int) func(string) (*embeddings.Embedding, bool) {
	vecs := make([][]float32, vectors)
	for i := range vecs {
		vecs[i] = make([]float32, width)
		for j := range vecs[i] {
			vecs[i][j] = float32((i+1)*(j%7)) * 0.05
		}
	}
	e := &embeddings.Embedding{Name: word, Vectors: map[string][][]float32{embeddings.KeyAny: vecs}}
	return func(w string) (*embeddings.Embedding, bool) {
		if strings.EqualFold(w, word) {
			return e, true
		}
		return nil, false
	}
}

func TestTextualInversionEmbeddingsChangeTheConditioning(t *testing.T) {
	model := fixture(t, "sd1")
	req := base(model)
	req.Prompt = "a photo of shinycat"

	plain := newEngine(t)
	want, err := plain.Generate(t.Context(), req, nil)
	require.NoError(t, err)

	withEmb := newEngine(t)
	ck, err := withEmb.checkpoint(t.Context(), model)
	require.NoError(t, err)
	width := ck.encoders[0].Config.Width
	withEmb.opts.FindEmbedding = embeddingFinder("shinycat", 2, width)
	got, err := withEmb.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.NotEqual(t, want.Images[0].PNG, got.Images[0].PNG, "the embedding's vectors replace the word's tokens")

	// The embedding takes two token slots where the plain word took its BPE tokens.
	tok, err := withEmb.tokenizer()
	require.NoError(t, err)
	chunks, err := prompt.Chunks(req.Prompt, tok.Encode, func(w string) (int, bool) {
		if e, ok := withEmb.opts.FindEmbedding(w); ok {
			return e.Len(), true
		}
		return 0, false
	})
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	require.Len(t, chunks[0].Embeddings, 1)
	assert.Equal(t, 2, chunks[0].Embeddings[0].Vectors)

	wrong := newEngine(t)
	wrong.opts.FindEmbedding = embeddingFinder("shinycat", 1, width+1)
	_, err = wrong.Generate(t.Context(), req, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no vectors")
}
