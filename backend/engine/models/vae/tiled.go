package vae

import (
	"context"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Tiled encoding and decoding run the autoencoder on overlapping crops so
// the device holds one tile's activations at a time: a 2K×2K image decodes
// in the memory of its tile. The whole input and output stay on the host
// (they are small next to the activations: the decoder's first levels are
// 128–512 channels wide at full resolution).
//
// Each tile's output is weighted by a linear feather that rises from the
// tile's inner edges over the overlap, and the weighted outputs are summed
// and normalised. Tile borders are where a tile's output is least like the
// whole image's (zero padding instead of neighbours), so they get the least
// weight. Outputs still differ from an untiled pass even away from the
// seams: GroupNorm statistics and the mid attention see one tile, not the
// image (see the package tests for the size of that difference).

// DecodeTiled is Decode over tile×tile latent crops overlapping by overlap
// latent cells (0 ≤ overlap < tile). A latent no larger than one tile
// decodes in one pass, exactly as Decode.
func (v *VAE) DecodeTiled(ctx context.Context, latent tensor.Tensor, tile, overlap int) (tensor.Tensor, error) {
	if v.Decoder == nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode tiled: the weights hold no decoder")
	}
	if err := checkTiles(tile, overlap, 1); err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode tiled: %w", err)
	}
	if latent.Rank() != 4 || latent.Dim(1) != v.latents {
		return tensor.Tensor{}, fmt.Errorf("vae decode tiled: latent %v: %w: want [N, %d, h, w]", latent.Shape(), tensor.ErrShape, v.latents)
	}
	if latent.Dim(2) <= tile && latent.Dim(3) <= tile {
		return v.Decode(ctx, latent)
	}
	d := v.dev
	src, err := d.Download(latent)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode tiled: %w", err)
	}
	f := v.factor
	in := latent.Shape()
	acc := newBlender(tensor.Shape{in[0], imageChannels, in[2] * f, in[3] * f})
	for _, y := range tileStarts(in[2], tile, overlap) {
		for _, x := range tileStarts(in[3], tile, overlap) {
			if err := ctx.Err(); err != nil {
				return tensor.Tensor{}, err
			}
			th, tw := min(tile, in[2]), min(tile, in[3])
			crop, err := d.Upload(tensor.Shape{in[0], in[1], th, tw}, cropNCHW(src, in, y, x, th, tw))
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("vae decode tiled: %w", err)
			}
			img, err := v.Decode(ctx, crop)
			nn.Free(d, crop)
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("vae decode tile (%d, %d): %w", y, x, err)
			}
			data, err := d.Download(img)
			nn.Free(d, img)
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("vae decode tiled: %w", err)
			}
			acc.add(data, y*f, x*f, th*f, tw*f, overlap*f)
		}
	}
	out, err := d.Upload(acc.shape, acc.result())
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode tiled: %w", err)
	}
	return out, nil
}

// EncodeTiled is Encode over tile×tile image crops overlapping by overlap
// pixels; both must be multiples of Factor (0 ≤ overlap < tile). The
// Gaussian's moments are blended across tiles before sampling, so the noise
// is drawn once for the whole latent, as Encode draws it.
func (v *VAE) EncodeTiled(ctx context.Context, img tensor.Tensor, tile, overlap int, sample bool, noise Noise) (tensor.Tensor, error) {
	if v.Encoder == nil {
		return tensor.Tensor{}, fmt.Errorf("vae encode tiled: the weights hold no encoder")
	}
	f := v.factor
	if err := checkTiles(tile, overlap, f); err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae encode tiled: %w", err)
	}
	if img.Rank() != 4 || img.Dim(1) != imageChannels || img.Dim(2)%f != 0 || img.Dim(3)%f != 0 {
		return tensor.Tensor{}, fmt.Errorf("vae encode tiled: image %v: %w: want [N, %d, H, W] with H and W multiples of %d", img.Shape(), tensor.ErrShape, imageChannels, f)
	}
	if img.Dim(2) <= tile && img.Dim(3) <= tile {
		return v.Encode(ctx, img, sample, noise)
	}
	d := v.dev
	src, err := d.Download(img)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae encode tiled: %w", err)
	}
	in := img.Shape()
	mshape := tensor.Shape{in[0], 2 * v.latents, in[2] / f, in[3] / f}
	acc := newBlender(mshape)
	for _, y := range tileStarts(in[2], tile, overlap) {
		for _, x := range tileStarts(in[3], tile, overlap) {
			if err := ctx.Err(); err != nil {
				return tensor.Tensor{}, err
			}
			// Starts are multiples of f: tile, overlap and the size are.
			th, tw := min(tile, in[2]), min(tile, in[3])
			crop, err := d.Upload(tensor.Shape{in[0], in[1], th, tw}, cropNCHW(src, in, y, x, th, tw))
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("vae encode tiled: %w", err)
			}
			mom, _, err := v.moments(ctx, crop)
			nn.Free(d, crop)
			if err != nil {
				return tensor.Tensor{}, fmt.Errorf("vae encode tile (%d, %d): %w", y, x, err)
			}
			acc.add(mom, y/f, x/f, th/f, tw/f, overlap/f)
		}
	}
	return v.finish(acc.result(), mshape, sample, noise)
}

