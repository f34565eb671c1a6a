package pipeline

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// inputs are a request's images, decoded and validated before any model
// work starts.
type inputs struct {
	init *imageops.RGB
	mask *imageops.Mask // nil for img2img, and for a blank inpainting mask
}

func loadInputs(r Request) (inputs, error) {
	var in inputs
	if r.Mode == ModeTxt2Img {
		return in, nil
	}
	img, err := decodeInput(r.InitImage, r.InitImageData)
	if err != nil {
		return in, invalid("InitImage", "%v", err)
	}
	rgb := imageops.FromImage(img)
	in.init = &rgb
	if r.Mode != ModeInpaint {
		return in, nil
	}
	mimg, err := decodeInput(r.Mask, r.MaskData)
	if err != nil {
		return in, invalid("Mask", "%v", err)
	}
	m := imageops.MaskFromImage(mimg)
	if m.W != rgb.W || m.H != rgb.H {
		// A1111 resizes a mask of another size with the image's resize.
		m = imageops.ResizeMask(m, rgb.W, rgb.H, imageops.JustResize)
	}
	if !m.IsEmpty() { // a blank mask is plain img2img, as in A1111
		in.mask = &m
	}
	return in, nil
}

func decodeInput(path string, data []byte) (image.Image, error) {
	if len(data) > 0 {
		return imageops.Decode(data, imageops.MaxSide)
	}
	return imageops.Load(path)
}

func resizeMode(s string) imageops.ResizeMode {
	switch s {
	case ResizeCrop:
		return imageops.CropAndResize
	case ResizeFill:
		return imageops.ResizeAndFill
	}
	return imageops.JustResize
}

// prepared is an init image (and mask) brought to the processing size, plus
// what the final overlay needs (A1111 img2img's init: resize, mask blur,
// "only masked" crop, masked-content fill, mask_for_overlay).
type prepared struct {
	image imageops.RGB   // W×H
	mask  *imageops.Mask // W×H, 1 = repaint; nil for img2img
	// The final composite: generated pixels pasted onto base through
	// overlay (base's size) at (x0, y0), scaled to w×h first when only the
	// masked region was processed.
	base           imageops.RGB
	overlay        imageops.Mask
	x0, y0, cw, ch int
	onlyMasked     bool
}

func prepare(in inputs, r Request) prepared {
	W, H := r.Width, r.Height
	mode := resizeMode(r.ResizeMode)
	if in.mask == nil {
		return prepared{image: imageops.Resize(*in.init, W, H, mode)}
	}
	m := imageops.BlurMask(*in.mask, *r.MaskBlur)
	var p prepared
	if r.InpaintOnlyMasked {
		x0, y0, x1, y1 := imageops.MaskedRegion(m, *r.InpaintPadding, W, H)
		p.image = imageops.Resize(imageops.Crop(*in.init, x0, y0, x1, y1), W, H, imageops.ResizeAndFill)
		pm := imageops.ResizeMask(imageops.CropMask(m, x0, y0, x1, y1), W, H, imageops.ResizeAndFill)
		p.mask = &pm
		p.base, p.overlay = *in.init, m
		p.x0, p.y0, p.cw, p.ch, p.onlyMasked = x0, y0, x1-x0, y1-y0, true
	} else {
		p.image = imageops.Resize(*in.init, W, H, mode)
		pm := imageops.ResizeMask(m, W, H, mode)
		p.mask = &pm
		// A1111 doubles the blurred mask for the overlay of a whole-picture
		// inpaint so the repainted area reaches full strength inside the blur.
		p.base, p.overlay = p.image, pm.Scaled(2)
		p.cw, p.ch = W, H
	}
	if r.InpaintFill != FillOriginal {
		p.image = imageops.FillMasked(p.image, *p.mask)
	}
	return p
}

// finish pastes a generated W×H image into the original as A1111's
// apply_overlay does; img2img results are returned as they are.
func (p *prepared) finish(gen imageops.RGB) imageops.RGB {
	if p.mask == nil {
		return gen
	}
	if p.onlyMasked {
		gen = imageops.Resize(gen, p.cw, p.ch, imageops.CropAndResize)
	}
	return imageops.Composite(p.base, gen, p.overlay, p.x0, p.y0)
}

// latentMask is the processing mask at latent size, rounded to 0/1 (A1111's
// latmask with mask_round), repeated over c channels and b images.
func latentMask(m imageops.Mask, c, h, w, b int) []float32 {
	lm := imageops.LanczosMask(m, w, h)
	out := make([]float32, 0, b*c*h*w)
	for i := 0; i < b*c; i++ {
		for _, v := range lm.Pix {
			out = append(out, float32(math.Round(float64(v))))
		}
	}
	return out
}

// encodeImage VAE-encodes one image to its diffusion latent (the posterior
// mean, as ComfyUI's VAEEncode; A1111 samples it, which only adds noise the
// img2img noise drowns anyway).
func encodeImage(ctx context.Context, dev compute.Device, v *vae.VAE, signed []float32, w, h int) ([]float32, error) {
	x, err := dev.Upload(tensor.Shape{1, 3, h, w}, signed)
	if err != nil {
		return nil, err
	}
	z, err := v.Encode(ctx, x, false, nil)
	nn.Free(dev, x)
	if err != nil {
		return nil, fmt.Errorf("vae encode: %w", err)
	}
	out, err := dev.Download(z)
	nn.Free(dev, z)
	return out, err
}

// decodeLatents VAE-decodes a batch [b, C, h, w] into b images.
func decodeLatents(ctx context.Context, dev compute.Device, v *vae.VAE, lat []float32, b, c, h, w int) ([]imageops.RGB, error) {
	x, err := dev.Upload(tensor.Shape{b, c, h, w}, lat)
	if err != nil {
		return nil, err
	}
	img, err := v.Decode(ctx, x)
	nn.Free(dev, x)
	if err != nil {
		return nil, fmt.Errorf("vae decode: %w", err)
	}
	data, err := dev.Download(img)
	nn.Free(dev, img)
	if err != nil {
		return nil, err
	}
	s := img.Shape()
	H, W := s[2], s[3]
	out := make([]imageops.RGB, b)
	n := 3 * H * W
	for i := range out {
		out[i] = imageops.FromSigned(data[i*n:(i+1)*n], W, H)
	}
	return out, nil
}

// repeat concatenates b copies of x.
func repeat(x []float32, b int) []float32 {
	out := make([]float32, 0, b*len(x))
	for i := 0; i < b; i++ {
		out = append(out, x...)
	}
	return out
}
