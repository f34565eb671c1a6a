package pnginfo

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmbedInsertsBeforeFirstIDAT(t *testing.T) {
	src := testPNG(t, 16, 9)
	out, err := Embed(src,
		map[string]string{"parameters": "a cat\nSteps: 20, CFG scale: 7, Seed: 1", "Software": "DreamLayer"},
		map[string]string{"dreamlayer": `{"seed":1}`})
	require.NoError(t, err)

	// Text goes between IHDR and IDAT, sorted by keyword, as PIL places it.
	chunks := listChunks(t, out)
	assert.Equal(t, []string{"IHDR", "tEXt", "tEXt", "iTXt", "IDAT", "IEND"}, chunkTypes(chunks))
	assert.Equal(t, "Software\x00DreamLayer", string(chunks[1].data))
	assert.Equal(t, "dreamlayer\x00\x00\x00\x00\x00{\"seed\":1}", string(chunks[3].data))

	// The standard decoder checks every CRC and still sees the same pixels.
	want, err := png.Decode(bytes.NewReader(src))
	require.NoError(t, err)
	got, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestEmbedChoosesChunkTypeLikePIL(t *testing.T) {
	tests := []struct {
		name, text, wantType string
	}{
		{"ascii", "a cat", TypeText},
		{"latin-1", "crème brûlée", TypeText},
		{"beyond latin-1", "猫", TypeIntlText},
		{"emoji", "🐈", TypeIntlText},
		// These Latin-1 bytes would read back as UTF-8 "é", so iTXt keeps
		// the round trip exact.
		{"latin-1 that looks like utf-8", "Ã©", TypeIntlText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Embed(testPNG(t, 2, 2), map[string]string{"parameters": tt.text}, nil)
			require.NoError(t, err)
			got, err := ReadTextChunks(bytes.NewReader(out))
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, tt.wantType, got[0].Type)
			assert.Equal(t, tt.text, got[0].Text)
		})
	}
}

func TestEmbedReplacesSameKeyword(t *testing.T) {
	first, err := Embed(testPNG(t, 4, 4), map[string]string{"parameters": "old", "Author": "me"}, nil)
	require.NoError(t, err)
	second, err := Embed(first, nil, map[string]string{"parameters": "new 猫"})
	require.NoError(t, err)

	got, err := ReadTextChunks(bytes.NewReader(second))
	require.NoError(t, err)
	assert.Equal(t, []TextChunk{
		{Type: TypeText, Keyword: "Author", Text: "me"},
		{Type: TypeIntlText, Keyword: "parameters", Text: "new 猫"},
	}, got)
}

func TestEmbedRejectsBadInput(t *testing.T) {
	good := testPNG(t, 4, 4)
	chunks := listChunks(t, good)
	tests := []struct {
		name string
		png  []byte
		text map[string]string
		itxt map[string]string
		want error
	}{
		{"not a PNG", []byte("GIF89a"), nil, nil, ErrNotPNG},
		{"truncated", good[:len(good)-5], nil, nil, ErrTruncated},
		{"no IDAT", buildPNG(chunks[0], chunks[2]), nil, nil, ErrCorrupt},
		{"empty keyword", good, map[string]string{"": "x"}, nil, nil},
		{"keyword of 80 bytes", good, map[string]string{strings.Repeat("k", 80): "x"}, nil, nil},
		{"leading space", good, map[string]string{" k": "x"}, nil, nil},
		{"double space", good, map[string]string{"a  b": "x"}, nil, nil},
		{"control character", good, map[string]string{"a\nb": "x"}, nil, nil},
		{"non-Latin-1 keyword", good, map[string]string{"猫": "x"}, nil, nil},
		{"NUL in text", good, map[string]string{"k": "a\x00b"}, nil, nil},
		{"NUL in itxt", good, nil, map[string]string{"k": "a\x00b"}, nil},
		{"invalid UTF-8 in itxt", good, nil, map[string]string{"k": "\xff"}, nil},
		{"keyword in both maps", good, map[string]string{"k": "a"}, map[string]string{"k": "b"}, nil},
		{"text over MaxTextLen", good, nil, map[string]string{"k": strings.Repeat("x", MaxTextLen+1)}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Embed(tt.png, tt.text, tt.itxt)
			require.Error(t, err)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestEmbedChunksRejectsDuplicatesAndUnknownTypes(t *testing.T) {
	good := testPNG(t, 2, 2)
	_, err := EmbedChunks(good, []TextChunk{{Type: TypeText, Keyword: "k"}, {Type: TypeIntlText, Keyword: "k"}})
	require.ErrorContains(t, err, "given twice")
	_, err = EmbedChunks(good, []TextChunk{{Type: "tIME", Keyword: "k"}})
	require.ErrorContains(t, err, "unknown text chunk type")
	_, err = EmbedChunks(good, []TextChunk{{Type: TypeCompressedText, Keyword: "k", Text: "猫"}})
	require.ErrorContains(t, err, "not Latin-1")
}
