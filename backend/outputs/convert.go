package outputs

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// MaxPixels bounds a decoded image (64 megapixels, far above any API's
// output) so a hostile header cannot make the decoder allocate gigabytes.
const MaxPixels = 64 << 20

// ToPNG returns data as PNG bytes and the image's size. PNG input is
// checked and returned as it is; JPEG and WebP are decoded and re-encoded.
func ToPNG(data []byte) ([]byte, int, int, error) {
	mime := providers.SniffMIME(data)
	var decode func([]byte) (image.Image, error)
	var config func([]byte) (image.Config, error)
	switch mime {
	case "image/png":
		config = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case "image/jpeg":
		config = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case "image/webp":
		config = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return nil, 0, 0, errors.New("not a PNG, JPEG or WebP image")
	}
	cfg, err := config(data)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read %s header: %w", mime, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, 0, 0, fmt.Errorf("%s of %dx%d pixels is out of range", mime, cfg.Width, cfg.Height)
	}
	if decode == nil {
		// A PNG is kept byte for byte (Embed checks its chunk structure);
		// decoding it fully here would only cost time.
		return data, cfg.Width, cfg.Height, nil
	}
	img, err := decode(data)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decode %s: %w", mime, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, 0, 0, fmt.Errorf("encode png: %w", err)
	}
	b := img.Bounds()
	return buf.Bytes(), b.Dx(), b.Dy(), nil
}
