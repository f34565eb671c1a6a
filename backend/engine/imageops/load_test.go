package imageops

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pngHeader is a PNG that is only a signature, an IHDR declaring w×h 8-bit
// RGBA, and IEND: enough for DecodeConfig, with no pixel data at all.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // bit depth 8, colour type RGBA
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

func encoded(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	require.NoError(t, err)
	return b.Bytes()
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	tests := []struct {
		name    string
		data    []byte
		w, h    int
		wantErr string
		tooBig  bool
	}{
		{name: "png", data: encoded(t, "png", 7, 5), w: 7, h: 5},
		{name: "jpeg", data: encoded(t, "jpeg", 9, 4), w: 9, h: 4},
		{name: "gif", data: encoded(t, "gif", 3, 6), w: 3, h: 6},
		{name: "absurd width", data: pngHeader(MaxSide+1, 16), wantErr: "exceeds 16384", tooBig: true},
		{name: "absurd both", data: pngHeader(100000, 100000), wantErr: "100000x100000 exceeds", tooBig: true},
		// At the limit the header passes and decoding fails on the missing
		// pixel data without having allocated for them.
		{name: "at limit, no data", data: pngHeader(MaxSide, MaxSide), wantErr: "decode png"},
		{name: "not an image", data: []byte("hello, world"), wantErr: "unknown format"},
		{name: "empty file", data: nil, wantErr: "decode image header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Load(write(tt.name, tt.data))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, tt.tooBig, errors.Is(err, ErrTooLarge))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, tt.w, tt.h), img.Bounds())
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "nope.png"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestDecodeHonoursMaxSide(t *testing.T) {
	data := encoded(t, "png", 40, 10)
	_, err := Decode(data, 39)
	require.ErrorIs(t, err, ErrTooLarge)
	img, err := Decode(data, 40)
	require.NoError(t, err)
	assert.Equal(t, color.NRGBAModel, img.ColorModel())
}

// FuzzDecode feeds arbitrary bytes to Decode with a small side limit, so any
// input is either refused from its header or decoded within a bounded
// allocation; it must never panic.
func FuzzDecode(f *testing.F) {
	f.Add(encoded(f, "png", 4, 3))
	f.Add(encoded(f, "jpeg", 5, 5))
	f.Add(encoded(f, "gif", 2, 7))
	f.Add(pngHeader(1<<20, 2))
	f.Add(pngHeader(0, 0))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03"))
	const limit = 256
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, limit)
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx() > limit || b.Dy() > limit {
			t.Fatalf("decoded %v beyond the limit", b)
		}
		// Whatever decodes must convert.
		rgb := FromImage(img)
		if rgb.W != b.Dx() || rgb.H != b.Dy() {
			t.Fatalf("FromImage size %dx%d for %v", rgb.W, rgb.H, b)
		}
	})
}
