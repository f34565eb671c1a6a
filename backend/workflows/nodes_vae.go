package workflows

import (
	"context"
	"errors"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Bounds of ComfyUI's tiled VAE widgets (pixels).
const (
	minTile        = 64
	maxTile        = 4096
	defaultTile    = 512
	defaultOverlap = 64
	maxGrowMask    = 64
)

func vaeNodes() []NodeSpec {
	lat := []Type{TypeLatent}
	img := []Type{TypeImage}
	samples := InputSpec{Name: "samples", Type: TypeLatent}
	pixels := InputSpec{Name: "pixels", Type: TypeImage}
	vaeIn := InputSpec{Name: "vae", Type: TypeVAE}
	tiles := []InputSpec{
		{Name: "tile_size", Type: TypeInt, Min: minTile, Max: maxTile, Optional: true, Default: int64(defaultTile)},
		{Name: "overlap", Type: TypeInt, Min: 0, Max: maxTile, Optional: true, Default: int64(defaultOverlap)},
		// Video VAEs' time tiling (newer ComfyUI): accepted so such
		// graphs run, and ignored, as image VAEs have no time axis.
		{Name: "temporal_size", Type: TypeInt, Min: 1, Max: maxTile, Optional: true},
		{Name: "temporal_overlap", Type: TypeInt, Min: 0, Max: maxTile, Optional: true},
	}
	return []NodeSpec{
		{Class: "VAEDecode", Outputs: img, Inputs: []InputSpec{samples, vaeIn},
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				v, err := vaeOf(a)
				if err != nil {
					return nil, err
				}
				out, err := decodeLatent(ctx, rc.Device, v.v, a.Value("samples").(Latent), 0, 0)
				return []any{out}, err
			}},
		{Class: "VAEDecodeTiled", Outputs: img, Inputs: append([]InputSpec{samples, vaeIn}, tiles...),
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				v, err := vaeOf(a)
				if err != nil {
					return nil, err
				}
				tile, overlap := tileSizes(a, v.v.Factor())
				out, err := decodeLatent(ctx, rc.Device, v.v, a.Value("samples").(Latent), tile/v.v.Factor(), overlap/v.v.Factor())
				return []any{out}, err
			}},
		{Class: "VAEEncode", Outputs: lat, Inputs: []InputSpec{pixels, vaeIn},
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				v, err := vaeOf(a)
				if err != nil {
					return nil, err
				}
				l, err := encodeImages(ctx, rc.Device, v.v, a.Value("pixels").(Images), 0, 0)
				return []any{l}, err
			}},
		{Class: "VAEEncodeTiled", Outputs: lat, Inputs: append([]InputSpec{pixels, vaeIn}, tiles...),
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				v, err := vaeOf(a)
				if err != nil {
					return nil, err
				}
				tile, overlap := tileSizes(a, v.v.Factor())
				l, err := encodeImages(ctx, rc.Device, v.v, a.Value("pixels").(Images), tile, overlap)
				return []any{l}, err
			}},
		{Class: "VAEEncodeForInpaint", Outputs: lat,
			Inputs: []InputSpec{pixels, vaeIn, {Name: "mask", Type: TypeMask},
				{Name: "grow_mask_by", Type: TypeInt, Min: 0, Max: maxGrowMask, Optional: true, Default: int64(6)}},
			Run: runEncodeForInpaint},
	}
}

func vaeOf(a Args) (vaeValue, error) {
	v, ok := a.Value("vae").(vaeValue)
	if !ok || v.v == nil {
		return vaeValue{}, errors.New("the checkpoint has no VAE: load one with VAELoader")
	}
	return v, nil
}

// tileSizes reads tile_size and overlap (pixels) as ComfyUI does (an
// overlap above a quarter of the tile is cut to a quarter) and rounds both
// down to multiples of the VAE factor f, which the tiled coders need.
func tileSizes(a Args, f int) (tile, overlap int) {
	tile, overlap = int(a.Int("tile_size")), int(a.Int("overlap"))
	if tile < overlap*4 {
		overlap = tile / 4
	}
	return max(f, tile/f*f), overlap / f * f
}

// decodeLatent decodes every item of l; tile > 0 decodes in tile×tile
// latent crops overlapping by overlap cells.
func decodeLatent(ctx context.Context, dev compute.Device, v *vae.VAE, l Latent, tile, overlap int) (Images, error) {
	if l.C != v.LatentChannels() {
		return nil, fmt.Errorf("the latent has %d channels, the VAE decodes %d", l.C, v.LatentChannels())
	}
	x, err := dev.Upload(tensor.Shape{l.B, l.C, l.H, l.W}, l.Samples)
	if err != nil {
		return nil, err
	}
	var y tensor.Tensor
	if tile > 0 {
		y, err = v.DecodeTiled(ctx, x, tile, overlap)
	} else {
		y, err = v.Decode(ctx, x)
	}
	nn.Free(dev, x)
	if err != nil {
		return nil, err
	}
	data, err := dev.Download(y)
	s := y.Shape()
	nn.Free(dev, y)
	if err != nil {
		return nil, err
	}
	H, W := s[2], s[3]
	out := make(Images, l.B)
	for i := range out {
		out[i] = imageops.FromSigned(data[i*3*H*W:(i+1)*3*H*W], W, H)
	}
	return out, nil
}

// factorCrop is the centred crop of a w×h image to multiples of the VAE
// factor f that ComfyUI's VAEEncode takes: x0, y0 and the new size.
func factorCrop(w, h, f int) (x0, y0, cw, ch int, err error) {
	cw, ch = w/f*f, h/f*f
	if cw == 0 || ch == 0 {
		return 0, 0, 0, 0, fmt.Errorf("image %dx%d is smaller than %d pixels", w, h, f)
	}
	return (w - cw) / 2, (h - ch) / 2, cw, ch, nil
}

