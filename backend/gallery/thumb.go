package gallery

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
)

const (
	// thumbSize is the box thumbnails fit in: two columns of a HiDPI grid.
	thumbSize = 384
	// maxThumbPixels refuses to decode anything bigger than 8192×8192 (a 4×
	// upscale of SDXL output), which already costs 256 MiB while decoding.
	maxThumbPixels   = 8192 * 8192
	thumbJPEGQuality = 85
)

// errUnsupportedImage: not a PNG or JPEG, or too large to thumbnail.
var errUnsupportedImage = errors.New("unsupported image")

// makeThumb decodes a PNG or JPEG from r and returns it scaled to fit
// thumbSize×thumbSize, encoded as JPEG when opaque and PNG when it has
// transparency, with the content type.
func makeThumb(r io.ReadSeeker) ([]byte, string, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", errUnsupportedImage, err)
	}
	if format != "png" && format != "jpeg" {
		return nil, "", fmt.Errorf("%w: format %s", errUnsupportedImage, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxThumbPixels {
		return nil, "", fmt.Errorf("%w: %dx%d", errUnsupportedImage, cfg.Width, cfg.Height)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	var src image.Image
	if format == "png" {
		src, err = png.Decode(bufio.NewReader(r))
	} else {
		src, err = jpeg.Decode(bufio.NewReader(r))
	}
	if err != nil {
		return nil, "", fmt.Errorf("decode %s: %w", format, err)
	}
	dw, dh := fitSize(src.Bounds().Dx(), src.Bounds().Dy(), thumbSize)
	dst := resizeArea(src, dw, dh)

	var buf bytes.Buffer
	if dst.Opaque() {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: thumbJPEGQuality})
		return buf.Bytes(), "image/jpeg", err
	}
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst)
	return buf.Bytes(), "image/png", err
}

// fitSize scales w×h down (never up) to fit box×box, keeping the aspect
// ratio and at least one pixel per side.
func fitSize(w, h, box int) (int, int) {
	if w <= box && h <= box {
		return w, h
	}
	s := math.Min(float64(box)/float64(w), float64(box)/float64(h))
	return max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
}

// contrib is one source pixel's share of a destination pixel.
type contrib struct {
	src int
	w   float32
}

// areaWeights returns, for each of dst output pixels, the source pixels its
// footprint [i·n/dst, (i+1)·n/dst) covers and how much of each, normalised
// to sum 1. This is box filtering with exact fractional coverage ("area
// averaging"): every source pixel counts exactly as much as it is covered,
// so downscaling does not alias the way point or bilinear sampling does.
func areaWeights(n, dst int) [][]contrib {
	out := make([][]contrib, dst)
	scale := float64(n) / float64(dst)
	for i := range dst {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		for s := int(lo); s < n && float64(s) < hi; s++ {
			cover := math.Min(hi, float64(s+1)) - math.Max(lo, float64(s))
			if cover > 1e-9 {
				out[i] = append(out[i], contrib{s, float32(cover / scale)})
			}
		}
	}
	return out
}

// resizeArea scales src to dw×dh by area averaging in premultiplied alpha
// (so transparent pixels' colour does not bleed into their neighbours),
// separably: each source row is reduced horizontally once, then added into
// the destination rows it overlaps.
func resizeArea(src image.Image, dw, dh int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	cols, rows := areaWeights(sw, dw), areaWeights(sh, dh)
	// Invert the row weights: which destination rows each source row feeds.
	feeds := make([][]contrib, sh)
	for dy, cs := range rows {
		for _, c := range cs {
			feeds[c.src] = append(feeds[c.src], contrib{dy, c.w})
		}
	}

	acc := make([]float32, dw*dh*4)
	line := make([]float32, sw*4)
	red := make([]float32, dw*4)
	for sy := range sh {
		if len(feeds[sy]) == 0 {
			continue
		}
		readRow(src, b.Min.Y+sy, line)
		for dx, cs := range cols {
			var r, g, bl, a float32
			for _, c := range cs {
				p := line[c.src*4 : c.src*4+4]
				r += p[0] * c.w
				g += p[1] * c.w
				bl += p[2] * c.w
				a += p[3] * c.w
			}
			red[dx*4], red[dx*4+1], red[dx*4+2], red[dx*4+3] = r, g, bl, a
		}
		for _, f := range feeds[sy] {
			row := acc[f.src*dw*4 : (f.src+1)*dw*4]
			for i, v := range red {
				row[i] += v * f.w
			}
		}
	}

	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for i, v := range acc {
		dst.Pix[i] = uint8(min(255, max(0, v+0.5)))
	}
	return dst
}

// readRow fills line with row y of img as premultiplied RGBA in 0..255, with
// fast paths for the types the PNG decoder returns most.
func readRow(img image.Image, y int, line []float32) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.RGBA:
		pix := m.Pix[m.PixOffset(b.Min.X, y):]
		for i := range line {
			line[i] = float32(pix[i])
		}
	case *image.NRGBA:
		pix := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < len(line); x += 4 {
			a := float32(pix[x+3])
			line[x] = float32(pix[x]) * a / 255
			line[x+1] = float32(pix[x+1]) * a / 255
			line[x+2] = float32(pix[x+2]) * a / 255
			line[x+3] = a
		}
	default:
		for x := 0; x < len(line)/4; x++ {
			// RGBA() is premultiplied 16-bit.
			r, g, bl, a := img.At(b.Min.X+x, y).RGBA()
			line[x*4] = float32(r) / 257
			line[x*4+1] = float32(g) / 257
			line[x*4+2] = float32(bl) / 257
			line[x*4+3] = float32(a) / 257
		}
	}
}
