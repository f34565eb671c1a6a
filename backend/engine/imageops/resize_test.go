package imageops

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitSizeMatchesResizeImage(t *testing.T) {
	// Values worked through A1111's resize_image integer formulas by hand.
	tests := []struct {
		name         string
		sw, sh, w, h int
		cover        bool
		wantW, wantH int
	}{
		{"crop: wide source into square", 200, 100, 64, 64, true, 128, 64},
		{"crop: tall source into square", 100, 300, 60, 60, true, 60, 180},
		{"crop: same aspect", 100, 50, 40, 20, true, 40, 20},
		{"crop: floor in src_w", 333, 100, 50, 60, true, 199, 60},
		{"fill: wide source into square", 200, 100, 64, 64, false, 64, 32},
		{"fill: tall source into square", 100, 300, 60, 60, false, 20, 60},
		{"fill: same aspect", 100, 50, 40, 20, false, 40, 20},
		{"fill: floor in src_h", 300, 101, 64, 64, false, 64, 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, h := fitSize(tt.sw, tt.sh, tt.w, tt.h, tt.cover)
			assert.Equal(t, [2]int{tt.wantW, tt.wantH}, [2]int{w, h})
		})
	}
}

func TestResizeJust(t *testing.T) {
	img := smoothRGB(40, 20)
	got := Resize(img, 30, 30, JustResize)
	assert.Equal(t, Lanczos(img, 30, 30).Pix, got.Pix)
}

// Crop and resize of a 2:1 image into a square scales it to 2H×H and keeps
// the centre: columns whose source is x keep their value from a horizontal
// ramp shifted by the crop offset.
func TestResizeCropTakesCentre(t *testing.T) {
	// Each source column is constant along y, and the source is 40×20 → 20×10
	// shrink by exactly 2 then crop 10 wide from offset 5.
	src := rgbFunc(40, 20, func(c, x, _ int) float32 { return float32(x) / 40 })
	got := Resize(src, 10, 10, CropAndResize)
	full := Lanczos(src, 20, 10)
	require.Equal(t, 10, got.W)
	require.Equal(t, 10, got.H)
	// Paste offset: 10//2 − 20//2 = −5.
	for c := range 3 {
		for y := range 10 {
			for x := range 10 {
				require.Equal(t, full.at(c, x+5, y), got.at(c, x, y))
			}
		}
	}
	// Symmetric content stays symmetric: the crop is centred.
	sym := rgbFunc(60, 20, func(_, x, _ int) float32 { return float32((x-30)*(x-30)) / 900 * 0.9 })
	res := Resize(sym, 16, 16, CropAndResize)
	for x := range 8 {
		assert.InDelta(t, res.at(0, x, 3), res.at(0, 15-x, 3), 0.03)
	}
}

func TestResizeFillBandsExtendEdges(t *testing.T) {
	// 20×10 into 20×20: scaled stays 20×10 (identity), pasted at y = 10−5 = 5;
	// rows 0–4 and 15–19 are bands.
	src := rgbFunc(20, 10, func(c, x, y int) float32 { return 0.2 + 0.03*float32(y) + 0.01*float32(x) })
	got := Resize(src, 20, 20, ResizeAndFill)
	edge := edgeTaps(10, false)
	// Hand-computed: Lanczos-3 at 0.5, 1.5, 2.5 normalised.
	require.InDeltaSlice(t, []float32{1.2228261, -0.27173913, 0.048913043}, edge.w, 1e-6)
	for x := range 20 {
		for y := range 10 {
			require.Equal(t, src.at(1, x, y), got.at(1, x, y+5), "pasted image unchanged")
		}
		top := edge.w[0]*src.at(1, x, 0) + edge.w[1]*src.at(1, x, 1) + edge.w[2]*src.at(1, x, 2)
		bot := edge.w[0]*src.at(1, x, 9) + edge.w[1]*src.at(1, x, 8) + edge.w[2]*src.at(1, x, 7)
		for y := range 5 {
			require.InDelta(t, top, got.at(1, x, y), 1e-6)
			require.InDelta(t, bot, got.at(1, x, 15+y), 1e-6)
		}
	}
	// A flat image fills with its own colour, horizontally too.
	flat := rgbFunc(10, 30, func(c, _, _ int) float32 { return 0.25 * float32(c+1) })
	res := Resize(flat, 40, 40, ResizeAndFill) // scaled to 13×40 at x = 20−6 = 14
	for c := range 3 {
		for _, x := range []int{0, 13, 14, 26, 27, 39} {
			require.InDelta(t, 0.25*float32(c+1), res.at(c, x, 20), 1e-6)
		}
	}
}

func TestResizeFillOddRemainderHasNoGap(t *testing.T) {
	// A1111 leaves a black row when the band split is odd; every row here
	// must come from the image or its edge extrapolation.
	src := rgbFunc(10, 4, func(_, _, _ int) float32 { return 0.6 })
	got := Resize(src, 10, 11, ResizeAndFill)
	for _, v := range got.Pix {
		require.InDelta(t, 0.6, v, 1e-6)
	}
}

func TestResizeMaskModes(t *testing.T) {
	m := maskFunc(8, 4, func(x, _ int) float32 {
		if x >= 4 {
			return 1
		}
		return 0
	})
	for _, mode := range []ResizeMode{JustResize, CropAndResize, ResizeAndFill} {
		t.Run(mode.String(), func(t *testing.T) {
			got := ResizeMask(m, 6, 6, mode)
			require.Equal(t, 6, got.W)
			require.Equal(t, 6, got.H)
			for _, v := range got.Pix {
				require.True(t, v >= 0 && v <= 1)
			}
			// Left edge keeps, right edge repaints in every mode.
			assert.InDelta(t, 0, got.at(0, 3), 0.05)
			assert.InDelta(t, 1, got.at(5, 3), 0.05)
		})
	}
	assert.Panics(t, func() { ResizeMask(m, 4, 4, ResizeMode(7)) })
	assert.Equal(t, "ResizeMode(7)", ResizeMode(7).String())
}
