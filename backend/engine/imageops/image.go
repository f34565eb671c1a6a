package imageops

import (
	"fmt"
	"image"
	"image/color"
)

// RGB is an image as float32 planes in [0,1], planar C,H,W: Pix[c·W·H+y·W+x].
type RGB struct {
	W, H int
	Pix  []float32 // len 3·W·H
}

// Mask is a single plane: 0 keeps the original pixel, 1 repaints it, values
// between blend.
type Mask struct {
	W, H int
	Pix  []float32 // len W·H, row-major
}

// NewRGB returns a black image of the given size.
func NewRGB(w, h int) RGB {
	checkSize(w, h)
	return RGB{W: w, H: h, Pix: make([]float32, 3*w*h)}
}

// NewMask returns an all-keep (zero) mask of the given size.
func NewMask(w, h int) Mask {
	checkSize(w, h)
	return Mask{W: w, H: h, Pix: make([]float32, w*h)}
}

// plane is the shape both RGB and Mask share, so resampling and blurring are
// written once.
type plane struct {
	c, w, h int
	pix     []float32
}

func (r RGB) plane() plane  { r.check(); return plane{3, r.W, r.H, r.Pix} }
func (m Mask) plane() plane { m.check(); return plane{1, m.W, m.H, m.Pix} }
func (p plane) rgb() RGB    { return RGB{W: p.w, H: p.h, Pix: p.pix} }
func (p plane) mask() Mask  { return Mask{W: p.w, H: p.h, Pix: p.pix} }

func (r RGB) check() {
	checkSize(r.W, r.H)
	if len(r.Pix) != 3*r.W*r.H {
		panic("imageops: RGB pixel count does not match its size")
	}
}

func (m Mask) check() {
	checkSize(m.W, m.H)
	if len(m.Pix) != m.W*m.H {
		panic("imageops: Mask pixel count does not match its size")
	}
}

func checkSize(w, h int) {
	if w <= 0 || h <= 0 {
		panic("imageops: image size must be positive")
	}
}

// FromImage converts any image to RGB. Transparent pixels are flattened onto
// white, as A1111 does to img2img inputs (images.flatten with its default
// img2img_background_color #ffffff).
func FromImage(img image.Image) RGB {
	b := img.Bounds()
	out := NewRGB(b.Dx(), b.Dy())
	n := out.W * out.H
	parallelFor(out.H, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			if fromNRGBARow(img, out, y) {
				continue
			}
			for x := 0; x < out.W; x++ {
				// RGBA() is alpha-premultiplied, so "over white" is c + (1−a).
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				bg := float32(0xffff-a) / 0xffff
				i := y*out.W + x
				out.Pix[i] = float32(r)/0xffff + bg
				out.Pix[n+i] = float32(g)/0xffff + bg
				out.Pix[2*n+i] = float32(bl)/0xffff + bg
			}
		}
	})
	return out
}

// fromNRGBARow is FromImage's fast path for *image.NRGBA (what PNG decodes
// to and ToNRGBA produces), avoiding an interface call per pixel; it reports
// whether it handled the row.
func fromNRGBARow(img image.Image, out RGB, y int) bool {
	src, ok := img.(*image.NRGBA)
	if !ok {
		return false
	}
	n := out.W * out.H
	row := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):]
	for x := range out.W {
		p := row[4*x : 4*x+4]
		a := float32(p[3]) / 255
		i := y*out.W + x
		for c := range 3 {
			out.Pix[c*n+i] = float32(p[c])/255*a + (1 - a)
		}
	}
	return true
}

// ToNRGBA converts to 8-bit, clamping to [0,1] and rounding to nearest.
func (r RGB) ToNRGBA() *image.NRGBA {
	r.check()
	out := image.NewNRGBA(image.Rect(0, 0, r.W, r.H))
	n := r.W * r.H
	for i := range n {
		o := 4 * i
		out.Pix[o] = to8(r.Pix[i])
		out.Pix[o+1] = to8(r.Pix[n+i])
		out.Pix[o+2] = to8(r.Pix[2*n+i])
		out.Pix[o+3] = 0xff
	}
	return out
}

// ToGray converts a mask to an 8-bit grey image (white repaints).
func (m Mask) ToGray() *image.Gray {
	m.check()
	out := image.NewGray(image.Rect(0, 0, m.W, m.H))
	for i, v := range m.Pix {
		out.Pix[i] = to8(v)
	}
	return out
}

