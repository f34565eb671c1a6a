package prompt

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commaID is CLIP's id for ",</w>", which A1111 looks up for backtracking.
const commaID = 267

// fakeTokenize stands in for CLIP: words (runs of letters and digits) and
// single punctuation marks are tokens; "tN" is id 1000+N so tests can read
// ids, "," is commaID, anything else a hash.
func fakeTokenize(s string) []int {
	var ids []int
	rs := []rune(strings.ToLower(s))
	for i := 0; i < len(rs); {
		switch r := rs[i]; {
		case unicode.IsSpace(r):
			i++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			ids = append(ids, wordID(string(rs[i:j])))
			i = j
		default:
			ids = append(ids, wordID(string(r)))
			i++
		}
	}
	return ids
}

func wordID(w string) int {
	if w == "," {
		return commaID
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(w, "t")); err == nil && strings.HasPrefix(w, "t") {
		return 1000 + n
	}
	h := fnv.New32a()
	h.Write([]byte(w))
	return 20000 + int(h.Sum32()%10000)
}

// words returns "tA tB … t(B-1)".
func words(a, b int) string {
	var parts []string
	for i := a; i < b; i++ {
		parts = append(parts, fmt.Sprintf("t%d", i))
	}
	return strings.Join(parts, " ")
}

func ids(a, b int) []int {
	var out []int
	for i := a; i < b; i++ {
		out = append(out, 1000+i)
	}
	return out
}

func ones(n int, w float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = w
	}
	return out
}

func cat[T any](xs ...[]T) []T {
	var out []T
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

func TestChunks(t *testing.T) {
	comma := []int{commaID}
	tests := []struct {
		name   string
		in     string
		want   [][]int // tokens per chunk
		wantW  [][]float32
		tokens int // A1111's token_count
	}{
		{"empty", "", [][]int{nil}, [][]float32{nil}, 0},
		{"weights", "t1 (t2:1.5) [t3]", [][]int{{1001, 1002, 1003}}, [][]float32{{1, 1.5, float32(1 / 1.1)}}, 3},
		{"break", "t1 BREAK t2", [][]int{{1001}, {1002}}, [][]float32{{1}, {1}}, 76},
		{"leading break gives empty chunk", "BREAK t1", [][]int{nil, {1001}}, [][]float32{nil, {1}}, 76},
		{"trailing break", "t1 BREAK", [][]int{{1001}}, [][]float32{{1}}, 75},
		// A1111 tokenizes the word with the marker's scaled weight, −1.1.
		{"break in brackets is a word", "(t1 BREAK)", [][]int{{1001, wordID("break")}}, [][]float32{{1.1, -1.1}}, 2},
		{"split at 75", words(0, 80), [][]int{ids(0, 75), ids(75, 80)}, [][]float32{ones(75, 1), ones(5, 1)}, 80},
		{"exactly 75", words(0, 75), [][]int{ids(0, 75)}, [][]float32{ones(75, 1)}, 75},
		{
			// The chunk fills at t73 with a comma 5 tokens back: it closes
			// after the comma and t70..t73 move on.
			"comma backtrack", words(0, 70) + ", " + words(70, 80),
			[][]int{cat(ids(0, 70), comma), ids(70, 80)},
			[][]float32{ones(71, 1), ones(10, 1)}, 85,
		},
		{
			"comma exactly 20 back", words(0, 55) + ", " + words(55, 80),
			[][]int{cat(ids(0, 55), comma), ids(55, 80)},
			[][]float32{ones(56, 1), ones(25, 1)}, 100,
		},
		{
			"comma 21 back does not backtrack", words(0, 54) + ", " + words(54, 80),
			[][]int{cat(ids(0, 54), comma, ids(54, 74)), ids(74, 80)},
			[][]float32{ones(75, 1), ones(6, 1)}, 81,
		},
		{
			"comma as 75th token", words(0, 74) + ", " + words(74, 76),
			[][]int{cat(ids(0, 74), comma), ids(74, 76)},
			[][]float32{ones(75, 1), ones(2, 1)}, 77,
		},
		{
			// A1111 checks for a comma before backtracking, so a comma that
			// arrives at a full chunk opens the next one.
			"comma arriving at a full chunk", words(0, 75) + ", t75",
			[][]int{ids(0, 75), cat(comma, ids(75, 76))},
			[][]float32{ones(75, 1), ones(2, 1)}, 77,
		},
		{
			"backtracked tokens keep weights", words(0, 70) + ", (" + words(70, 80) + ":1.3)",
			[][]int{cat(ids(0, 70), comma), ids(70, 80)},
			[][]float32{ones(71, 1), ones(10, 1.3)}, 85,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chunks, count, err := tokenizeLine(tc.in, fakeTokenize, nil)
			require.NoError(t, err)
			require.Len(t, chunks, len(tc.want))
			for i, c := range chunks {
				assert.Equal(t, tc.want[i], c.Tokens, "chunk %d tokens", i)
				assert.Equal(t, tc.wantW[i], c.Weights, "chunk %d weights", i)
			}
			assert.Equal(t, tc.tokens, count)

			pub, err := Chunks(tc.in, fakeTokenize, nil)
			require.NoError(t, err)
			assert.Equal(t, chunks, pub)
		})
	}
}

