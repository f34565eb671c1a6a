package pnginfo

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadTextChunksDecodesEveryKind(t *testing.T) {
	in := []TextChunk{
		{Type: TypeText, Keyword: "parameters", Text: "café, Steps: 20"},
		{Type: TypeCompressedText, Keyword: "Comment", Text: strings.Repeat("zTXt is Latin-1 only. ", 50), Compressed: true},
		{Type: TypeIntlText, Keyword: "dreamlayer", Text: `{"prompt":"猫 🐈"}`},
		{Type: TypeIntlText, Keyword: "workflow", Text: strings.Repeat(`{"nodes":[]}`, 100), Compressed: true, Language: "en-GB", TranslatedKeyword: "Arbeitsablauf"},
	}
	out, err := EmbedChunks(testPNG(t, 8, 8), in)
	require.NoError(t, err)

	got, err := ReadTextChunks(bytes.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, in, got)
}

func TestReadTextChunksFindsTextAfterIDAT(t *testing.T) {
	// PNG allows text chunks after the image data; some tools append there.
	chunks := listChunks(t, testPNG(t, 4, 4))
	iend := chunks[len(chunks)-1]
	file := buildPNG(append(chunks[:len(chunks)-1],
		rawChunk{TypeText, []byte("Software\x00exiftool")}, iend)...)

	got, err := ReadTextChunks(bytes.NewReader(file))
	require.NoError(t, err)
	assert.Equal(t, []TextChunk{{Type: TypeText, Keyword: "Software", Text: "exiftool"}}, got)
}

func TestReadTextChunksLatin1AndUTF8InTEXt(t *testing.T) {
	chunks := listChunks(t, testPNG(t, 2, 2))
	file := buildPNG(chunks[0],
		rawChunk{TypeText, []byte("latin\x00caf\xe9")},                 // spec: Latin-1
		rawChunk{TypeText, []byte("utf8\x00caf\xc3\xa9 \xe7\x8c\xab")}, // some tools write UTF-8
		chunks[1], chunks[2])
	got, err := ReadTextChunks(bytes.NewReader(file))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "café", got[0].Text)
	assert.Equal(t, "café 猫", got[1].Text)
}

func zlibBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestReadTextChunksRejectsBadFiles(t *testing.T) {
	good := testPNG(t, 4, 4)
	chunks := listChunks(t, good)
	ihdr, idat, iend := chunks[0], chunks[1], chunks[2]
	withText := func(c rawChunk) []byte { return buildPNG(ihdr, c, idat, iend) }

	badCRC := withText(rawChunk{TypeText, []byte("parameters\x00a cat")})
	badCRC[8+25+8+3] ^= 0x20 // a letter of the keyword, after IHDR (25 bytes) and the text chunk header

	hugeLen := buildPNG(ihdr)
	hugeLen = binary.BigEndian.AppendUint32(hugeLen, 0x80000000)
	hugeLen = append(hugeLen, "IDAT"...)

	bomb := zlibBytes(t, make([]byte, MaxTextLen+1))

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotPNG},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), ErrNotPNG},
		{"signature only", []byte(pngSignature), ErrTruncated},
		{"first chunk not IHDR", buildPNG(idat, iend), ErrNotPNG},
		{"no IEND", buildPNG(ihdr, idat), ErrTruncated},
		{"text CRC mismatch", badCRC, ErrCRC},
		{"length over 2^31-1", hugeLen, ErrCorrupt},
		{"bad chunk type", withText(rawChunk{"tE1t", []byte("a\x00b")}), ErrCorrupt},
		{"keyword not terminated", withText(rawChunk{TypeText, []byte("parameters")}), ErrCorrupt},
		{"empty keyword", withText(rawChunk{TypeText, []byte("\x00text")}), ErrCorrupt},
		{"keyword of 80 bytes", withText(rawChunk{TypeText, []byte(strings.Repeat("k", 80) + "\x00text")}), ErrCorrupt},
		{"zTXt unknown method", withText(rawChunk{TypeCompressedText, append([]byte("k\x00\x01"), zlibBytes(t, []byte("x"))...)}), ErrCorrupt},
		{"zTXt not zlib", withText(rawChunk{TypeCompressedText, []byte("k\x00\x00garbage")}), ErrCorrupt},
		{"zTXt truncated stream", withText(rawChunk{TypeCompressedText, append([]byte("k\x00\x00"), zlibBytes(t, []byte("hello world"))[:8]...)}), ErrCorrupt},
		{"iTXt bad flag", withText(rawChunk{TypeIntlText, []byte("k\x00\x02\x00\x00\x00text")}), ErrCorrupt},
		{"iTXt short header", withText(rawChunk{TypeIntlText, []byte("k\x00\x00")}), ErrCorrupt},
		{"iTXt no language terminator", withText(rawChunk{TypeIntlText, []byte("k\x00\x00\x00en")}), ErrCorrupt},
		{"iTXt zlib bomb", withText(rawChunk{TypeIntlText, append([]byte("k\x00\x01\x00\x00\x00"), bomb...)}), ErrTooLarge},
		{"zTXt zlib bomb", withText(rawChunk{TypeCompressedText, append([]byte("k\x00\x00"), bomb...)}), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTextChunks(bytes.NewReader(tt.data))
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestReadTextChunksEveryTruncationFails(t *testing.T) {
	file, err := Embed(testPNG(t, 6, 6), map[string]string{"parameters": "a cat\nSteps: 20, Seed: 1, CFG scale: 7"}, nil)
	require.NoError(t, err)
	for n := 0; n < len(file); n++ {
		_, err := ReadTextChunks(bytes.NewReader(file[:n]))
		require.Error(t, err, "prefix of %d bytes", n)
		if n >= 8 {
			require.ErrorIs(t, err, ErrTruncated, "prefix of %d bytes", n)
		}
	}
	_, err = ReadTextChunks(bytes.NewReader(file))
	require.NoError(t, err)
}

func TestReadTextChunksSkipsOtherChunksCRC(t *testing.T) {
	// Only chunks the reader interprets are CRC-checked; image data is
	// streamed past unread.
	file := testPNG(t, 4, 4)
	chunks := listChunks(t, file)
	idatCRC := 8 + 25 + 8 + len(chunks[1].data)
	file[idatCRC] ^= 0xff
	_, err := ReadTextChunks(bytes.NewReader(file))
	require.NoError(t, err)
}

func TestReadTextChunksDeclaredLengthDoesNotAllocate(t *testing.T) {
	// A text chunk declaring the largest allowed length but holding a few
	// bytes must fail as truncated without allocating that length.
	chunks := listChunks(t, testPNG(t, 2, 2))
	file := buildPNG(chunks[0])
	file = binary.BigEndian.AppendUint32(file, maxTextChunkLen)
	file = append(file, "iTXt"...)
	file = append(file, "k\x00\x00\x00\x00\x00abc"...)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadTextChunks(bytes.NewReader(file))
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrTruncated)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated")

	tooLong := buildPNG(chunks[0])
	tooLong = binary.BigEndian.AppendUint32(tooLong, maxTextChunkLen+1)
	tooLong = append(tooLong, "tEXt"...)
	_, err = ReadTextChunks(bytes.NewReader(tooLong))
	require.ErrorIs(t, err, ErrTooLarge)
}
