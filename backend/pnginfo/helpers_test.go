package pnginfo

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
)

// testPNG encodes a small gradient image with the standard library, so
// tests start from a PNG some other writer made.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 13), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// rawChunk is a chunk as it sits in a file, for tests that build or break
// files by hand.
type rawChunk struct {
	typ  string
	data []byte
}

// listChunks splits a PNG into its chunks (after the signature).
func listChunks(t testing.TB, b []byte) []rawChunk {
	t.Helper()
	require.Equal(t, pngSignature, string(b[:8]))
	var out []rawChunk
	for off := 8; off < len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		out = append(out, rawChunk{string(b[off+4 : off+8]), b[off+8 : off+8+n]})
		off += 12 + n
	}
	return out
}

// buildPNG writes a signature and the chunks with correct CRCs.
func buildPNG(chunks ...rawChunk) []byte {
	out := []byte(pngSignature)
	for _, c := range chunks {
		out = appendChunk(out, c.typ, c.data)
	}
	return out
}

func chunkTypes(cs []rawChunk) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.typ
	}
	return out
}
