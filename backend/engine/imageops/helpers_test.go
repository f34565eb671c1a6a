package imageops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// rgbFunc builds an RGB image from a function of (channel, x, y).
func rgbFunc(w, h int, f func(c, x, y int) float32) RGB {
	img := NewRGB(w, h)
	for c := range 3 {
		for y := range h {
			for x := range w {
				img.Pix[c*w*h+y*w+x] = f(c, x, y)
			}
		}
	}
	return img
}

func maskFunc(w, h int, f func(x, y int) float32) Mask {
	m := NewMask(w, h)
	for y := range h {
		for x := range w {
			m.Pix[y*w+x] = f(x, y)
		}
	}
	return m
}

// at reads channel c at (x,y).
func (r RGB) at(c, x, y int) float32 { return r.Pix[c*r.W*r.H+y*r.W+x] }

func (m Mask) at(x, y int) float32 { return m.Pix[y*m.W+x] }

func randomRGB(w, h int, seed uint64) RGB {
	rng := rand.New(rand.NewPCG(seed, 1))
	return rgbFunc(w, h, func(int, int, int) float32 { return rng.Float32() })
}

// smoothRGB is a low-frequency image, well inside the band any sane
// resampler preserves.
func smoothRGB(w, h int) RGB {
	return rgbFunc(w, h, func(c, x, y int) float32 {
		fx, fy := float64(x)/float64(w), float64(y)/float64(h)
		return float32(0.5 + 0.3*math.Sin(2*math.Pi*fx+float64(c))*math.Cos(math.Pi*fy))
	})
}

func maxAbsDiff(t *testing.T, a, b []float32) float64 {
	t.Helper()
	require.Len(t, b, len(a))
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}
