package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Latent→RGB projections for previews: rgb = Σ_c latent_c · factor[c] + bias,
// in about [−1, 1]. These are the published linear fits of each family's VAE
// latent space (ComfyUI latent_formats.SD15 and SDXL, latent_rgb_factors and
// latent_rgb_factors_bias).
var (
	sd15RGB = [4][3]float32{
		{0.3512, 0.2297, 0.3227},
		{0.3250, 0.4974, 0.2350},
		{-0.2829, 0.1762, 0.2721},
		{-0.2120, -0.2616, -0.7177},
	}
	sdxlRGB = [4][3]float32{
		{0.3651, 0.4232, 0.4341},
		{-0.2533, -0.0042, 0.1068},
		{0.1076, 0.1111, -0.0362},
		{-0.3165, -0.2492, -0.2188},
	}
	sdxlRGBBias = [3]float32{0.1084, -0.0175, -0.0011}
)

// previewer returns the function that turns a step's x0 estimate (a batch of
// latents) into a small PNG of the first image: TAESD when configured, the
// linear projection otherwise.
func (j *job) previewer(ck *checkpoint, shape []int) func(ctx context.Context, x0 []float32) []byte {
	C, h, w := shape[0], shape[1], shape[2]
	dec := j.e.previewDecoder(ck.det.Family)
	return func(ctx context.Context, x0 []float32) []byte {
		first := x0[:C*h*w]
		if dec != nil && dec.LatentChannels() == C {
			if b := j.taesdPreview(ctx, first, C, h, w); b != nil {
				return b
			}
		}
		if C != 4 {
			return nil
		}
		return encodePreview(projectLatent(first, h, w, ck.det.Family))
	}
}

func (j *job) taesdPreview(ctx context.Context, lat []float32, c, h, w int) []byte {
	dev := j.e.dev
	x, err := dev.Upload(tensor.Shape{1, c, h, w}, lat)
	if err != nil {
		return nil
	}
	dec := j.e.previewDecoder(j.ck.det.Family)
	img, err := dec.Decode(ctx, x)
	nn.Free(dev, x)
	if err != nil {
		return nil
	}
	data, err := dev.Download(img)
	nn.Free(dev, img)
	if err != nil {
		return nil
	}
	s := img.Shape()
	H, W := s[2], s[3]
	out := image.NewNRGBA(image.Rect(0, 0, W, H))
	plane := H * W
	for i := 0; i < plane; i++ {
		out.Pix[4*i] = to8(data[i])
		out.Pix[4*i+1] = to8(data[plane+i])
		out.Pix[4*i+2] = to8(data[2*plane+i])
		out.Pix[4*i+3] = 255
	}
	return encodePreview(out)
}

// projectLatent maps one [4, h, w] latent to an h×w image.
func projectLatent(lat []float32, h, w int, f detect.Family) *image.NRGBA {
	factors, bias := sd15RGB, [3]float32{}
	if f == detect.FamilySDXL || f == detect.FamilySDXLRefiner {
		factors, bias = sdxlRGB, sdxlRGBBias
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for i := 0; i < plane; i++ {
		var rgb [3]float32
		for k := range 3 {
			v := bias[k]
			for c := range 4 {
				v += lat[c*plane+i] * factors[c][k]
			}
			rgb[k] = (v + 1) / 2
		}
		img.SetNRGBA(i%w, i/w, color.NRGBA{to8(rgb[0]), to8(rgb[1]), to8(rgb[2]), 255})
	}
	return img
}

func to8(v float32) uint8 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}

func encodePreview(img image.Image) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil
	}
	return buf.Bytes()
}
