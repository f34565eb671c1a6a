package imageops

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF (first frame) with image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
)

// MaxSide is the largest width or height Load accepts: 16384 is far beyond
// any Stable Diffusion resolution, and a 16384² RGBA image already takes
// 1 GiB to decode.
const MaxSide = 16384

// maxFileBytes bounds how much of a file is read; a compressed image larger
// than this is not a plausible input.
const maxFileBytes = 512 << 20

// ErrTooLarge is returned for images whose header declares a size above the
// limit; nothing is decoded for them.
var ErrTooLarge = errors.New("image too large")

// Load reads a PNG, JPEG or GIF (first frame) from path, refusing images whose
// header declares a side above MaxSide before any pixel is decoded.
func Load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load image: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("load image %s: file over %d MiB: %w", path, maxFileBytes>>20, ErrTooLarge)
	}
	img, err := Decode(data, MaxSide)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	return img, nil
}

// Decode decodes an encoded PNG, JPEG or GIF, first checking with
// image.DecodeConfig that neither side exceeds maxSide, so a crafted header
// cannot make the decoder allocate more than maxSide²·8 bytes.
func Decode(data []byte, maxSide int) (image.Image, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("decode %s: empty image %dx%d", format, cfg.Width, cfg.Height)
	}
	if cfg.Width > maxSide || cfg.Height > maxSide {
		return nil, fmt.Errorf("decode %s: %dx%d exceeds %d per side: %w", format, cfg.Width, cfg.Height, maxSide, ErrTooLarge)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	// The header and the pixel data come from the same stream, but check the
	// result too rather than trust every decoder to honour its own header.
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("decode %s: decoded an empty image", format)
	} else if b.Dx() > maxSide || b.Dy() > maxSide {
		return nil, fmt.Errorf("decode %s: decoded size %dx%d exceeds %d per side: %w", format, b.Dx(), b.Dy(), maxSide, ErrTooLarge)
	}
	return img, nil
}
