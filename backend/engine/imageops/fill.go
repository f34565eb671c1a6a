package imageops

import "math"

// FillMasked is A1111's "Masked content: fill": the masked area is replaced
// by colours spread in from around it. As masking.fill does, the kept pixels
// (weight 1−m) are blurred with premultiplied alpha at decreasing radii and
// each blurred layer is alpha-composited over the previous ones; where the
// mask is 0 the result is the original pixel. Blurs are PIL's GaussianBlur
// (three box passes with fractional radius, edges extended), which costs the
// same at every radius. A fully masked image has nothing to spread and comes
// back black, as in A1111.
func FillMasked(img RGB, m Mask) RGB {
	img.check()
	m.check()
	if m.W != img.W || m.H != img.H {
		panic("imageops: FillMasked mask size does not match the image")
	}
	n := img.W * img.H
	// Premultiplied layer: 3 colour planes times weight, then the weight.
	src := plane{4, img.W, img.H, make([]float32, 4*n)}
	for i := range n {
		a := 1 - clamp01(m.Pix[i])
		for c := range 3 {
			src.pix[c*n+i] = img.Pix[c*n+i] * a
		}
		src.pix[3*n+i] = a
	}
	// A1111's masking.fill blur radii and repeat counts: wide blurs carry
	// colour deep into large holes, narrow ones restore detail near the edge,
	// and radius 0 puts the kept pixels back unchanged.
	passes := [...]struct {
		sigma   float64
		repeats int
	}{{256, 1}, {64, 1}, {16, 2}, {4, 4}, {2, 2}, {0, 1}}
	acc := make([]float32, 4*n) // premultiplied accumulated colour and alpha
	for _, pass := range passes {
		layer := src
		if pass.sigma > 0 {
			layer = gaussianBlurPIL(src, pass.sigma)
		}
		for range pass.repeats {
			for i := range n {
				a := clamp01(layer.pix[3*n+i])
				for c := range 3 {
					// "over": premultiplied src + dst·(1−a_src)
					acc[c*n+i] = layer.pix[c*n+i] + acc[c*n+i]*(1-a)
				}
				acc[3*n+i] = a + acc[3*n+i]*(1-a)
			}
		}
	}
	out := NewRGB(img.W, img.H)
	for i := range n {
		a := acc[3*n+i]
		if a <= 0 {
			continue
		}
		for c := range 3 {
			out.Pix[c*n+i] = clamp01(acc[c*n+i] / a)
		}
	}
	return out
}

// gaussianBlurPIL approximates a Gaussian of standard deviation sigma by three
// box blurs of fractional radius, PIL's ImagingGaussianBlur with passes=3.
func gaussianBlurPIL(p plane, sigma float64) plane {
	r := boxRadius(sigma, 3)
	out := plane{p.c, p.w, p.h, append([]float32(nil), p.pix...)}
	for range 3 {
		boxBlurAxis(out, r, true)
	}
	for range 3 {
		boxBlurAxis(out, r, false)
	}
	return out
}

// boxRadius is PIL's _gaussian_blur_radius: the fractional box radius whose
// `passes` repetitions have variance sigma².
func boxRadius(sigma float64, passes int) float64 {
	s2 := sigma * sigma / float64(passes)
	l := math.Floor((math.Sqrt(12*s2+1) - 1) / 2)
	a := (2*l + 1) * (l*(l+1) - 3*s2)
	a /= 6 * (s2 - (l+1)*(l+1))
	return l + a
}

// boxBlurAxis runs one box-blur pass in place along rows (horiz) or columns:
// weight 1 on the 2l+1 centre samples and the fraction r−l on the two beyond,
// normalised by 2r+1, with the line extended by its edge samples as PIL does.
// Prefix sums make the cost independent of the radius.
func boxBlurAxis(p plane, r float64, horiz bool) {
	l := int(r)
	frac, norm := r-float64(l), 2*r+1
	n, lines, stride, step := p.w, p.c*p.h, p.w, 1
	if !horiz {
		n, lines, stride, step = p.h, p.c*p.w, 1, p.w
	}
	pad := l + 1
	parallelFor(lines, func(lo, hi int) {
		ext := make([]float64, n+2*pad)
		sum := make([]float64, len(ext)+1)
		for line := lo; line < hi; line++ {
			base := line * stride
			if !horiz {
				c, x := line/p.w, line%p.w
				base = c*p.w*p.h + x
			}
			for k := range ext {
				ext[k] = float64(p.pix[base+min(max(k-pad, 0), n-1)*step])
			}
			for k, v := range ext {
				sum[k+1] = sum[k] + v
			}
			for i := range n {
				// Sample i is ext[i+pad]; the window is ext[i+1 … i+2l+1].
				inner := sum[i+2*l+2] - sum[i+1]
				v := (inner + frac*(ext[i]+ext[i+2*l+2])) / norm
				p.pix[base+i*step] = float32(v)
			}
		}
	})
}
