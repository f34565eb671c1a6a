package prompt

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

const (
	// ChunkLength is the number of prompt tokens in one text-encoder window
	// (77 less the start and end tokens).
	ChunkLength = 75
	// WindowLength is a chunk framed by its start and end tokens.
	WindowLength = ChunkLength + 2
	// commaBacktrack is A1111's comma_padding_backtrack default: a chunk
	// that fills up breaks after its last comma if that comma is within
	// this many tokens of the end.
	commaBacktrack = 20
	// EmbeddingPlaceholder is the token id in the slots an embedding's
	// vectors replace (A1111 puts 0 there too); Chunk.Embeddings says
	// which embedding fills them.
	EmbeddingPlaceholder = 0
	// countSteps is the pass length CountTokens schedules with: A1111's
	// counter uses the UI's steps, and 150 is its slider's maximum, so
	// every edit written as a step number shows up.
	countSteps = 150
)

// EmbeddingLookup resolves a textual-inversion embedding by the word a
// prompt uses for it (its file name without extension) and returns its
// number of vectors. A1111 matches embedding names on lower-cased tokens,
// so a lookup should ignore case. Words are the runs of text between
// whitespace and commas; a word is tried as written and then without
// leading and trailing punctuation ("easynegative." finds "easynegative").
type EmbeddingLookup func(word string) (vectors int, ok bool)

// EmbeddingSlot places an embedding's vectors in a chunk.
type EmbeddingSlot struct {
	Name string
	// Offset is the index in Chunk.Tokens of the first vector; in the
	// 77-token window it is Offset+1.
	Offset  int
	Vectors int
}

// Chunk is up to ChunkLength prompt tokens with their emphasis weights.
type Chunk struct {
	// Tokens are the prompt's ids, without start, end or padding. Slots of
	// embeddings hold EmbeddingPlaceholder.
	Tokens []int
	// Weights has one multiplier per token.
	Weights []float32
	// Embeddings lists the embedding vectors to splice into Tokens.
	Embeddings []EmbeddingSlot
}

// SpecialTokens are the ids that frame a window. CLIP-L (SD 1.x, SDXL's
// first encoder) pads with its end token; OpenCLIP (SD 2.x, SDXL's bigG)
// pads with 0, as A1111 replaces everything after the first end token with
// id_pad.
type SpecialTokens struct {
	Start, End, Pad int
}

// Window frames c for the text encoder: the start token, the tokens, the
// end token and padding to WindowLength, with weight 1 for the start, end
// and padding (A1111's next_chunk).
func (c Chunk) Window(sp SpecialTokens) (tokens []int, weights []float32) {
	tokens = make([]int, 0, WindowLength)
	weights = make([]float32, 0, WindowLength)
	tokens = append(tokens, sp.Start)
	tokens = append(tokens, c.Tokens...)
	tokens = append(tokens, sp.End)
	weights = append(weights, 1)
	weights = append(weights, c.Weights...)
	weights = append(weights, 1)
	for len(tokens) < WindowLength {
		tokens = append(tokens, sp.Pad)
		weights = append(weights, 1)
	}
	return tokens, weights
}

// Chunks turns one scheduled prompt text into weighted chunks, as A1111's
// tokenize_line does: fragments from ParseAttention are tokenized one by
// one; a chunk that reaches ChunkLength tokens is closed, first moving the
// tokens after its last comma to the next chunk when that comma is among
// the last 20 tokens; BREAK closes the chunk early; an embedding's vectors
// take one slot each and never straddle two chunks. Every text gives at
// least one (possibly empty) chunk. Extra-network tags must already be
// removed (Parse does that).
func Chunks(text string, tokenize func(string) []int, embeddings EmbeddingLookup) ([]Chunk, error) {
	chunks, _, err := tokenizeLine(text, tokenize, embeddings)
	return chunks, err
}

// CountTokens is the UI's token counter (A1111's update_token_counter):
// extra networks are removed, the prompt is scheduled over 150 steps, and
// the variant with the most tokens is counted. tokens counts a full
// ChunkLength for every chunk but the last, so BREAK padding shows;
// chunks is that variant's number of chunks. Text that cannot be parsed is
// counted as it is.
func CountTokens(text string, tokenize func(string) []int) (tokens, chunks int) {
	if tokenize == nil {
		return 0, 0
	}
	if len(text) > MaxPromptBytes {
		n := len(tokenize(text))
		return n, max(1, (n+ChunkLength-1)/ChunkLength)
	}
	variants := []string{text}
	if p, err := Parse(text); err == nil {
		variants = variants[:0]
		seen := map[string]bool{}
		for _, e := range p.Schedule(countSteps) {
			if !seen[e.Text] {
				seen[e.Text] = true
				variants = append(variants, e.Text)
			}
		}
	}
	for _, v := range variants {
		cs, n, err := tokenizeLine(v, tokenize, nil)
		if err == nil && (n > tokens || chunks == 0) {
			tokens, chunks = n, len(cs)
		}
	}
	return tokens, chunks
}

// unit is one token, or one embedding taking Vectors slots.
type unit struct {
	token int
	emb   *EmbeddingSlot
}

type lineBuilder struct {
	chunks     []Chunk
	cur        Chunk
	tokenCount int
	lastComma  int
}

// next closes the current chunk (A1111's next_chunk). tokenCount counts
// a whole chunk unless it is the last.
func (b *lineBuilder) next(last bool) {
	if last {
		b.tokenCount += len(b.cur.Tokens)
	} else {
		b.tokenCount += ChunkLength
	}
	b.chunks = append(b.chunks, b.cur)
	b.cur = Chunk{}
	b.lastComma = -1
}

