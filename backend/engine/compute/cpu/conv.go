package cpu

import (
	"fmt"
	"runtime"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// convGeom is a validated conv2d problem.
type convGeom struct {
	n, cin, h, w       int
	cout, kh, kw       int
	stride, pad, group int
	oh, ow             int
}

func convCheck(x, w tensor.Tensor, p compute.Conv2DParams) (convGeom, error) {
	c, err := compute.CheckConv2D(x, w, p)
	if err != nil {
		return convGeom{}, err
	}
	return convGeom{n: c.N, cin: c.Cin, h: c.H, w: c.W, cout: c.Cout, kh: c.KH, kw: c.KW,
		stride: c.Stride, pad: c.Pad, group: c.Groups, oh: c.OH, ow: c.OW}, nil
}

// Conv2D is a 2-D cross-correlation (torch conv2d) on NCHW.
func (d *Device) Conv2D(x, w, bias tensor.Tensor, p compute.Conv2DParams) (tensor.Tensor, error) {
	const op = "conv2d"
	g, err := convCheck(x, w, p)
	if err != nil {
		return tensor.Tensor{}, err
	}
	return d.conv2D(op, g, x, w, bias, false)
}

// Upsample2xConv2D is Conv2D(Upsample2x(x), w, bias, p)
// (compute.UpsampleConv). Where the convolution of the upsampled image takes
// the Winograd path, its tiles are read from x directly and the upsampled
// copy (4× x) never exists; elsewhere it is made and freed.
func (d *Device) Upsample2xConv2D(x, w, bias tensor.Tensor, p compute.Conv2DParams) (tensor.Tensor, error) {
	const op = "upsample conv2d"
	g, err := convCheck(x, w, p)
	if err == nil {
		g.h, g.w = 2*g.h, 2*g.w
		g.oh, g.ow = (g.h+2*g.pad-g.kh)/g.stride+1, (g.w+2*g.pad-g.kw)/g.stride+1
	}
	// x's own geometry may be invalid where the upsampled one is not (a
	// kernel wider than x): those take the plain road too.
	if err != nil || !d.conv.winograd(g) {
		up, err := d.Upsample2x(x)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
		}
		defer d.Free(up)
		return d.Conv2D(up, w, bias, p)
	}
	return d.conv2D(op, g, x, w, bias, true)
}

// conv2D runs a checked convolution; upsampled means x is half g's input
// size and stands for its nearest ×2 upsampling (Winograd geometries only).
func (d *Device) conv2D(op string, g convGeom, x, w, bias tensor.Tensor, upsampled bool) (tensor.Tensor, error) {
	xs, err := d.f32(x, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	wb, err := d.buf(w, op)
	if err != nil {
		return tensor.Tensor{}, err
	}
	defer runtime.KeepAlive(wb) // its half storage may be off-heap
	bs, err := d.optional(bias, g.cout, op, "bias")
	if err != nil {
		return tensor.Tensor{}, err
	}
	out, y, err := d.newF32(tensor.Shape{g.n, g.cout, g.oh, g.ow})
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("%s: %w", op, err)
	}
	algo := d.convAlgorithm(g)
	if upsampled {
		algo = AlgoWinograd // Upsample2xConv2D checked the geometry fits
	}
	if algo == AlgoDepthwise {
		ws, err := d.f32(w, op)
		if err != nil {
			return tensor.Tensor{}, err
		}
		d.depthwise(g, xs, ws, bs, y)
		return out, nil
	}
	// Per image: Y[Cout, OH·OW] = W[Cout, Cin·KH·KW] · Patches[Cin·KH·KW, OH·OW].
	// The output is NCHW already, and bias is per output row.
	k := g.cin * g.kh * g.kw
	pix := g.oh * g.ow
	wop := d.operand(w, wb, 0, g.cout, k, false)
	if algo == AlgoWinograd {
		d.winogradConv(g, xs, upsampled, wop, bs, y)
		return out, nil
	}
	var ep *gemm.Epilogue
	if bs != nil {
		ep = &gemm.Epilogue{BiasRow: bs}
	}
	for i := 0; i < g.n; i++ {
		img := xs[i*g.cin*g.h*g.w : (i+1)*g.cin*g.h*g.w]
		var b gemm.Operand
		if algo == AlgoGEMM1x1 {
			b = gemm.Dense(g.cin, pix, img, pix) // 1×1: the image is the matrix
		} else {
			b = &patches{g: g, x: img}
		}
		d.gemm.Gemm(wop, b, 1, 0, y[i*g.cout*pix:(i+1)*g.cout*pix], pix, ep, d.threads)
	}
	return out, nil
}

