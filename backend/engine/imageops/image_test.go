package imageops

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromImageRoundTrip(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
		if i%4 == 3 {
			src.Pix[i] = 0xff
		}
	}
	img := FromImage(src)
	require.Equal(t, 5, img.W)
	require.Equal(t, 3, img.H)
	// Planar layout: red of pixel (1,2) is at index 0·15 + 2·5 + 1.
	assert.InDelta(t, float64(src.NRGBAAt(1, 2).R)/255, float64(img.Pix[11]), 1e-6)
	assert.InDelta(t, float64(src.NRGBAAt(1, 2).B)/255, float64(img.Pix[2*15+11]), 1e-6)
	assert.Equal(t, src.Pix, img.ToNRGBA().Pix)
}

func TestFromImageFlattensAlphaOntoWhite(t *testing.T) {
	src := image.NewNRGBA(image.Rect(10, 20, 12, 21)) // non-zero origin
	src.SetNRGBA(10, 20, color.NRGBA{R: 0, G: 255, B: 100, A: 0})
	src.SetNRGBA(11, 20, color.NRGBA{R: 0, G: 0, B: 0, A: 51}) // 20% black
	img := FromImage(src)
	for c := range 3 {
		assert.InDelta(t, 1, img.at(c, 0, 0), 1e-6, "transparent pixel is white")
		assert.InDelta(t, 0.8, img.at(c, 1, 0), 1e-6, "20%% black over white")
	}
}

func TestToNRGBAClampsAndRounds(t *testing.T) {
	img := RGB{W: 4, H: 1, Pix: []float32{-0.5, 1.5, 0.5, 0.001, 0, 0, 0, 0, 0, 0, 0, 0}}
	out := img.ToNRGBA()
	assert.Equal(t, []uint8{0, 255, 128, 0}, []uint8{out.Pix[0], out.Pix[4], out.Pix[8], out.Pix[12]})
	assert.Equal(t, uint8(255), out.Pix[3])
}

func TestMaskFromImage(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 3, 1))
	gray.Pix = []uint8{128, 129, 255}

	opaque := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	opaque.SetNRGBA(0, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 255})
	// Luma of pure red: (255·19595 + 0x8000) >> 16 = 76, below 128.
	opaque.SetNRGBA(1, 0, color.NRGBA{R: 255, A: 255})

	// Any transparency: the alpha is the mask, the colour is ignored.
	alpha := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	alpha.SetNRGBA(0, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 0})
	alpha.SetNRGBA(1, 0, color.NRGBA{A: 200})
	alpha.SetNRGBA(2, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 128})

	tests := []struct {
		name       string
		img        image.Image
		want, soft []float32
	}{
		{"gray threshold is >128", gray, []float32{0, 1, 1}, []float32{128. / 255, 129. / 255, 1}},
		{"opaque uses luminance", opaque, []float32{1, 0}, []float32{1, 76. / 255}},
		{"transparent uses alpha", alpha, []float32{0, 1, 0}, []float32{0, 200. / 255, 128. / 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MaskFromImage(tt.img).Pix)
			assert.InDeltaSlice(t, tt.soft, MaskFromImageSoft(tt.img).Pix, 1e-7)
		})
	}
}

func TestMaskScaledInverted(t *testing.T) {
	m := Mask{W: 3, H: 1, Pix: []float32{0, 0.3, 0.8}}
	assert.InDeltaSlice(t, []float32{0, 0.6, 1}, m.Scaled(2).Pix, 1e-7)
	assert.InDeltaSlice(t, []float32{1, 0.7, 0.2}, m.Inverted().Pix, 1e-7)
	assert.Equal(t, []uint8{0, 77, 204}, m.ToGray().Pix)
}

func TestCrop(t *testing.T) {
	img := rgbFunc(5, 4, func(c, x, y int) float32 { return float32(100*c + 10*y + x) })
	got := Crop(img, 1, 2, 4, 4)
	require.Equal(t, 3, got.W)
	require.Equal(t, 2, got.H)
	for c := range 3 {
		for y := range 2 {
			for x := range 3 {
				assert.Equal(t, img.at(c, x+1, y+2), got.at(c, x, y))
			}
		}
	}
	m := maskFunc(5, 4, func(x, y int) float32 { return float32(10*y + x) })
	assert.Equal(t, []float32{21, 22, 23, 31, 32, 33}, CropMask(m, 1, 2, 4, 4).Pix)
	assert.Panics(t, func() { Crop(img, 0, 0, 6, 1) })
	assert.Panics(t, func() { Crop(img, 2, 0, 2, 1) })
}

func TestSigned(t *testing.T) {
	img := RGB{W: 2, H: 1, Pix: []float32{0, 1, 0.5, 0.25, 0.75, 1}}
	s := ToSigned(img)
	assert.Equal(t, []float32{-1, 1, 0, -0.5, 0.5, 1}, s)
	assert.Equal(t, img.Pix, FromSigned(s, 2, 1).Pix)
	// Decoder output beyond [-1,1] is clamped, as A1111 does.
	assert.Equal(t, []float32{0, 1, 0.5, 0.5, 0.5, 0.5}, FromSigned([]float32{-3, 2, 0, 0, 0, 0}, 2, 1).Pix)
	assert.Panics(t, func() { FromSigned(make([]float32, 5), 2, 1) })
}

// The NRGBA fast path and the generic image.Image path agree.
func TestFromImageGenericPathMatchesFastPath(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 6, 4))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(i*53 + 7)
	}
	rgba := image.NewRGBA(nrgba.Rect) // premultiplied copy, a different type
	for y := range 4 {
		for x := range 6 {
			rgba.Set(x, y, nrgba.At(x, y))
		}
	}
	fast, generic := FromImage(nrgba), FromImage(rgba)
	// Premultiplying to 8 bits loses up to half a level per channel.
	assert.Less(t, maxAbsDiff(t, fast.Pix, generic.Pix), 2.0/255)

	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{0, 51}
	g := FromImage(gray)
	assert.InDeltaSlice(t, []float32{0, 0.2, 0, 0.2, 0, 0.2}, g.Pix, 1e-6)
}
