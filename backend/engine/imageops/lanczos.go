package imageops

import "math"

// lanczosA is the Lanczos window: 3 lobes, as PIL's Image.LANCZOS.
const lanczosA = 3

// lanczos3 is sinc(x)·sinc(x/3) on [-3,3), PIL's lanczos_filter.
func lanczos3(x float64) float64 {
	if x < -lanczosA || x >= lanczosA {
		return 0
	}
	return sinc(x) * sinc(x/lanczosA)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// taps are the normalised filter weights of one output sample: it reads
// source samples start … start+len(w)−1.
type taps struct {
	start int
	w     []float32
}

// lanczosTaps computes the weights for resampling in → out samples the way
// PIL's precompute_coeffs does: output sample i sits at (i+0.5)·scale in
// source coordinates, and when shrinking (scale > 1) the kernel is stretched
// by scale so every source pixel contributes (antialiasing). Windows cut by
// the image edge are renormalised.
func lanczosTaps(in, out int) []taps {
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := lanczosA * filterScale
	res := make([]taps, out)
	for i := range out {
		center := (float64(i) + 0.5) * scale
		lo := max(int(center-support+0.5), 0) // int() truncates, as C's (int) cast
		hi := min(int(center+support+0.5), in)
		w := make([]float64, hi-lo)
		var sum float64
		for k := range w {
			w[k] = lanczos3((float64(k+lo) - center + 0.5) / filterScale)
			sum += w[k]
		}
		t := taps{start: lo, w: make([]float32, len(w))}
		for k, v := range w {
			if sum != 0 {
				v /= sum
			}
			t.w[k] = float32(v)
		}
		res[i] = t
	}
	return res
}

// Lanczos resamples img to w×h with a separable Lanczos-3 filter, correct for
// both enlarging and shrinking (the kernel widens with the shrink factor).
// Results are clamped to [0,1], as PIL's 8-bit output is; a side that keeps
// its size is copied exactly.
func Lanczos(img RGB, w, h int) RGB {
	return lanczosPlane(img.plane(), w, h).rgb()
}

// LanczosMask is Lanczos for a mask (A1111 resizes masks with LANCZOS too).
func LanczosMask(m Mask, w, h int) Mask {
	return lanczosPlane(m.plane(), w, h).mask()
}

func lanczosPlane(p plane, w, h int) plane {
	checkSize(w, h)
	if w == p.w && h == p.h {
		return plane{p.c, p.w, p.h, append([]float32(nil), p.pix...)}
	}
	// Horizontal first, then vertical, as PIL's ImagingResample.
	if w != p.w {
		p = resampleRows(p, w)
	}
	if h != p.h {
		p = resampleCols(p, h)
	}
	return p
}

// resampleRows changes the width; the intermediate is clamped to [0,1] like
// PIL's 8-bit intermediate image, so ringing does not compound.
func resampleRows(p plane, w int) plane {
	return applyRows(p, lanczosTaps(p.w, w))
}

// applyRows maps each row through taps (one per output column).
func applyRows(p plane, tp []taps) plane {
	w := len(tp)
	out := plane{p.c, w, p.h, make([]float32, p.c*w*p.h)}
	parallelFor(p.c*p.h, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			src := p.pix[row*p.w : (row+1)*p.w]
			dst := out.pix[row*w : (row+1)*w]
			for x, t := range tp {
				var s float32
				for k, wk := range t.w {
					s += wk * src[t.start+k]
				}
				dst[x] = clamp01(s)
			}
		}
	})
	return out
}

// resampleCols changes the height.
func resampleCols(p plane, h int) plane {
	return applyCols(p, lanczosTaps(p.h, h))
}

// applyCols maps each column through taps (one per output row).
func applyCols(p plane, tp []taps) plane {
	h := len(tp)
	out := plane{p.c, p.w, h, make([]float32, p.c*p.w*h)}
	parallelFor(p.c*h, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			c, y := row/h, row%h
			src := p.pix[c*p.w*p.h:]
			dst := out.pix[row*p.w : (row+1)*p.w]
			t := tp[y]
			for k, wk := range t.w {
				s := src[(t.start+k)*p.w : (t.start+k+1)*p.w]
				for x := range dst {
					dst[x] += wk * s[x]
				}
			}
			for x := range dst {
				dst[x] = clamp01(dst[x])
			}
		}
	})
	return out
}