// Names of the convolution algorithms, as ConvAlgorithm reports them.
const (
	AlgoWinograd     = "winograd-f4x4-3x3"
	AlgoImplicitGEMM = "implicit-gemm"
	AlgoGEMM1x1      = "gemm-1x1"
	AlgoDepthwise    = "depthwise"
)

// ConvAlgorithm names the algorithm Conv2D would use for x and w: the
// benchmarks label their figures with it (Winograd's GFLOP/s are
// direct-convolution work per second, not multiplications done).
func (d *Device) ConvAlgorithm(x, w tensor.Tensor, p compute.Conv2DParams) (string, error) {
	g, err := convCheck(x, w, p)
	if err != nil {
		return "", err
	}
	return d.convAlgorithm(g), nil
}

// convAlgorithm picks the algorithm for a checked geometry; conv2D runs
// what it picks.
func (d *Device) convAlgorithm(g convGeom) string {
	switch {
	case g.group != 1:
		return AlgoDepthwise
	case d.conv.winograd(g):
		return AlgoWinograd
	case g.kh == 1 && g.kw == 1 && g.stride == 1 && g.pad == 0:
		return AlgoGEMM1x1
	}
	return AlgoImplicitGEMM
}

// WithoutWinograd returns a device on d's code paths whose convolutions
// all use the implicit GEMM, for benchmarks that compare the two.
func (d *Device) WithoutWinograd() *Device {
	nd, err := newOnPaths(d.threads, d.gemm.Path(), d.vm.Path())
	if err != nil {
		panic("engine: " + err.Error()) // d's own paths exist
	}
	nd.conv = convDirect
	return nd
}

// convAlgo picks how dense 3×3 stride-1 convolutions are computed.
type convAlgo uint8

const (
	convAuto     convAlgo = iota // Winograd where winogradFits says it is faster
	convDirect                   // always the implicit GEMM
	convWinograd                 // Winograd for every 3×3 stride-1 dense conv (tests)
)

func (a convAlgo) winograd(g convGeom) bool {
	switch a {
	case convDirect:
		return false
	case convWinograd:
		return g.kh == 3 && g.kw == 3 && g.stride == 1 && g.group == 1
	}
	return winogradFits(g)
}

// patches is the implicit-GEMM B operand of a k×k convolution: the im2col
// matrix [Cin·KH·KW, OH·OW] of one image, never stored. gemm asks for it one
// packing block at a time, so the gather costs a cache-sized scratch instead
// of KH·KW copies of the image (≈ 300 MB for 128 channels at 512×512).
type patches struct {
	g convGeom
	x []float32 // one image [Cin, H, W]
}

func (p *patches) Dims() (int, int) {
	return p.g.cin * p.g.kh * p.g.kw, p.g.oh * p.g.ow
}

// Block writes rows r0..r0+nr (one (ci, ky, kx) tap each) and columns
// c0..c0+nc (output pixels in raster order) into dst with stride ld. Zero
// padding is written as zeros. It only reads p, so concurrent calls are safe.
func (p *patches) Block(r0, nr, c0, nc int, dst []float32, ld int) {
	g := &p.g
	taps := g.kh * g.kw
	for r := 0; r < nr; r++ {
		kr := r0 + r
		ci, t := kr/taps, kr%taps
		ky, kx := t/g.kw, t%g.kw
		plane := p.x[ci*g.h*g.w : (ci+1)*g.h*g.w]
		row := dst[r*ld : r*ld+nc]
		oy, ox := c0/g.ow, c0%g.ow
		for j := 0; j < nc; {
			run := min(g.ow-ox, nc-j)
			seg := row[j : j+run]
			iy := oy*g.stride - g.pad + ky
			switch {
			case iy < 0 || iy >= g.h:
				clear(seg)
			case g.stride == 1:
				gatherRun(seg, plane[iy*g.w:(iy+1)*g.w], ox-g.pad+kx)
			default:
				gatherStrided(seg, plane[iy*g.w:(iy+1)*g.w], ox*g.stride-g.pad+kx, g.stride)
			}
			j += run
			ox = 0
			oy++
		}
	}
}