// checkTiles validates tile and overlap sizes, which must be multiples of
// unit.
func checkTiles(tile, overlap, unit int) error {
	switch {
	case tile <= 0 || overlap < 0 || overlap >= tile:
		return fmt.Errorf("tile %d, overlap %d: want 0 ≤ overlap < tile", tile, overlap)
	case tile%unit != 0 || overlap%unit != 0:
		return fmt.Errorf("tile %d, overlap %d: want multiples of %d", tile, overlap, unit)
	}
	return nil
}

// tileStarts lists where tiles of size tile start along an axis of size n,
// stepping by tile − overlap, with the last tile flush with the end (it may
// overlap its neighbour by more than overlap).
func tileStarts(n, tile, overlap int) []int {
	if n <= tile {
		return []int{0}
	}
	var starts []int
	for p := 0; ; p += tile - overlap {
		if p+tile >= n {
			return append(starts, n-tile)
		}
		starts = append(starts, p)
	}
}

// cropNCHW copies the window [y, y+h) × [x, x+w) of every (n, c) plane of
// src (shape s).
func cropNCHW(src []float32, s tensor.Shape, y, x, h, w int) []float32 {
	planes, H, W := s[0]*s[1], s[2], s[3]
	out := make([]float32, planes*h*w)
	for p := range planes {
		for r := range h {
			copy(out[(p*h+r)*w:][:w], src[p*H*W+(y+r)*W+x:][:w])
		}
	}
	return out
}

// blender accumulates feathered tiles into a weighted sum.
type blender struct {
	shape      tensor.Shape // [N, C, H, W]
	sum, total []float32    // Σ weight·value per element; Σ weight per pixel
}

func newBlender(s tensor.Shape) *blender {
	return &blender{shape: s, sum: make([]float32, s.Numel()), total: make([]float32, s[2]*s[3])}
}

// add blends tile data [N, C, h, w] placed at (y, x), feathering each inner
// edge (one not on the image border) over ramp pixels.
func (b *blender) add(data []float32, y, x, h, w, ramp int) {
	H, W := b.shape[2], b.shape[3]
	wy := feather(h, ramp, y > 0, y+h < H)
	wx := feather(w, ramp, x > 0, x+w < W)
	for r := range h {
		for c := range w {
			b.total[(y+r)*W+x+c] += wy[r] * wx[c]
		}
	}
	planes := b.shape[0] * b.shape[1]
	for p := range planes {
		for r := range h {
			dst := b.sum[p*H*W+(y+r)*W+x:][:w]
			row := data[(p*h+r)*w:][:w]
			for c := range dst {
				dst[c] += wy[r] * wx[c] * row[c]
			}
		}
	}
}

// result is the normalised blend. Every pixel has positive total weight:
// the tiles cover the image and feather weights are never zero.
func (b *blender) result() []float32 {
	hw := b.shape[2] * b.shape[3]
	for i := range b.sum {
		b.sum[i] /= b.total[i%hw]
	}
	return b.sum
}

// feather is a tile's weight along one axis: a linear rise (i+½)/ramp over
// the first ramp pixels when the low edge is inside the image, a matching
// fall at the high edge, 1 elsewhere. Two neighbours overlapping by exactly
// ramp pixels get weights summing to 1 across the overlap.
func feather(n, ramp int, low, high bool) []float32 {
	w := make([]float32, n)
	for i := range w {
		v := float32(1)
		if ramp > 0 && low {
			v = min(v, (float32(i)+0.5)/float32(ramp))
		}
		if ramp > 0 && high {
			v = min(v, (float32(n-1-i)+0.5)/float32(ramp))
		}
		w[i] = v
	}
	return w
}
