package imageops

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReflect101(t *testing.T) {
	// OpenCV BORDER_REFLECT_101 on n=5: gfedcb|abcdefgh|gfedcba, periodic.
	for i, want := range map[int]int{-1: 1, -2: 2, -4: 4, -5: 3, 0: 0, 4: 4, 5: 3, 8: 0, 9: 1, 13: 3} {
		assert.Equal(t, want, reflect101(i, 5), "index %d", i)
	}
	assert.Equal(t, 0, reflect101(-3, 1))
}

func TestBlurMaskImpulse(t *testing.T) {
	m := NewMask(15, 15)
	m.Pix[7*15+7] = 1
	got := BlurMask(m, 1)
	// cv2.getGaussianKernel(7, 1), hand-computed: exp(−x²/2) normalised.
	k := []float32{0.004433048, 0.054005583, 0.24203623, 0.39905028, 0.24203623, 0.054005583, 0.004433048}
	for y := range 15 {
		for x := range 15 {
			var want float32
			if dx, dy := x-4, y-4; dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
				want = k[dx] * k[dy]
			}
			require.InDelta(t, want, got.at(x, y), 1e-6, "(%d,%d)", x, y)
		}
	}
	assert.InDelta(t, 1, sum(got.Pix), 1e-5, "mass preserved away from borders")
}

func TestBlurMaskProperties(t *testing.T) {
	for _, r := range []int{1, 4, 9, 40} {
		t.Run(fmt.Sprint(r), func(t *testing.T) {
			m := maskFunc(60, 50, func(x, y int) float32 {
				if x > 20 && x < 40 && y > 15 && y < 35 {
					return 1
				}
				return 0
			})
			got := BlurMask(m, r)
			for _, v := range got.Pix {
				require.True(t, v >= 0 && v <= 1, "%v outside [0,1]", v)
			}
			if 3*r < 15 {
				// The kernel stays clear of the borders: mass is kept. Wider
				// kernels reflect at the border (reflect-101 is not
				// mass-preserving), which the range check above still covers.
				assert.InDelta(t, sum(m.Pix), sum(got.Pix), float64(1e-4*sum(m.Pix)))
			}
			assert.Less(t, got.at(30, 25), float32(1.0001))
			assert.Greater(t, got.at(20, 25), float32(0), "blur reaches outside the square")
		})
	}
	m := maskFunc(3, 2, func(x, _ int) float32 { return float32(x) / 2 })
	assert.Equal(t, m.Pix, BlurMask(m, 0).Pix)
	// A kernel far wider than the image still folds correctly.
	tiny := BlurMask(maskFunc(2, 1, func(x, _ int) float32 { return float32(x) }), 10)
	for _, v := range tiny.Pix {
		assert.InDelta(t, 0.5, v, 0.05)
	}
}

func sum(p []float32) float32 {
	var s float64
	for _, v := range p {
		s += float64(v)
	}
	return float32(s)
}

func TestMaskedRegion(t *testing.T) {
	block := func(w, h, x0, y0, x1, y1 int) Mask {
		return maskFunc(w, h, func(x, y int) float32 {
			if x >= x0 && x < x1 && y >= y0 && y < y1 {
				return 1
			}
			return 0
		})
	}
	// Expected boxes worked through get_crop_region_v2 + expand_crop_region
	// by hand.
	tests := []struct {
		name      string
		m         Mask
		pad, w, h int
		want      [4]int
	}{
		{"square block, square target", block(100, 100, 40, 45, 50, 55), 0, 512, 512, [4]int{40, 45, 50, 55}},
		{"padding", block(100, 100, 40, 45, 50, 55), 5, 512, 512, [4]int{35, 40, 55, 60}},
		{"wide target widens", block(100, 100, 40, 45, 50, 55), 0, 1024, 512, [4]int{35, 45, 55, 55}},
		{"tall target heightens", block(100, 100, 40, 45, 50, 55), 0, 512, 768, [4]int{40, 43, 50, 58}},
		{"wide block heightens", block(100, 100, 10, 50, 90, 54), 0, 512, 512, [4]int{10, 12, 90, 92}},
		{"shifted up from bottom", block(100, 100, 0, 90, 20, 100), 0, 512, 512, [4]int{0, 80, 20, 100}},
		{"shifted down from top", block(100, 100, 0, 0, 20, 4), 0, 512, 512, [4]int{0, 0, 20, 20}},
		{"clamped to image", block(100, 50, 0, 20, 100, 30), 0, 512, 512, [4]int{0, 0, 100, 50}},
		{"padding clamped then odd growth", block(20, 20, 2, 3, 5, 6), 10, 64, 64, [4]int{0, 0, 16, 16}},
		{"blank mask is whole image", NewMask(30, 20), 4, 512, 512, [4]int{0, 0, 30, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x0, y0, x1, y1 := MaskedRegion(tt.m, tt.pad, tt.w, tt.h)
			assert.Equal(t, tt.want, [4]int{x0, y0, x1, y1})
		})
	}
	t.Run("faint tail below one byte is ignored", func(t *testing.T) {
		m := NewMask(10, 10)
		m.Pix[1*10+1] = 0.001 // rounds to byte 0
		m.Pix[5*10+5] = 0.002 // rounds to byte 1
		x0, y0, x1, y1 := MaskedRegion(m, 0, 8, 8)
		assert.Equal(t, [4]int{5, 5, 6, 6}, [4]int{x0, y0, x1, y1})
		assert.False(t, m.IsEmpty())
		m.Pix[5*10+5] = 0
		assert.True(t, m.IsEmpty())
	})
}