func to8(v float32) uint8 { return uint8(clamp01(v)*255 + 0.5) }

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// MaskFromImage reads an inpainting mask as A1111's create_binary_mask does
// with its default mask_round: when the image has an alpha channel that is not
// fully opaque the alpha is the mask (strokes painted on a transparent layer),
// otherwise the luminance is (white repaints); then each 8-bit value > 128
// becomes 1 and the rest 0.
func MaskFromImage(img image.Image) Mask {
	m := MaskFromImageSoft(img)
	for i, v := range m.Pix {
		// v is an exact k/255; compare in 8-bit as PIL's point(x > 128) does.
		if int(v*255+0.5) > 128 {
			m.Pix[i] = 1
		} else {
			m.Pix[i] = 0
		}
	}
	return m
}

// MaskFromImageSoft is MaskFromImage without the rounding (A1111 with
// mask_round off): the 8-bit alpha or luminance divided by 255.
func MaskFromImageSoft(img image.Image) Mask {
	b := img.Bounds()
	out := NewMask(b.Dx(), b.Dy())
	useAlpha := hasTransparency(img)
	for y := range out.H {
		for x := range out.W {
			c := img.At(b.Min.X+x, b.Min.Y+y)
			var v uint32
			if useAlpha {
				_, _, _, a := c.RGBA()
				v = a >> 8
			} else {
				n := color.NRGBAModel.Convert(c).(color.NRGBA)
				// PIL's L conversion (ITU-R 601-2 luma, 16-bit fixed point).
				v = (uint32(n.R)*19595 + uint32(n.G)*38470 + uint32(n.B)*7471 + 0x8000) >> 16
			}
			out.Pix[y*out.W+x] = float32(v) / 255
		}
	}
	return out
}

// hasTransparency reports whether any pixel's alpha is below opaque; images
// whose alpha is all 255 are read by luminance, as in A1111.
func hasTransparency(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return !o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return true
			}
		}
	}
	return false
}

// Scaled multiplies the mask by f and clamps to [0,1]. A1111 doubles the
// blurred mask (clip(mask·2)) for the final overlay when the whole picture is
// inpainted, so the repainted area reaches full strength inside the blur.
func (m Mask) Scaled(f float32) Mask {
	m.check()
	out := NewMask(m.W, m.H)
	for i, v := range m.Pix {
		out.Pix[i] = clamp01(v * f)
	}
	return out
}

// Inverted returns 1−m (A1111's "inpaint not masked").
func (m Mask) Inverted() Mask {
	m.check()
	out := NewMask(m.W, m.H)
	for i, v := range m.Pix {
		out.Pix[i] = 1 - v
	}
	return out
}

// Crop returns the pixels in [x0,x1)×[y0,y1), which must lie inside the image.
func Crop(img RGB, x0, y0, x1, y1 int) RGB {
	return cropPlane(img.plane(), x0, y0, x1, y1).rgb()
}

// CropMask is Crop for a mask.
func CropMask(m Mask, x0, y0, x1, y1 int) Mask {
	return cropPlane(m.plane(), x0, y0, x1, y1).mask()
}

func cropPlane(p plane, x0, y0, x1, y1 int) plane {
	if x0 < 0 || y0 < 0 || x1 > p.w || y1 > p.h || x0 >= x1 || y0 >= y1 {
		panic(fmt.Sprintf("imageops: crop (%d,%d)-(%d,%d) outside a %dx%d image", x0, y0, x1, y1, p.w, p.h))
	}
	w, h := x1-x0, y1-y0
	out := plane{p.c, w, h, make([]float32, p.c*w*h)}
	for c := range p.c {
		for y := range h {
			src := p.pix[c*p.w*p.h+(y0+y)*p.w+x0:]
			copy(out.pix[c*w*h+y*w:c*w*h+(y+1)*w], src[:w])
		}
	}
	return out
}

// ToSigned maps [0,1] to [-1,1] as the VAE encoder expects, returning a
// 1×3×H×W tensor's data (the planar layout is already NCHW).
func ToSigned(img RGB) []float32 {
	img.check()
	out := make([]float32, len(img.Pix))
	for i, v := range img.Pix {
		out[i] = 2*v - 1
	}
	return out
}

// FromSigned maps a decoded 1×3×H×W tensor from [-1,1] back to [0,1],
// clamping as A1111 does (torch.clamp((x+1)/2, 0, 1)).
func FromSigned(x []float32, w, h int) RGB {
	checkSize(w, h)
	if len(x) != 3*w*h {
		panic("imageops: FromSigned data is not 3·w·h long")
	}
	out := NewRGB(w, h)
	for i, v := range x {
		out.Pix[i] = clamp01((v + 1) / 2)
	}
	return out
}
