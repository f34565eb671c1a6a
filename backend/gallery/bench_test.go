package gallery

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// BenchmarkMakeThumb decodes a 1024×1024 PNG (SDXL output size) and scales
// it to 384×384.
func BenchmarkMakeThumb(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := makeThumb(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resize", func(b *testing.B) {
		for b.Loop() {
			resizeArea(img, 384, 384)
		}
	})
}