// backtrack moves the tokens after the last comma into a fresh chunk.
// Unlike A1111, which leaves an embedding's fix behind in the old chunk
// (its vectors then land in padding), embedding slots move with their
// tokens.
func (b *lineBuilder) backtrack() {
	brk := b.lastComma + 1
	old := b.cur
	moved := Chunk{
		Tokens:  append([]int(nil), old.Tokens[brk:]...),
		Weights: append([]float32(nil), old.Weights[brk:]...),
	}
	var kept []EmbeddingSlot
	for _, e := range old.Embeddings {
		if e.Offset >= brk {
			e.Offset -= brk
			moved.Embeddings = append(moved.Embeddings, e)
		} else {
			kept = append(kept, e)
		}
	}
	b.cur = Chunk{Tokens: old.Tokens[:brk], Weights: old.Weights[:brk], Embeddings: kept}
	b.next(false)
	b.cur = moved
}

func tokenizeLine(text string, tokenize func(string) []int, embeddings EmbeddingLookup) ([]Chunk, int, error) {
	if tokenize == nil {
		return nil, 0, errors.New("tokenize prompt: no tokenizer")
	}
	if len(text) > MaxPromptBytes {
		return nil, 0, fmt.Errorf("tokenize prompt of %d bytes (at most %d): %w", len(text), MaxPromptBytes, ErrTooLong)
	}
	comma, hasComma := -1, false
	if c := tokenize(","); len(c) == 1 {
		comma, hasComma = c[0], true
	}

	b := &lineBuilder{lastComma: -1}
	for _, f := range ParseAttention(text) {
		if f.IsBreak() {
			b.next(false)
			continue
		}
		units, err := fragmentUnits(f.Text, tokenize, embeddings)
		if err != nil {
			return nil, 0, err
		}
		w := float32(f.Weight)
		for _, u := range units {
			if u.emb == nil && hasComma && u.token == comma {
				b.lastComma = len(b.cur.Tokens)
			} else if len(b.cur.Tokens) == ChunkLength && b.lastComma != -1 && len(b.cur.Tokens)-b.lastComma <= commaBacktrack {
				b.backtrack()
			}
			if len(b.cur.Tokens) == ChunkLength {
				b.next(false)
			}
			if u.emb == nil {
				b.cur.Tokens = append(b.cur.Tokens, u.token)
				b.cur.Weights = append(b.cur.Weights, w)
				continue
			}
			if len(b.cur.Tokens)+u.emb.Vectors > ChunkLength {
				b.next(false)
			}
			slot := *u.emb
			slot.Offset = len(b.cur.Tokens)
			b.cur.Embeddings = append(b.cur.Embeddings, slot)
			for range slot.Vectors {
				b.cur.Tokens = append(b.cur.Tokens, EmbeddingPlaceholder)
				b.cur.Weights = append(b.cur.Weights, w)
			}
		}
	}
	if len(b.cur.Tokens) > 0 || len(b.chunks) == 0 {
		b.next(true)
	}
	return b.chunks, b.tokenCount, nil
}

// fragmentUnits tokenizes one fragment, cutting out embedding words. The
// text between embeddings is tokenized separately; CLIP's pre-tokenizer
// already splits at whitespace and at letter/punctuation boundaries, so
// this gives the ids the whole fragment would.
func fragmentUnits(text string, tokenize func(string) []int, embeddings EmbeddingLookup) ([]unit, error) {
	var units []unit
	addText := func(s string) {
		for _, id := range tokenize(s) {
			units = append(units, unit{token: id})
		}
	}
	if embeddings == nil {
		addText(text)
		return units, nil
	}
	last := 0
	for i := 0; i < len(text); {
		r, n := decodeRune(text, i)
		if isWordSep(r) {
			i += n
			continue
		}
		start := i
		for i < len(text) {
			r, n := decodeRune(text, i)
			if isWordSep(r) {
				break
			}
			i += n
		}
		name, lo, hi, vectors, found := lookupWord(text, start, i, embeddings)
		if !found {
			continue
		}
		if vectors < 1 || vectors > ChunkLength {
			return nil, fmt.Errorf("embedding %q has %d vectors, want 1 to %d", name, vectors, ChunkLength)
		}
		addText(text[last:lo])
		units = append(units, unit{emb: &EmbeddingSlot{Name: name, Vectors: vectors}})
		last = hi
	}
	addText(text[last:])
	return units, nil
}

// lookupWord tries text[start:end] as an embedding name, then the same
// without leading and trailing punctuation.
func lookupWord(text string, start, end int, embeddings EmbeddingLookup) (name string, lo, hi, vectors int, ok bool) {
	word := text[start:end]
	if v, ok := embeddings(word); ok {
		return word, start, end, v, true
	}
	trimmed := strings.TrimFunc(word, isNamePunct)
	if trimmed == "" || trimmed == word {
		return "", 0, 0, 0, false
	}
	v, ok := embeddings(trimmed)
	if !ok {
		return "", 0, 0, 0, false
	}
	lo = start + len(word) - len(strings.TrimLeftFunc(word, isNamePunct))
	return trimmed, lo, lo + len(trimmed), v, true
}

func isWordSep(r rune) bool { return r == ',' || isPySpace(r) }

func isNamePunct(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '_'
}
