package imageops

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLanczosConstantStaysConstant(t *testing.T) {
	for _, sz := range [][4]int{{7, 5, 19, 3}, {64, 48, 13, 11}, {5, 5, 1, 1}, {1, 1, 9, 4}, {30, 2, 31, 1}} {
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			img := rgbFunc(sz[0], sz[1], func(c, _, _ int) float32 { return []float32{0.2, 0.5, 0.9}[c] })
			got := Lanczos(img, sz[2], sz[3])
			require.Equal(t, sz[2], got.W)
			require.Equal(t, sz[3], got.H)
			for c := range 3 {
				for y := range got.H {
					for x := range got.W {
						require.InDelta(t, img.Pix[c*img.W*img.H], got.at(c, x, y), 1e-6)
					}
				}
			}
		})
	}
}

func TestLanczosIdentityIsExact(t *testing.T) {
	img := randomRGB(13, 7, 1)
	got := Lanczos(img, 13, 7)
	assert.Equal(t, img.Pix, got.Pix)
	got.Pix[0] = -1
	assert.NotEqual(t, got.Pix[0], img.Pix[0], "result must not alias the input")
}

// Hand-computed from PIL's precompute_coeffs: 2→4 samples puts output i at
// source (i+0.5)/2, with Lanczos-3 weights over the two source samples,
// renormalised; 4→2 doubles the kernel's support so all four contribute.
func TestLanczosHandComputed(t *testing.T) {
	up := Lanczos(RGB{W: 2, H: 1, Pix: []float32{0.25, 0.75, 0, 0, 0, 0}}, 4, 1)
	assert.InDeltaSlice(t, []float32{0.16226115, 0.36643535, 0.63356465, 0.83773885}, up.Pix[:4], 1e-6)
	down := Lanczos(RGB{W: 1, H: 4, Pix: []float32{0.1, 0.2, 0.6, 0.9, 0, 0, 0, 0, 0, 0, 0, 0}}, 1, 2)
	assert.InDeltaSlice(t, []float32{0.16143817, 0.71754119}, down.Pix[:2], 1e-6)
}

func TestLanczosDownThenUpIsClose(t *testing.T) {
	img := smoothRGB(96, 64)
	back := Lanczos(Lanczos(img, 48, 32), 96, 64)
	assert.Less(t, maxAbsDiff(t, img.Pix, back.Pix), 0.02)
	back = Lanczos(Lanczos(img, 150, 101), 96, 64)
	assert.Less(t, maxAbsDiff(t, img.Pix, back.Pix), 0.01)
}

// Shrinking must low-pass: a one-pixel checkerboard (Nyquist) shrunk 4× should
// be flat grey, which a kernel that does not widen would alias badly.
func TestLanczosDownscaleAntialiases(t *testing.T) {
	img := rgbFunc(64, 64, func(_, x, y int) float32 { return float32((x + y) % 2) })
	got := Lanczos(img, 16, 16)
	for _, v := range got.Pix {
		require.InDelta(t, 0.5, v, 0.03)
	}
}

func TestLanczosStaysInRange(t *testing.T) {
	// A hard edge rings; results are clamped like PIL's 8-bit output.
	img := rgbFunc(8, 8, func(_, x, _ int) float32 { return float32(x / 4) })
	for _, v := range Lanczos(img, 29, 3).Pix {
		require.True(t, v >= 0 && v <= 1, "%v out of [0,1]", v)
	}
}

func BenchmarkLanczos(b *testing.B) {
	for _, bc := range []struct {
		name         string
		w, h, nw, nh int
	}{
		{"up-512-to-768", 512, 512, 768, 768},
		{"down-1024-to-512", 1024, 1024, 512, 512},
	} {
		img := smoothRGB(bc.w, bc.h)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Lanczos(img, bc.nw, bc.nh)
			}
		})
	}
}
