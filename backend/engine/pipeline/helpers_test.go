package pipeline

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
)

// fixture writes a tiny checkpoint of the family (real key layout, tiny
// widths) into the test's temporary folder.
func fixture(t *testing.T, family string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), family+".safetensors")
	require.NoError(t, fixtures.Write(p, family, false, 7))
	return p
}

func newEngine(t *testing.T) *Engine {
	t.Helper()
	dev := cpu.New(2)
	t.Cleanup(func() { dev.Close() })
	return New(dev, Options{
		Version:    "test",
		Now:        func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
		RandomSeed: func() int64 { return 1234 },
	})
}

// base is a small, fast request on a fixture.
func base(model string) Request {
	return Request{Model: model, Prompt: "a photo of a cat", NegativePrompt: "blurry", Steps: 2,
		Seed: ptr(int64(42)), Width: 64, Height: 64, CFGScale: ptr(5.0)}
}

// testPNG encodes a w×h gradient image.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// maskPNG is white (repaint) in the centre square, black elsewhere.
func maskPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := h / 4; y < 3*h/4; y++ {
		for x := w / 4; x < 3*w/4; x++ {
			img.SetGray(x, y, color.Gray{255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// decodePNG decodes and checks an output image.
func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	return img
}
