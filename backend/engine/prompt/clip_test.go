package prompt_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
)

// These tests run the package against the real CLIP tokenizer. Only the
// test imports models/clip; the package itself stays a leaf.

func TestRealTokenizerChunks(t *testing.T) {
	tok, err := clip.NewTokenizer()
	require.NoError(t, err)

	t.Run("weights follow fragments", func(t *testing.T) {
		chunks, err := prompt.Chunks("masterpiece, (best quality:1.2), [blurry]", tok.Encode, nil)
		require.NoError(t, err)
		require.Len(t, chunks, 1)
		want := append(append(tok.Encode("masterpiece, "), tok.Encode("best quality")...), tok.Encode(", ")...)
		want = append(want, tok.Encode("blurry")...)
		assert.Equal(t, want, chunks[0].Tokens)
		n1, n2 := len(tok.Encode("masterpiece, ")), len(tok.Encode("best quality"))
		assert.Equal(t, float32(1.2), chunks[0].Weights[n1])
		assert.Equal(t, float32(1.2), chunks[0].Weights[n1+n2-1])
		assert.Equal(t, float32(1/1.1), chunks[0].Weights[len(want)-1])
	})

	t.Run("comma backtrack on a long tag prompt", func(t *testing.T) {
		var tags []string
		for i := 0; i < 30; i++ {
			tags = append(tags, "a big red sports car")
		}
		text := strings.Join(tags, ", ")
		all := tok.Encode(text) // one fragment: no emphasis
		chunks, err := prompt.Chunks(text, tok.Encode, nil)
		require.NoError(t, err)
		var joined []int
		for i, c := range chunks {
			require.LessOrEqual(t, len(c.Tokens), prompt.ChunkLength)
			if i < len(chunks)-1 {
				// Tags are 6 tokens with their comma, so a chunk fills up
				// inside a tag and backtracks to the comma before it.
				assert.Equal(t, tok.Encode(",")[0], c.Tokens[len(c.Tokens)-1], "chunk %d ends at a comma", i)
			}
			joined = append(joined, c.Tokens...)
		}
		assert.Equal(t, all, joined, "chunking neither drops nor reorders tokens")
		assert.Greater(t, len(chunks), 1)
	})

	t.Run("window matches the tokenizer's own framing", func(t *testing.T) {
		chunks, err := prompt.Chunks("a photo of a cat", tok.Encode, nil)
		require.NoError(t, err)
		ids, w := chunks[0].Window(prompt.SpecialTokens{Start: clip.StartToken, End: clip.EndToken, Pad: clip.EndToken})
		assert.Equal(t, tok.Window(tok.Encode("a photo of a cat"), clip.PadWithEnd), ids)
		assert.Len(t, w, clip.ContextLength)
		ids, _ = chunks[0].Window(prompt.SpecialTokens{Start: clip.StartToken, End: clip.EndToken, Pad: 0})
		assert.Equal(t, tok.Window(tok.Encode("a photo of a cat"), clip.PadWithZero), ids)
	})

	t.Run("count", func(t *testing.T) {
		n, chunks := prompt.CountTokens("a photo of a cat <lora:x:0.5>", tok.Encode)
		assert.Equal(t, 5, n)
		assert.Equal(t, 1, chunks)
	})
}