func TestComposite(t *testing.T) {
	base := randomRGB(8, 6, 2)
	overlay := randomRGB(4, 3, 3)
	m := maskFunc(8, 6, func(x, y int) float32 {
		switch {
		case x == 3 && y == 2:
			return 0.25
		case x >= 4:
			return 1 // includes pixels outside the overlay
		}
		return 0
	})
	out := Composite(base, overlay, m, 2, 1)
	for c := range 3 {
		for y := range 6 {
			for x := range 8 {
				inside := x >= 2 && x < 6 && y >= 1 && y < 4
				b, got := base.at(c, x, y), out.at(c, x, y)
				switch {
				case !inside || m.at(x, y) == 0:
					require.Equal(t, b, got, "(%d,%d) keeps base", x, y)
				case m.at(x, y) == 1:
					require.Equal(t, overlay.at(c, x-2, y-1), got, "(%d,%d) takes overlay", x, y)
				default:
					require.InDelta(t, 0.75*b+0.25*overlay.at(c, x-2, y-1), got, 1e-6)
				}
			}
		}
	}
	// Overlay hanging off the top-left corner is clipped.
	full := maskFunc(8, 6, func(int, int) float32 { return 1 })
	out = Composite(base, overlay, full, -2, -1)
	assert.Equal(t, overlay.at(0, 2, 1), out.at(0, 0, 0))
	assert.Equal(t, base.at(0, 2, 0), out.at(0, 2, 0))
	assert.Panics(t, func() { Composite(base, overlay, NewMask(4, 3), 0, 0) })
}

func TestFillMasked(t *testing.T) {
	// Red left half, blue right half; a masked band in the middle.
	img := rgbFunc(64, 32, func(c, x, _ int) float32 {
		if (c == 0) == (x < 32) && c != 1 {
			return 1
		}
		return 0
	})
	m := maskFunc(64, 32, func(x, _ int) float32 {
		if x >= 24 && x < 40 {
			return 1
		}
		return 0
	})
	got := FillMasked(img, m)
	for c := range 3 {
		for y := range 32 {
			for x := range 64 {
				if m.at(x, y) == 0 {
					require.Equal(t, img.at(c, x, y), got.at(c, x, y), "kept pixel changed")
				}
				require.True(t, got.at(c, x, y) >= 0 && got.at(c, x, y) <= 1)
			}
		}
	}
	// Holes take surrounding colour: reddish near the red side, bluish near
	// the blue side, never the original colour pattern's hard edge.
	assert.Greater(t, got.at(0, 25, 16), got.at(2, 25, 16))
	assert.Greater(t, got.at(2, 38, 16), got.at(0, 38, 16))
	assert.InDelta(t, 0, got.at(1, 30, 16), 1e-6, "no green appears")
	assert.InDelta(t, 1, got.at(0, 25, 16)+got.at(2, 25, 16), 1e-4, "mix of the two neighbours")

	flat := rgbFunc(40, 40, func(c, _, _ int) float32 { return 0.3 + 0.2*float32(c) })
	hole := maskFunc(40, 40, func(x, y int) float32 {
		if (x-20)*(x-20)+(y-20)*(y-20) < 100 {
			return 1
		}
		return 0.3 * float32(x%2) // soft, partial weights too
	})
	out := FillMasked(flat, hole)
	assert.Less(t, maxAbsDiff(t, flat.Pix, out.Pix), 1e-5, "a flat image fills flat")

	all := FillMasked(flat, maskFunc(40, 40, func(int, int) float32 { return 1 }))
	assert.Equal(t, make([]float32, len(all.Pix)), all.Pix, "nothing to spread: black as A1111")
}

func TestBoxRadiusMatchesVariance(t *testing.T) {
	// Three passes of a box of fractional radius r = l+a have variance
	// 3·((2l+1)³−(2l+1) + 12·a·(l+1)²)/(12·(2r+1)) = σ² (PIL's derivation).
	for _, sigma := range []float64{2, 4, 16, 64, 256} {
		r := boxRadius(sigma, 3)
		l := float64(int(r))
		a := r - l
		n := 2*l + 1
		variance := 3 * ((n*n*n - n) + 24*a*(l+1)*(l+1)) / (12 * (2*r + 1))
		assert.InDelta(t, sigma*sigma, variance, 1e-6*sigma*sigma, "sigma %v", sigma)
	}
}

func BenchmarkFillMasked512(b *testing.B) {
	img := smoothRGB(512, 512)
	m := maskFunc(512, 512, func(x, y int) float32 {
		if x > 128 && x < 384 && y > 128 && y < 384 {
			return 1
		}
		return 0
	})
	for b.Loop() {
		FillMasked(img, m)
	}
}
