package imageops

import "fmt"

// ResizeMode is A1111's img2img "Resize mode" (images.resize_image).
type ResizeMode int

const (
	// JustResize stretches the image to the target size, ignoring aspect.
	JustResize ResizeMode = iota
	// CropAndResize scales the image to cover the target and crops the
	// overflow evenly from both sides.
	CropAndResize
	// ResizeAndFill scales the image to fit inside the target and fills the
	// bands left over by stretching the image's edge rows or columns outwards.
	ResizeAndFill
)

func (m ResizeMode) String() string {
	switch m {
	case JustResize:
		return "just resize"
	case CropAndResize:
		return "crop and resize"
	case ResizeAndFill:
		return "resize and fill"
	}
	return fmt.Sprintf("ResizeMode(%d)", int(m))
}

// Resize brings img to w×h with A1111's resize_image semantics and Lanczos
// resampling (the upscaler A1111 uses when "Upscaler for img2img" is None).
func Resize(img RGB, w, h int, mode ResizeMode) RGB {
	return resizePlane(img.plane(), w, h, mode).rgb()
}

// ResizeMask is Resize for a mask; A1111 runs masks through the same
// resize_image, always with Lanczos.
func ResizeMask(m Mask, w, h int, mode ResizeMode) Mask {
	return resizePlane(m.plane(), w, h, mode).mask()
}

// fitSize returns the size the source is scaled to before it is placed on the
// w×h canvas. The integer arithmetic is resize_image's, including its floor
// divisions, so the geometry matches A1111 pixel for pixel.
func fitSize(sw, sh, w, h int, cover bool) (int, int) {
	ratio := float64(w) / float64(h)
	src := float64(sw) / float64(sh)
	if cover {
		// mode 1: src_w = width if ratio > src_ratio else im.width*height//im.height
		rw, rh := sw*h/sh, sh*w/sw
		if ratio > src {
			rw = w
		}
		if ratio <= src {
			rh = h
		}
		return rw, rh
	}
	// mode 2: src_w = width if ratio < src_ratio else im.width*height//im.height
	rw, rh := sw*h/sh, sh*w/sw
	if ratio < src {
		rw = w
	}
	if ratio >= src {
		rh = h
	}
	return rw, rh
}

func resizePlane(p plane, w, h int, mode ResizeMode) plane {
	checkSize(w, h)
	switch mode {
	case JustResize:
		return lanczosPlane(p, w, h)
	case CropAndResize, ResizeAndFill:
	default:
		panic(fmt.Sprintf("imageops: unknown resize mode %d", int(mode)))
	}
	rw, rh := fitSize(p.w, p.h, w, h, mode == CropAndResize)
	// A very thin source can floor to zero; keep one row or column.
	rw, rh = max(rw, 1), max(rh, 1)
	scaled := lanczosPlane(p, rw, rh)
	// Pasted at (w//2 − rw//2, h//2 − rh//2): negative offsets crop the
	// centre (crop and resize), positive ones leave bands (resize and fill).
	ox, oy := w/2-rw/2, h/2-rh/2
	return placeAxis(placeAxis(scaled, w, ox, true), h, oy, false)
}

// placeAxis lays the plane onto an n-long axis (x when horiz) with its first
// sample at offset off, cropping what falls outside. Band samples before and
// after take A1111's fill: it resizes a zero-height box at the edge
// (resized.resize((w, fill), box=(0,0,w,0))), which makes PIL evaluate
// Lanczos at 0.5, 1.5 and 2.5 pixels from the edge, i.e. a short
// extrapolation of the edge line rather than a plain copy.
func placeAxis(p plane, n, off int, horiz bool) plane {
	src := p.h
	if horiz {
		src = p.w
	}
	if n == src && off == 0 {
		return p
	}
	// Each destination index reads taps from source indices.
	head, tail := edgeTaps(src, false), edgeTaps(src, true)
	tp := make([]taps, n)
	for i := range tp {
		switch j := i - off; {
		case j < 0:
			tp[i] = head
		case j >= src:
			tp[i] = tail
		default:
			tp[i] = taps{start: j, w: []float32{1}}
		}
	}
	if horiz {
		return applyRows(p, tp)
	}
	return applyCols(p, tp)
}

// edgeTaps are the weights of PIL's resample of the zero-width line at the
// start (or end) of an n-sample axis: Lanczos-3 at distances 0.5, 1.5, 2.5
// from the edge, over the samples that exist, normalised.
func edgeTaps(n int, end bool) taps {
	k := min(n, lanczosA)
	w := make([]float64, k)
	var sum float64
	for i := range w {
		w[i] = lanczos3(float64(i) + 0.5)
		sum += w[i]
	}
	t := taps{w: make([]float32, k)}
	for i := range w {
		if end {
			// Sample n−1 is nearest the edge.
			t.w[k-1-i] = float32(w[i] / sum)
		} else {
			t.w[i] = float32(w[i] / sum)
		}
	}
	if end {
		t.start = n - k
	}
	return t
}