func TestChunksEmbeddings(t *testing.T) {
	lookup := func(word string) (int, bool) {
		switch strings.ToLower(word) {
		case "easynegative":
			return 8, true
		case "bad-hands-5":
			return 2, true
		case "big":
			return 74, true
		case "zero":
			return 0, true
		case "huge":
			return 76, true
		}
		return 0, false
	}
	placeholders := func(n int) []int { return make([]int, n) }

	t.Run("slots and weights", func(t *testing.T) {
		chunks, err := Chunks("t1 (EasyNegative:1.2), bad-hands-5. t2", fakeTokenize, lookup)
		require.NoError(t, err)
		require.Len(t, chunks, 1)
		c := chunks[0]
		assert.Equal(t, cat([]int{1001}, placeholders(8), []int{commaID}, placeholders(2), []int{wordID("."), 1002}), c.Tokens)
		assert.Equal(t, cat([]float32{1}, ones(8, 1.2), ones(5, 1)), c.Weights)
		assert.Equal(t, []EmbeddingSlot{{Name: "EasyNegative", Offset: 1, Vectors: 8}, {Name: "bad-hands-5", Offset: 10, Vectors: 2}}, c.Embeddings)
	})
	t.Run("embedding never straddles chunks", func(t *testing.T) {
		chunks, err := Chunks(words(0, 73)+" easynegative t99", fakeTokenize, lookup)
		require.NoError(t, err)
		require.Len(t, chunks, 2)
		assert.Equal(t, ids(0, 73), chunks[0].Tokens)
		assert.Equal(t, cat(placeholders(8), []int{1099}), chunks[1].Tokens)
		assert.Equal(t, []EmbeddingSlot{{Name: "easynegative", Offset: 0, Vectors: 8}}, chunks[1].Embeddings)
	})
	t.Run("embedding moves with comma backtrack", func(t *testing.T) {
		chunks, err := Chunks(words(0, 60)+", bad-hands-5 "+words(60, 80), fakeTokenize, lookup)
		require.NoError(t, err)
		require.Len(t, chunks, 2)
		assert.Equal(t, cat(ids(0, 60), []int{commaID}), chunks[0].Tokens)
		assert.Empty(t, chunks[0].Embeddings)
		assert.Equal(t, cat(placeholders(2), ids(60, 80)), chunks[1].Tokens)
		assert.Equal(t, []EmbeddingSlot{{Name: "bad-hands-5", Offset: 0, Vectors: 2}}, chunks[1].Embeddings)
	})
	t.Run("large embedding", func(t *testing.T) {
		chunks, err := Chunks("t1 t2 big", fakeTokenize, lookup)
		require.NoError(t, err)
		require.Len(t, chunks, 2)
		assert.Equal(t, []int{1001, 1002}, chunks[0].Tokens)
		assert.Len(t, chunks[1].Tokens, 74)
	})
	for _, bad := range []string{"zero", "huge"} {
		t.Run("invalid vector count "+bad, func(t *testing.T) {
			_, err := Chunks("a "+bad, fakeTokenize, lookup)
			require.ErrorContains(t, err, bad)
		})
	}
	t.Run("unknown words tokenize normally", func(t *testing.T) {
		with, err := Chunks("t1, negative t2", fakeTokenize, lookup)
		require.NoError(t, err)
		without, err := Chunks("t1, negative t2", fakeTokenize, nil)
		require.NoError(t, err)
		assert.Equal(t, without, with)
	})
}

func TestChunksErrors(t *testing.T) {
	_, err := Chunks("a", nil, nil)
	require.Error(t, err)
	_, err = Chunks(strings.Repeat("a ", MaxPromptBytes), fakeTokenize, nil)
	require.ErrorIs(t, err, ErrTooLong)
}

func TestWindow(t *testing.T) {
	c := Chunk{Tokens: []int{5, 6}, Weights: []float32{1.5, 0.5}}
	clipL := SpecialTokens{Start: 49406, End: 49407, Pad: 49407}
	tok, w := c.Window(clipL)
	require.Len(t, tok, WindowLength)
	require.Len(t, w, WindowLength)
	assert.Equal(t, []int{49406, 5, 6, 49407, 49407}, tok[:5])
	assert.Equal(t, 49407, tok[76])
	assert.Equal(t, []float32{1, 1.5, 0.5, 1, 1}, w[:5])
	assert.Equal(t, ones(WindowLength-3, 1), w[3:])

	openCLIP := SpecialTokens{Start: 49406, End: 49407, Pad: 0}
	tok, _ = Chunk{}.Window(openCLIP)
	assert.Equal(t, cat([]int{49406, 49407}, make([]int, 75)), tok)

	full := Chunk{Tokens: ids(0, 75), Weights: ones(75, 2)}
	tok, w = full.Window(openCLIP)
	assert.Equal(t, cat([]int{49406}, ids(0, 75), []int{49407}), tok)
	assert.Equal(t, cat([]float32{1}, ones(75, 2), []float32{1}), w)
}

func TestCountTokens(t *testing.T) {
	tests := []struct {
		name           string
		in             string
		tokens, chunks int
	}{
		{"empty", "", 0, 1},
		{"plain", "t1 t2 (t3:1.4)", 3, 1},
		{"networks removed", "<lora:detail:0.5> t1", 1, 1},
		{"longest variant counts", "t1 [t2:t3 t4 t5:0.5]", 4, 1},
		{"alternation", "[t1|t2 t3]", 2, 1},
		{"break counts padding", "t1 BREAK t2", 76, 2},
		{"two chunks", words(0, 80), 80, 2},
		{"bad tag counted as text", "<lora:x:abc>", len(fakeTokenize("<lora:x:abc>")), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tokens, chunks := CountTokens(tc.in, fakeTokenize)
			assert.Equal(t, tc.tokens, tokens)
			assert.Equal(t, tc.chunks, chunks)
		})
	}
	tokens, chunks := CountTokens(strings.Repeat("t1 ", MaxPromptBytes), fakeTokenize)
	assert.Equal(t, MaxPromptBytes, tokens)
	assert.Equal(t, (MaxPromptBytes+74)/75, chunks)
}
