package imageops

import (
	"fmt"
	"math"
)

// LatentModes returns the interpolation modes LatentUpscale accepts, those of
// A1111's "Latent", "Latent (nearest)", "Latent (nearest-exact)" and
// "Latent (bicubic)" hires upscalers.
func LatentModes() []string { return []string{"nearest", "nearest-exact", "bilinear", "bicubic"} }

// CheckLatentMode returns an error naming the accepted modes unless mode is
// one of LatentModes; validate requests with it before calling LatentUpscale.
func CheckLatentMode(mode string) error {
	for _, m := range LatentModes() {
		if m == mode {
			return nil
		}
	}
	return fmt.Errorf("latent upscale mode %q: want one of %v", mode, LatentModes())
}

// LatentUpscale resizes c planes of h×w (pass c = batch·channels for a batch)
// to nh×nw the way torch.nn.functional.interpolate(size=(nh,nw), mode,
// align_corners=False, antialias=False) does on the CPU, with its float32
// index arithmetic: scale = in/out, and
//
//	nearest:        src = min(floor(dst·scale), in−1)
//	nearest-exact:  src = min(floor((dst+0.5)·scale), in−1)
//	bilinear:       src = max(scale·(dst+0.5)−0.5, 0), between floor(src) and
//	                the next sample (clamped), weighted by the fraction
//	bicubic:        src = scale·(dst+0.5)−0.5 (not clamped), Keys cubic with
//	                A = −0.75 over floor(src)−1 … floor(src)+2, indices clamped
//
// It panics on an unknown mode (see CheckLatentMode) or mismatched sizes.
func LatentUpscale(lat []float32, c, h, w, nh, nw int, mode string) []float32 {
	if c <= 0 || h <= 0 || w <= 0 || nh <= 0 || nw <= 0 || len(lat) != c*h*w {
		panic("imageops: LatentUpscale sizes do not match the data")
	}
	var xs, ys []taps
	switch mode {
	case "nearest":
		xs, ys = nearestTaps(w, nw, 0), nearestTaps(h, nh, 0)
	case "nearest-exact":
		xs, ys = nearestTaps(w, nw, 0.5), nearestTaps(h, nh, 0.5)
	case "bilinear":
		xs, ys = linearTaps(w, nw), linearTaps(h, nh)
	case "bicubic":
		xs, ys = cubicTaps(w, nw), cubicTaps(h, nh)
	default:
		panic(fmt.Sprintf("imageops: unknown latent upscale mode %q", mode))
	}
	out := make([]float32, c*nh*nw)
	parallelFor(c*nh, func(lo, hi int) {
		row := make([]float32, nw)
		for r := lo; r < hi; r++ {
			ch, y := r/nh, r%nh
			src := lat[ch*h*w : (ch+1)*h*w]
			dst := out[r*nw : (r+1)*nw]
			ty := ys[y]
			for k, wy := range ty.w {
				in := src[(ty.start+k)*w : (ty.start+k+1)*w]
				for x, tx := range xs {
					var s float32
					for j, wx := range tx.w {
						s += wx * in[tx.start+j]
					}
					row[x] = s
				}
				for x := range dst {
					dst[x] += wy * row[x]
				}
			}
		}
	})
	return out
}

// torchScale is compute_scales_value for a size given without scale_factor:
// (float)input/output in float32.
func torchScale(in, out int) float32 { return float32(in) / float32(out) }

func nearestTaps(in, out int, offset float32) []taps {
	scale := torchScale(in, out)
	res := make([]taps, out)
	for i := range res {
		src := int(float32(math.Floor(float64((float32(i) + offset) * scale))))
		res[i] = taps{start: min(src, in-1), w: []float32{1}}
	}
	return res
}

func linearTaps(in, out int) []taps {
	scale := torchScale(in, out)
	res := make([]taps, out)
	for i := range res {
		src := max(scale*(float32(i)+0.5)-0.5, 0)
		i0 := int(src)
		lambda := min(max(src-float32(i0), 0), 1)
		if i0 >= in-1 {
			res[i] = taps{start: in - 1, w: []float32{1}}
			continue
		}
		res[i] = taps{start: i0, w: []float32{1 - lambda, lambda}}
	}
	return res
}

// cubicA is the Keys coefficient torch uses for bicubic (as TensorFlow does).
const cubicA = -0.75

func cubicTaps(in, out int) []taps {
	scale := torchScale(in, out)
	res := make([]taps, out)
	for i := range res {
		src := scale*(float32(i)+0.5) - 0.5
		i0 := int(float32(math.Floor(float64(src))))
		t := src - float32(i0)
		coef := [4]float32{
			cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t),
		}
		// Fold the four clamped indices into one contiguous span.
		lo, hi := min(max(i0-1, 0), in-1), min(max(i0+2, 0), in-1)
		w := make([]float32, hi-lo+1)
		for k, cf := range coef {
			w[min(max(i0-1+k, 0), in-1)-lo] += cf
		}
		res[i] = taps{start: lo, w: w}
	}
	return res
}

// cubic1 is torch's cubic_convolution1 (|x| ≤ 1).
func cubic1(x float32) float32 { return ((cubicA+2)*x-(cubicA+3))*x*x + 1 }

// cubic2 is torch's cubic_convolution2 (1 < |x| < 2).
func cubic2(x float32) float32 { return ((cubicA*x-5*cubicA)*x+8*cubicA)*x - 4*cubicA }
