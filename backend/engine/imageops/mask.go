package imageops

import (
	"fmt"
	"math"
)

// BlurMask is A1111's "Mask blur": a Gaussian with standard deviation radius
// pixels, applied along x then y with a kernel of 2·int(2.5·radius+0.5)+1
// taps and OpenCV's default border (reflect-101), as its
// cv2.GaussianBlur(np_mask, (k,1), radius) and (1,k) calls do. Radius ≤ 0
// returns a copy. Values stay in [0,1] (a normalised non-negative kernel).
func BlurMask(m Mask, radius int) Mask {
	m.check()
	if radius <= 0 {
		return Mask{W: m.W, H: m.H, Pix: append([]float32(nil), m.Pix...)}
	}
	k := gaussianKernel(float64(radius))
	p := m.plane()
	p = applyRows(p, reflectTaps(p.w, k))
	p = applyCols(p, reflectTaps(p.h, k))
	return p.mask()
}

// gaussianKernel is cv2.getGaussianKernel(2·int(2.5σ+0.5)+1, σ).
func gaussianKernel(sigma float64) []float64 {
	r := int(2.5*sigma + 0.5)
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// reflect101 maps an out-of-range index into [0,n) as OpenCV's
// BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba), repeating for kernels wider
// than the image.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// reflectTaps turns a centred kernel into per-output taps over [0,n),
// folding the border with reflect101 so each output reads a contiguous span.
func reflectTaps(n int, k []float64) []taps {
	r := len(k) / 2
	res := make([]taps, n)
	for i := range n {
		lo, hi := n, -1
		for j := -r; j <= r; j++ {
			s := reflect101(i+j, n)
			lo, hi = min(lo, s), max(hi, s)
		}
		w := make([]float64, hi-lo+1)
		for j := -r; j <= r; j++ {
			w[reflect101(i+j, n)-lo] += k[j+r]
		}
		t := taps{start: lo, w: make([]float32, len(w))}
		for j, v := range w {
			t.w[j] = float32(v)
		}
		res[i] = t
	}
	return res
}

// maskedThreshold is the smallest value counted as masked by MaskedRegion:
// A1111 takes PIL's getbbox of the 8-bit mask, i.e. values that round to a
// non-zero byte.
const maskedThreshold = 0.5 / 255

// IsEmpty reports whether no pixel of the mask counts as masked (every value
// rounds to 0 as a byte). A1111 falls back to plain img2img for a blank mask.
func (m Mask) IsEmpty() bool {
	m.check()
	for _, v := range m.Pix {
		if v >= maskedThreshold {
			return false
		}
	}
	return true
}

// MaskedRegion is A1111's "Inpaint area: Only masked" crop region: the
// bounding box of the masked pixels (get_crop_region_v2), grown by padding on
// each side and clamped to the image, then grown along one axis to the aspect
// ratio w:h of the processing size and shifted or clamped to stay inside the
// image (expand_crop_region). The box is [x0,x1)×[y0,y1). A blank mask gives
// the whole image. After clamping the box may not have the w:h ratio exactly;
// A1111 then resizes it with ResizeAndFill.
func MaskedRegion(m Mask, padding int, w, h int) (x0, y0, x1, y1 int) {
	m.check()
	checkSize(w, h)
	x0, y0, x1, y1 = m.W, m.H, -1, -1
	for y := range m.H {
		for x, v := range m.Pix[y*m.W : (y+1)*m.W] {
			if v >= maskedThreshold {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	if x1 < 0 {
		return 0, 0, m.W, m.H
	}
	if padding > 0 {
		x0, y0 = max(x0-padding, 0), max(y0-padding, 0)
		x1, y1 = min(x1+padding, m.W), min(y1+padding, m.H)
	}
	// expand_crop_region, line for line (Python's int() truncates, // floors
	// and the differences here are non-negative).
	ratioCrop := float64(x1-x0) / float64(y1-y0)
	ratioProc := float64(w) / float64(h)
	if ratioCrop > ratioProc {
		y0, y1 = expandAxis(y0, y1, float64(x1-x0)/ratioProc, m.H)
	} else {
		x0, x1 = expandAxis(x0, x1, float64(y1-y0)*ratioProc, m.W)
	}
	return x0, y0, x1, y1
}

// expandAxis grows [lo,hi) to desired length around its centre, then shifts
// it back inside [0,size) and clamps, as expand_crop_region does per axis.
func expandAxis(lo, hi int, desired float64, size int) (int, int) {
	diff := int(desired - float64(hi-lo))
	lo -= diff / 2
	hi += diff - diff/2
	if hi >= size {
		d := hi - size
		hi -= d
		lo -= d
	}
	if lo < 0 {
		hi -= lo
		lo = 0
	}
	if hi >= size {
		hi = size
	}
	return lo, hi
}

// Composite pastes overlay with its top-left corner at (x0,y0) on a copy of
// base, blending each pixel by the mask: out = base·(1−m) + overlay·m. The
// mask has base's size (A1111's mask_for_overlay is the full image's mask);
// pixels of base outside the overlay's rectangle are kept as they are, and
// the part of overlay outside base is dropped.
func Composite(base, overlay RGB, m Mask, x0, y0 int) RGB {
	base.check()
	overlay.check()
	m.check()
	if m.W != base.W || m.H != base.H {
		panic(fmt.Sprintf("imageops: composite mask %dx%d does not match base %dx%d", m.W, m.H, base.W, base.H))
	}
	out := RGB{W: base.W, H: base.H, Pix: append([]float32(nil), base.Pix...)}
	bn, on := base.W*base.H, overlay.W*overlay.H
	xa, xb := max(x0, 0), min(x0+overlay.W, base.W)
	ya, yb := max(y0, 0), min(y0+overlay.H, base.H)
	for y := ya; y < yb; y++ {
		for x := xa; x < xb; x++ {
			a := m.Pix[y*base.W+x]
			if a <= 0 {
				continue
			}
			bi, oi := y*base.W+x, (y-y0)*overlay.W+(x-x0)
			for c := range 3 {
				o := overlay.Pix[c*on+oi]
				if a >= 1 {
					// Exact copy: b+(o−b)·1 can be off by an ulp.
					out.Pix[c*bn+bi] = o
					continue
				}
				out.Pix[c*bn+bi] = base.Pix[c*bn+bi]*(1-a) + o*a
			}
		}
	}
	return out
}
