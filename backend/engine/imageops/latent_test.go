package imageops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed from torch's interpolate formulas (align_corners=False).
func TestLatentUpscaleHandComputed(t *testing.T) {
	tests := []struct {
		mode string
		in   []float32
		out  int
		want []float32
	}{
		// scale 2/3: floor(0), floor(0.67), floor(1.33)
		{"nearest", []float32{10, 20}, 3, []float32{10, 10, 20}},
		// scale 1.5: floor(0), floor(1.5)
		{"nearest", []float32{10, 20, 30}, 2, []float32{10, 20}},
		// scale 0.4: 0, .4, .8, 1.2, 1.6
		{"nearest", []float32{10, 20}, 5, []float32{10, 10, 10, 20, 20}},
		// floor((i+0.5)·1.5): 0.75, 2.25
		{"nearest-exact", []float32{10, 20, 30}, 2, []float32{10, 30}},
		// (i+0.5)·0.4: .2, .6, 1.0, 1.4, 1.8
		{"nearest-exact", []float32{10, 20}, 5, []float32{10, 10, 20, 20, 20}},
		// src = 0.5(i+0.5)−0.5 = −.25→0, .25, .75, 1.25 (clamped to last)
		{"bilinear", []float32{0, 1}, 4, []float32{0, 0.25, 0.75, 1}},
		// scale 1.5: src = .25, 1.75
		{"bilinear", []float32{0, 1, 3}, 2, []float32{0.25, 2.5}},
		// Keys A=−0.75: out0 = cc2(1.25) = −0.10546875,
		// out1 = cc1(0.75)+cc2(1.75) = 0.26171875−0.03515625; the rest by symmetry.
		{"bicubic", []float32{0, 1}, 4, []float32{-0.10546875, 0.2265625, 0.7734375, 1.10546875}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v→%d", tt.mode, tt.in, tt.out), func(t *testing.T) {
			// Along x.
			got := LatentUpscale(tt.in, 1, 1, len(tt.in), 1, tt.out, tt.mode)
			assert.InDeltaSlice(t, tt.want, got, 1e-6)
			// Along y, with a second channel that must stay separate.
			two := append(append([]float32(nil), tt.in...), make([]float32, len(tt.in))...)
			got = LatentUpscale(two, 2, len(tt.in), 1, tt.out, 1, tt.mode)
			assert.InDeltaSlice(t, tt.want, got[:tt.out], 1e-6)
			assert.Equal(t, make([]float32, tt.out), got[tt.out:])
		})
	}
}

// refInterpolate is torch's upsample formulas written per output pixel in
// the plainest form: 2-D sums over clamped neighbours, index maths in
// float32 as torch's CPU kernels do it, accumulation in float64.
func refInterpolate(x []float32, c, h, w, nh, nw int, mode string) []float64 {
	out := make([]float64, c*nh*nw)
	sy, sx := float32(h)/float32(nh), float32(w)/float32(nw)
	clampi := func(i, n int) int { return min(max(i, 0), n-1) }
	get := func(ch, y, xx int) float64 { return float64(x[ch*h*w+clampi(y, h)*w+clampi(xx, w)]) }
	keys := func(d float64) float64 {
		const a = -0.75
		d = math.Abs(d)
		switch {
		case d <= 1:
			return ((a+2)*d-(a+3))*d*d + 1
		case d < 2:
			return ((a*d-5*a)*d+8*a)*d - 4*a
		}
		return 0
	}
	for ch := range c {
		for oy := range nh {
			for ox := range nw {
				var v float64
				switch mode {
				case "nearest", "nearest-exact":
					off := float32(0)
					if mode == "nearest-exact" {
						off = 0.5
					}
					iy := min(int(math.Floor(float64((float32(oy)+off)*sy))), h-1)
					ix := min(int(math.Floor(float64((float32(ox)+off)*sx))), w-1)
					v = get(ch, iy, ix)
				case "bilinear":
					fy := float64(max(sy*(float32(oy)+0.5)-0.5, 0))
					fx := float64(max(sx*(float32(ox)+0.5)-0.5, 0))
					y0, x0 := int(fy), int(fx)
					ly, lx := fy-float64(y0), fx-float64(x0)
					y1, x1 := min(y0+1, h-1), min(x0+1, w-1)
					v = (1-ly)*((1-lx)*get(ch, y0, x0)+lx*get(ch, y0, x1)) + ly*((1-lx)*get(ch, y1, x0)+lx*get(ch, y1, x1))
				case "bicubic":
					fy := float64(sy*(float32(oy)+0.5) - 0.5)
					fx := float64(sx*(float32(ox)+0.5) - 0.5)
					y0, x0 := int(math.Floor(fy)), int(math.Floor(fx))
					for j := -1; j <= 2; j++ {
						for i := -1; i <= 2; i++ {
							v += keys(fy-float64(y0+j)) * keys(fx-float64(x0+i)) * get(ch, y0+j, x0+i)
						}
					}
				}
				out[ch*nh*nw+oy*nw+ox] = v
			}
		}
	}
	return out
}

func TestLatentUpscaleMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	sizes := [][4]int{{64, 64, 96, 96}, {7, 5, 13, 11}, {9, 9, 4, 5}, {3, 17, 3, 40}, {1, 1, 3, 2}, {10, 6, 10, 6}, {5, 8, 10, 16}}
	for _, mode := range LatentModes() {
		for _, s := range sizes {
			t.Run(fmt.Sprint(mode, s), func(t *testing.T) {
				const c = 3
				x := make([]float32, c*s[0]*s[1])
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				got := LatentUpscale(x, c, s[0], s[1], s[2], s[3], mode)
				want := refInterpolate(x, c, s[0], s[1], s[2], s[3], mode)
				require.Len(t, got, len(want))
				for i := range want {
					require.InDelta(t, want[i], got[i], 1e-5, "index %d", i)
				}
			})
		}
	}
}

func TestLatentUpscaleIdentity(t *testing.T) {
	x := []float32{1, -2, 3.5, 4, 0.25, -6}
	for _, mode := range LatentModes() {
		assert.Equal(t, x, LatentUpscale(x, 1, 2, 3, 2, 3, mode), mode)
	}
}

func TestCheckLatentMode(t *testing.T) {
	for _, m := range LatentModes() {
		require.NoError(t, CheckLatentMode(m))
	}
	require.ErrorContains(t, CheckLatentMode("area"), `"area"`)
	assert.Panics(t, func() { LatentUpscale(make([]float32, 4), 1, 2, 2, 4, 4, "area") })
	assert.Panics(t, func() { LatentUpscale(make([]float32, 3), 1, 2, 2, 4, 4, "nearest") })
}