// encodeImages encodes a batch (cropped to multiples of the factor) to the
// latent's mean; tile > 0 encodes in tile×tile pixel crops overlapping by
// overlap pixels (both multiples of the factor).
func encodeImages(ctx context.Context, dev compute.Device, v *vae.VAE, imgs Images, tile, overlap int) (Latent, error) {
	var l Latent
	if len(imgs) == 0 {
		return l, errors.New("no images to encode")
	}
	f := v.Factor()
	for _, im := range imgs {
		x0, y0, w, h, err := factorCrop(im.W, im.H, f)
		if err != nil {
			return l, err
		}
		c := imageops.Crop(im, x0, y0, x0+w, y0+h)
		x, err := dev.Upload(tensor.Shape{1, 3, h, w}, imageops.ToSigned(c))
		if err != nil {
			return l, err
		}
		var z tensor.Tensor
		if tile > 0 {
			z, err = v.EncodeTiled(ctx, x, tile, overlap, false, nil)
		} else {
			z, err = v.Encode(ctx, x, false, nil)
		}
		nn.Free(dev, x)
		if err != nil {
			return l, err
		}
		d, err := dev.Download(z)
		s := z.Shape()
		nn.Free(dev, z)
		if err != nil {
			return l, err
		}
		if l.B > 0 && (s[2] != l.H || s[3] != l.W) {
			return l, errors.New("images of one batch differ in size")
		}
		l.Samples = append(l.Samples, d...)
		l.B, l.C, l.H, l.W = l.B+1, s[1], s[2], s[3]
	}
	return l, nil
}

// runEncodeForInpaint is ComfyUI's VAEEncodeForInpaint: the mask is
// resized to the image (bilinear), both are cropped to multiples of the
// factor, masked pixels (mask > ½) become 0.5 grey so the latent carries no
// trace of what is to be replaced, and the latent's noise mask is the mask
// grown by grow_mask_by pixels, so the repainted area blends in latent
// space. An inpainting model reads the mask and this latent as its extra
// channels (see inpaintExtra).
func runEncodeForInpaint(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
	v, err := vaeOf(a)
	if err != nil {
		return nil, err
	}
	imgs := a.Value("pixels").(Images)
	m := a.Value("mask").(imageops.Mask)
	if len(imgs) == 0 {
		return nil, errors.New("no images to encode")
	}
	W, H := imgs[0].W, imgs[0].H
	mask := m.Pix
	if m.W != W || m.H != H {
		mask = imageops.LatentUpscale(m.Pix, 1, m.H, m.W, H, W, "bilinear")
	}
	x0, y0, w, h, err := factorCrop(W, H, v.v.Factor())
	if err != nil {
		return nil, err
	}
	hard := make([]float32, w*h) // torch.round: 1 above ½
	for y := range h {
		for x := range w {
			if mask[(y0+y)*W+x0+x] > 0.5 {
				hard[y*w+x] = 1
			}
		}
	}
	grey := make(Images, len(imgs))
	for i, im := range imgs {
		if im.W != W || im.H != H {
			return nil, errors.New("images of one batch differ in size")
		}
		c := imageops.Crop(im, x0, y0, x0+w, y0+h)
		o := imageops.RGB{W: w, H: h, Pix: make([]float32, len(c.Pix))}
		for j, px := range c.Pix {
			// Planes are C, H, W: pixel j mod w·h.
			if hard[j%(w*h)] == 1 {
				px = 0.5
			}
			o.Pix[j] = px
		}
		grey[i] = o
	}
	l, err := encodeImages(ctx, rc.Device, v.v, grey, 0, 0)
	if err != nil {
		return nil, err
	}
	grown := growMask(hard, w, h, int(a.Int("grow_mask_by")))
	// The sampler reads the noise mask at latent size; ComfyUI resizes it
	// there the same way (bilinear), at sampling time.
	l.NoiseMask = imageops.LatentUpscale(grown, 1, h, w, l.H, l.W, "bilinear")
	return []any{l}, nil
}

// growMask is ComfyUI's mask growth: a g×g box of ones convolved over the
// 0/1 mask with padding ⌈(g−1)/2⌉, clamped to 1, i.e. a pixel is set when
// any pixel of the window rows [y−p, y−p+g) × columns [x−p, x−p+g) is.
// Computed as two separable passes over running counts.
func growMask(m []float32, w, h, g int) []float32 {
	if g <= 0 {
		return m
	}
	p := g / 2 // ⌈(g−1)/2⌉
	// dilate1 marks out[i] when any of in[i−p … i−p+g−1] (inside 0…n−1) is set.
	dilate1 := func(get func(int) bool, set func(int), n int) {
		count := 0
		// count holds the set elements of the window [i−p, i−p+g).
		for j := -p; j < -p+g-1; j++ {
			if j >= 0 && j < n && get(j) {
				count++
			}
		}
		for i := range n {
			if hi := i - p + g - 1; hi >= 0 && hi < n && get(hi) {
				count++
			}
			if count > 0 {
				set(i)
			}
			if lo := i - p; lo >= 0 && lo < n && get(lo) {
				count--
			}
		}
	}
	rows := make([]float32, w*h)
	for y := range h {
		dilate1(func(x int) bool { return m[y*w+x] > 0 }, func(x int) { rows[y*w+x] = 1 }, w)
	}
	out := make([]float32, w*h)
	for x := range w {
		dilate1(func(y int) bool { return rows[y*w+x] > 0 }, func(y int) { out[y*w+x] = 1 }, h)
	}
	return out
}