// PackPanels writes gemm's packed B panels straight from the image
// (gemm.PanelPacker), skipping the Block staging copy: each value is
// written once instead of twice (single-threaded, a 231×1024 block of the
// 128-channel 512² conv packs at ~1.0 Gelem/s against ~0.5 through Block;
// BenchmarkPatchesPack). A panel's w pixels span one output
// row, or a few when OW is not a multiple of w; each span is gathered per
// tap as one contiguous run, and the tap (ci, ky, kx) advances
// incrementally instead of by division per row.
func (p *patches) PackPanels(dst []float32, r0, kc, c0, cols, w int) {
	g := &p.g
	taps := g.kh * g.kw
	for q := 0; q*w < cols; q++ {
		panel := dst[q*w*kc : (q+1)*w*kc]
		cnt := min(w, cols-q*w)
		c := c0 + q*w
		oy, ox := c/g.ow, c%g.ow
		for j := 0; j < cnt; {
			run := min(g.ow-ox, cnt-j)
			ci, t := r0/taps, r0%taps
			ky, kx := t/g.kw, t%g.kw
			iy0 := oy*g.stride - g.pad
			ix0 := ox*g.stride - g.pad
			for pp := 0; pp < kc; pp++ {
				seg := panel[pp*w+j : pp*w+j+run]
				iy := iy0 + ky
				switch {
				case iy < 0 || iy >= g.h:
					clear(seg)
				case g.stride == 1:
					off := (ci*g.h + iy) * g.w
					ix := ix0 + kx
					// A whole panel-wide run inside the row (the common case:
					// rows of 64 or 512 pixels, panels of 32 or 16) is one
					// fixed-size block move, not a call with edge clears.
					switch {
					case run == 32 && ix >= 0 && ix+32 <= g.w:
						*(*[32]float32)(seg) = *(*[32]float32)(p.x[off+ix : off+ix+32])
					case run == 16 && ix >= 0 && ix+16 <= g.w:
						*(*[16]float32)(seg) = *(*[16]float32)(p.x[off+ix : off+ix+16])
					default:
						gatherRun(seg, p.x[off:off+g.w], ix)
					}
				default:
					off := (ci*g.h + iy) * g.w
					gatherStrided(seg, p.x[off:off+g.w], ix0+kx, g.stride)
				}
				if kx++; kx == g.kw {
					kx = 0
					if ky++; ky == g.kh {
						ky = 0
						ci++
					}
				}
			}
			j += run
			ox = 0
			oy++
		}
	}
}

// gatherStrided sets seg[t] = src[ix0+t·stride], zero outside src.
func gatherStrided(seg, src []float32, ix0, stride int) {
	ix := ix0
	for t := range seg {
		if ix >= 0 && ix < len(src) {
			seg[t] = src[ix]
		} else {
			seg[t] = 0
		}
		ix += stride
	}
}

// gatherRun copies src[ix0 : ix0+len(seg)] into seg, with zeros where the
// index falls outside src (the padding border).
func gatherRun(seg, src []float32, ix0 int) {
	lo := max(0, -ix0)
	hi := min(len(seg), len(src)-ix0)
	if hi <= lo {
		clear(seg)
		return
	}
	clear(seg[:lo])
	copy(seg[lo:hi], src[ix0+lo:ix0+hi])
	clear(seg[hi:])
}

// depthwise convolves each input channel with its own filters (groups = Cin,
// output channel co reads input channel co / (Cout/Cin)), directly: the
// per-channel work is too small for a GEMM.
func (d *Device) depthwise(g convGeom, xs, ws, bs, y []float32) {
	mult := g.cout / g.cin
	planes := g.n * g.cout
	d.parallel(planes, g.oh*g.ow*g.kh*g.kw, func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			n, co := pl/g.cout, pl%g.cout
			ci := co / mult
			src := xs[(n*g.cin+ci)*g.h*g.w:][:g.h*g.w]
			wk := ws[co*g.kh*g.kw:][:g.kh*g.kw]
			dst := y[pl*g.oh*g.ow:][:g.oh*g.ow]
			var b float32
			if bs != nil {
				b = bs[co]
			}
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					s := b
					for ky := 0; ky < g.kh; ky++ {
						iy := oy*g.stride - g.pad + ky
						if iy < 0 || iy >= g.h {
							continue
						}
						for kx := 0; kx < g.kw; kx++ {
							ix := ox*g.stride - g.pad + kx
							if ix >= 0 && ix < g.w {
								s += src[iy*g.w+ix] * wk[ky*g.kw+kx]
							}
						}
					}
					dst[oy*g.ow+ox] = s
				}
			}
		}
	})
}
