package cpu

import (
	"runtime"
	"unsafe"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
)

// Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, 2015) computes
// a 4×4 block of a 3×3 stride-1 convolution from a 6×6 input tile with 36
// multiplications per input/output channel pair instead of 144. The tiles'
// transformed values form 36 independent matrix products, one per point of
// the 6×6 transform domain:
//
//	M[ξ] (Cout×tiles) = U[ξ] (Cout×Cin) · V[ξ] (Cin×tiles)
//
// with U the filters and V the input tiles taken to the transform domain
// (interpolation points 0, ±1, ±2 and ∞), and the output read back by the
// inverse transform. The products run on the GEMM micro-kernel from panels
// the transforms write directly; the tiles are processed in chunks so the
// scratch stays a few megabytes however large the image.
//
// The transforms are exact in real arithmetic; in float32 the larger
// interpolation points cost some precision (relative error around 1e-5 of
// the output's scale against 1e-6 for the direct product), far below what
// half-precision weights already carry.
const (
	wgOut    = 4  // output tile side
	wgIn     = 6  // input tile side: wgOut + 3 − 1
	wgPoints = 36 // wgIn², the transform domain
)

// wgScratchBytes bounds a chunk's transformed input and products: tiles
// are taken in chunks whose V and M fit in it. wgFilterBytes bounds the
// transformed filters (U, 38 MB for 512→512 channels): wider convolutions
// take their output channels in blocks, each transforming the input again.
// That costs about half the products' time per extra block at these widths
// (the transforms are far slower per value than the micro-kernel), so the
// bound is a memory guard, not a tuning knob.
const (
	wgScratchBytes = 16 << 20
	wgFilterBytes  = 48 << 20
)

// Cost model for choosing Winograd over the implicit GEMM, in units of one
// GEMM multiply-add. The transforms' arithmetic is vectorised (LinComb16)
// but their gathers and scatters are scalar; fitted to BenchmarkConvAlgorithms
// on Sapphire Rapids (AVX-512), one nominal transform operation costs about
// wgScalar multiply-adds of the micro-kernel. It errs towards the implicit
// GEMM: 64-channel 64² convolutions, about even, stay there.
const (
	wgScalar     = 24
	wgInputOps   = 240 // B^T·d·B per input tile and channel
	wgOutputOps  = 140 // A^T·m·A per output tile and channel
	wgFilterOps  = 300 // G·g·G^T per filter
	wgMinChannel = 16
)

// winogradFits reports whether conv g is a 3×3, stride-1, dense convolution
// that Winograd computes faster than the implicit GEMM by the cost model.
func winogradFits(g convGeom) bool {
	if g.kh != 3 || g.kw != 3 || g.stride != 1 || g.group != 1 || g.cin < wgMinChannel || g.cout < wgMinChannel {
		return false
	}
	tiles := float64(g.n * ceilDiv(g.oh, wgOut) * ceilDiv(g.ow, wgOut))
	cin, cout := float64(g.cin), float64(g.cout)
	direct := 9 * cin * cout * float64(g.n*g.oh*g.ow)
	wino := wgPoints*cin*cout*tiles +
		wgScalar*((wgInputOps*cin+wgOutputOps*cout)*tiles+wgFilterOps*cin*cout)
	return wino < direct
}

// winograd is one F(4×4, 3×3) convolution: its geometry, the micro-kernel
// and the chunking of its tiles.
type winograd struct {
	g                convGeom
	mk               gemm.Tiler
	vm               vmath.Kernels
	mat              *wgMatrices
	tilesY, tilesX   int // per image
	tiles            int // over the batch
	co0, cout        int // the block of output channels in progress
	coPad            int // cout rounded up to whole A panels
	chunk            int // tiles per chunk, a multiple of NR
	d                *Device
	scratch          []*wgScratch // per worker
	u                []float32    // filters in the transform domain, as A panels per point
	v, m             []float32    // one chunk's transformed input (B panels) and products
	xs, bias, output []float32
	upsampled        bool // xs is half size: pixel (y, x) of the input is xs's (y/2, x/2)
}

// winogradConv computes y = conv(x, w) + bias for a geometry winogradFits
// accepted; wop is the filter matrix [Cout, Cin·9] and xs, y are NCHW. With
// upsampled set, xs is [N, Cin, H/2, W/2] and stands for its nearest ×2
// upsampling, g's input.
func (d *Device) winogradConv(g convGeom, xs []float32, upsampled bool, wop gemm.Operand, bs, y []float32) {
	mk := d.gemm.Tiler()
	wg := &winograd{
		g: g, mk: mk, vm: d.vm, mat: newWgMatrices(), d: d, scratch: make([]*wgScratch, d.threads),
		tilesY: ceilDiv(g.oh, wgOut), tilesX: ceilDiv(g.ow, wgOut),
		xs: xs, upsampled: upsampled, bias: bs, output: y,
	}
	wg.tiles = g.n * wg.tilesY * wg.tilesX
	// Output channels in blocks whose transformed filters fit wgFilterBytes
	// (each block transforms the input again, which costs 1/Cout of the
	// products per block), balanced, whole A panels each.
	panels := ceilDiv(g.cout, mk.MR())
	perPanel := wgPoints * mk.MR() * g.cin * 4
	blocks := ceilDiv(panels, max(1, wgFilterBytes/perPanel))
	block := ceilDiv(panels, blocks) * mk.MR()
	wg.chunk = wgChunk(wg.tiles, g.cin, block, mk.NR())
	nu, nv := wgPoints*block*g.cin, wgPoints*g.cin*wg.chunk
	scratch, release := scratchF32(nu + nv + wgPoints*block*wg.chunk)
	defer release()
	wg.u, wg.v, wg.m = scratch[:nu:nu], scratch[nu:nu+nv:nu+nv], scratch[nu+nv:]
	for wg.co0 = 0; wg.co0 < g.cout; wg.co0 += block {
		wg.cout = min(block, g.cout-wg.co0)
		wg.coPad = ceilDiv(wg.cout, mk.MR()) * mk.MR()
		wg.transformFilters(wop)
		for t0 := 0; t0 < wg.tiles; t0 += wg.chunk {
			wg.transformInput(t0)
			wg.multiply()
			wg.transformOutput(t0)
		}
	}
	runtime.KeepAlive(wop)
}

// wgScratch is one worker's staging for the transforms. It lives on the heap
// once per worker and convolution: arrays passed to the vmath kernels
// through their function table would otherwise escape, one allocation per
// call.
type wgScratch struct {
	row     []float32 // one A panel's filters, [MR, Cin·9]
	stage   []float32 // their transforms for 16 channels, [36][16][MR]
	a, b, c [wgPoints * wgLanes]float32
}

// run calls fn(task) for tasks [0, n) on the device's workers
// (Device.tasks), each with its own scratch, kept for the whole convolution.
func (wg *winograd) run(n int, fn func(task int, s *wgScratch)) {
	wg.d.tasks(n, func(w, task int) {
		if wg.scratch[w] == nil {
			wg.scratch[w] = &wgScratch{}
		}
		fn(task, wg.scratch[w])
	})
}

// The transform matrices, row-major: B^T (6×6) takes an input tile to the
// transform domain, G (6×3) a filter, A^T (4×6) a product back to outputs.
// Their rows are the interpolation points 0, 1, −1, 2, −2 and ∞.
type wgMatrices struct {
	bt [wgIn * wgIn]float32
	g  [wgIn * 3]float32
	at [wgOut * wgIn]float32
}

func newWgMatrices() *wgMatrices {
	return &wgMatrices{
		bt: [...]float32{
			4, 0, -5, 0, 1, 0,
			0, -4, -4, 1, 1, 0,
			0, 4, -4, -1, 1, 0,
			0, -2, -1, 2, 1, 0,
			0, 2, -1, -2, 1, 0,
			0, 4, 0, -5, 0, 1,
		},
		g: [...]float32{
			1.0 / 4, 0, 0,
			-1.0 / 6, -1.0 / 6, -1.0 / 6,
			-1.0 / 6, 1.0 / 6, -1.0 / 6,
			1.0 / 24, 1.0 / 12, 1.0 / 6,
			1.0 / 24, -1.0 / 12, 1.0 / 6,
			0, 0, 1,
		},
		at: [...]float32{
			1, 1, 1, 1, 1, 0,
			0, 1, -1, 2, -2, 0,
			0, 1, 1, 4, 4, 0,
			0, 1, -1, 8, -8, 1,
		},
	}
}

// The transforms work on sixteen tiles (or filters) at once, one per lane
// of a vmath.LinComb16 vector: a 6×6 tile set is [36][16]float32, value
// (r, c) of lane l at (r·6+c)·16+l.
const wgLanes = 16

// transformFilters fills u: U[ξ] = G·f·G^T for every filter f, stored for
// point ξ as A panels (element (co, ci) at ξ·coPad·Cin + (co/MR)·MR·Cin +
// ci·MR + co%MR). Padding rows stay zero. A task is one A panel, so that
// each point's values are written as one contiguous run per 16 channels.
func (wg *winograd) transformFilters(wop gemm.Operand) {
	g, mr := wg.g, wg.mk.MR()
	plane := wg.coPad * g.cin
	wg.run(wg.coPad/mr, func(panel int, s *wgScratch) {
		rows := min(mr, wg.cout-panel*mr)
		if s.row == nil {
			s.row = make([]float32, mr*g.cin*9)
			s.stage = make([]float32, wgPoints*wgLanes*mr)
		}
		wop.Block(wg.co0+panel*mr, rows, 0, g.cin*9, s.row, g.cin*9)
		f, t, u := s.a[:9*wgLanes], s.b[:wgIn*3*wgLanes], s.c[:]
		for ci0 := 0; ci0 < g.cin; ci0 += wgLanes {
			lanes := min(wgLanes, g.cin-ci0)
			clear(s.stage)
			for i := 0; i < rows; i++ {
				if lanes < wgLanes {
					clear(f)
				}
				for l := 0; l < lanes; l++ {
					taps := s.row[(i*g.cin+ci0+l)*9 : (i*g.cin+ci0+l)*9+9]
					for k, v := range taps {
						f[k*wgLanes+l] = v
					}
				}
				for c := 0; c < 3; c++ { // G·f, column by column
					wg.vm.LinComb16(t[c*wgLanes:], 3*wgLanes, f[c*wgLanes:], 3*wgLanes, wg.mat.g[:], wgIn, 3)
				}
				for r := 0; r < wgIn; r++ { // (G·f)·G^T, row by row
					wg.vm.LinComb16(u[r*wgIn*wgLanes:], wgLanes, t[r*3*wgLanes:], wgLanes, wg.mat.g[:], wgIn, 3)
				}
				for xi := 0; xi < wgPoints; xi++ {
					st := s.stage[xi*wgLanes*mr:]
					for l := 0; l < lanes; l++ {
						st[l*mr+i] = u[xi*wgLanes+l]
					}
				}
			}
			for xi := 0; xi < wgPoints; xi++ {
				off := xi*plane + panel*mr*g.cin + ci0*mr
				copy(wg.u[off:off+lanes*mr], s.stage[xi*wgLanes*mr:])
			}
		}
	})
}

// transformInput fills v with B^T·d·B for every input channel and every
// tile of the chunk starting at tile t0: for point ξ, the B panel of
// tiles [q·NR, (q+1)·NR) holds channel ci's values at ξ·Cin·chunk +
// q·NR·Cin + ci·NR + lane. Tiles past the last are zero.
func (wg *winograd) transformInput(t0 int) {
	g, nr := wg.g, wg.mk.NR()
	groups := wg.chunk / wgLanes
	plane := g.cin * wg.chunk
	wg.run(groups*g.cin, func(task int, s *wgScratch) {
		grp, ci := task/g.cin, task%g.cin
		d, t, v := &s.a, s.b[:], s.c[:]
		wg.gather(t0+grp*wgLanes, ci, d)
		for c := 0; c < wgIn; c++ { // B^T·d, column by column
			wg.vm.LinComb16(t[c*wgLanes:], wgIn*wgLanes, d[c*wgLanes:], wgIn*wgLanes, wg.mat.bt[:], wgIn, wgIn)
		}
		first := grp * wgLanes // the group's first tile in the chunk
		if nr%wgLanes == 0 {
			// The group lies inside one B panel: write the rows there.
			off := first/nr*nr*g.cin + ci*nr + first%nr
			for r := 0; r < wgIn; r++ { // (B^T·d)·B, row by row
				wg.vm.LinComb16(wg.v[r*wgIn*plane+off:], plane, t[r*wgIn*wgLanes:], wgLanes, wg.mat.bt[:], wgIn, wgIn)
			}
			return
		}
		for r := 0; r < wgIn; r++ {
			wg.vm.LinComb16(v[r*wgIn*wgLanes:], wgLanes, t[r*wgIn*wgLanes:], wgLanes, wg.mat.bt[:], wgIn, wgIn)
		}
		for l0 := 0; l0 < wgLanes; l0 += nr { // narrow panels: 16/NR of them
			j := first + l0
			off := j/nr*nr*g.cin + ci*nr
			for xi := 0; xi < wgPoints; xi++ {
				copy(wg.v[xi*plane+off:xi*plane+off+nr], v[xi*wgLanes+l0:])
			}
		}
	})
}

// gather fills d with the input tiles of channel ci under the sixteen tiles
// from tile t0, one per lane (zero past the last tile). Sixteen tiles in one
// tile row (most groups) are six rows of one strip of the image.
func (wg *winograd) gather(t0, ci int, d *[wgPoints * wgLanes]float32) {
	g := wg.g
	perImage := wg.tilesY * wg.tilesX
	n, r := t0/perImage, t0%perImage
	ty, tx := r/wg.tilesX, r%wg.tilesX
	iy0, ix0 := ty*wgOut-g.pad, tx*wgOut-g.pad
	if t0+wgLanes <= wg.tiles && tx+wgLanes <= wg.tilesX {
		plane, pw := wg.plane(n, ci)
		const span = (wgLanes-1)*wgOut + wgIn
		inside := !wg.upsampled && ix0 >= 0 && ix0+span <= g.w
		lo, hi := max(0, -ix0), min(span, g.w-ix0) // the strip's part inside the image
		var padded [span]float32
		for y := 0; y < wgIn; y++ {
			dy := (*[wgIn * wgLanes]float32)(d[y*wgIn*wgLanes:])
			iy := iy0 + y
			var strip *[span]float32
			switch {
			case iy < 0 || iy >= g.h:
				clear(dy[:])
				continue
			case inside:
				strip = (*[span]float32)(plane[iy*g.w+ix0:])
			case wg.upsampled: // each source pixel twice, rows likewise
				row := plane[(iy>>1)*pw : ((iy>>1)+1)*pw]
				clear(padded[:lo])
				for j := lo; j < hi; j++ {
					padded[j] = row[(ix0+j)>>1]
				}
				clear(padded[hi:])
				strip = &padded
			default: // the left or right border: a zero-padded copy
				clear(padded[:])
				copy(padded[lo:hi], plane[iy*g.w+ix0+lo:iy*g.w+ix0+hi])
				strip = &padded
			}
			for l := 0; l < wgLanes; l++ {
				px := (*[wgIn]float32)(strip[l*wgOut:])
				dy[l], dy[wgLanes+l], dy[2*wgLanes+l] = px[0], px[1], px[2]
				dy[3*wgLanes+l], dy[4*wgLanes+l], dy[5*wgLanes+l] = px[3], px[4], px[5]
			}
		}
		return
	}
	clear(d[:])
	for l := 0; l < wgLanes; l++ {
		if tile := t0 + l; tile < wg.tiles {
			wg.gatherTile(tile, ci, d, l)
		}
	}
}

// gatherTile copies the 6×6 input tile under tile t of channel ci into
// lane l of d, zero where it reaches past the image (the padding border);
// d's lane is zero on entry.
func (wg *winograd) gatherTile(t, ci int, d *[wgPoints * wgLanes]float32, l int) {
	g := wg.g
	perImage := wg.tilesY * wg.tilesX
	n, r := t/perImage, t%perImage
	iy0 := (r/wg.tilesX)*wgOut - g.pad
	ix0 := (r%wg.tilesX)*wgOut - g.pad
	plane, pw := wg.plane(n, ci)
	if !wg.upsampled && iy0 >= 0 && ix0 >= 0 && iy0+wgIn <= g.h && ix0+wgIn <= g.w {
		for y := 0; y < wgIn; y++ {
			row := (*[wgIn]float32)(plane[(iy0+y)*g.w+ix0:])
			for x, v := range row {
				d[(y*wgIn+x)*wgLanes+l] = v
			}
		}
		return
	}
	for y := 0; y < wgIn; y++ {
		iy := iy0 + y
		if iy < 0 || iy >= g.h {
			continue
		}
		for x := 0; x < wgIn; x++ {
			ix := ix0 + x
			switch {
			case ix < 0 || ix >= g.w:
			case wg.upsampled:
				d[(y*wgIn+x)*wgLanes+l] = plane[(iy>>1)*pw+(ix>>1)]
			default:
				d[(y*wgIn+x)*wgLanes+l] = plane[iy*g.w+ix]
			}
		}
	}
}

// plane returns channel ci of image n of the input as stored, and its row
// length: half the input's width when it stands for its upsampling.
func (wg *winograd) plane(n, ci int) ([]float32, int) {
	g := wg.g
	h, w := g.h, g.w
	if wg.upsampled {
		h, w = h/2, w/2
	}
	return wg.xs[(n*g.cin+ci)*h*w : (n*g.cin+ci+1)*h*w], w
}

// multiply computes the chunk's 36 products M[ξ] = U[ξ]·V[ξ] on the
// micro-kernel: M[ξ] is coPad×chunk, row-major, at ξ·coPad·chunk.
func (wg *winograd) multiply() {
	mk, cin := wg.mk, wg.g.cin
	rowPanels := wg.coPad / mk.MR()
	colPanels := wg.chunk / mk.NR()
	// A task is a few A panels of one point: each A panel is loaded once
	// and meets every B panel of the chunk.
	const panelsPerTask = 4
	groups := ceilDiv(rowPanels, panelsPerTask)
	wg.run(wgPoints*groups, func(task int, _ *wgScratch) {
		xi, grp := task/groups, task%groups
		u := wg.u[xi*wg.coPad*cin : (xi+1)*wg.coPad*cin]
		v := wg.v[xi*cin*wg.chunk : (xi+1)*cin*wg.chunk]
		m := wg.m[xi*wg.coPad*wg.chunk : (xi+1)*wg.coPad*wg.chunk]
		for r := grp * panelsPerTask; r < min(rowPanels, (grp+1)*panelsPerTask); r++ {
			apan := u[r*mk.MR()*cin : (r+1)*mk.MR()*cin]
			for p0 := 0; p0 < cin; p0 += mk.KC() {
				p1 := min(cin, p0+mk.KC())
				a := apan[p0*mk.MR() : p1*mk.MR()]
				for q := 0; q < colPanels; q++ {
					b := v[q*mk.NR()*cin+p0*mk.NR() : q*mk.NR()*cin+p1*mk.NR()]
					var beta float32 // the first depth block overwrites, the rest add
					if p0 > 0 {
						beta = 1
					}
					mk.Tile(p1-p0, a, b, m[r*mk.MR()*wg.chunk+q*mk.NR():], wg.chunk, beta)
				}
			}
		}
	})
}

// transformOutput writes A^T·M·A (+ bias) of every output channel and tile
// of the chunk starting at tile t0 into the output, cropping tiles that
// reach past its edge.
func (wg *winograd) transformOutput(t0 int) {
	g := wg.g
	count := min(wg.chunk, wg.tiles-t0)
	plane := wg.coPad * wg.chunk
	perImage := wg.tilesY * wg.tilesX
	wg.run(wg.cout, func(co int, s *wgScratch) {
		ch := wg.co0 + co // the output channel
		var b float32
		if wg.bias != nil {
			b = wg.bias[ch]
		}
		t, o := s.a[:wgOut*wgIn*wgLanes], s.b[:wgOut*wgOut*wgLanes]
		for j0 := 0; j0 < count; j0 += wgLanes {
			src := wg.m[co*wg.chunk+j0:]
			for c := 0; c < wgIn; c++ { // A^T·m, column by column
				wg.vm.LinComb16(t[c*wgLanes:], wgIn*wgLanes, src[c*plane:], wgIn*plane, wg.mat.at[:], wgOut, wgIn)
			}
			for r := 0; r < wgOut; r++ { // (A^T·m)·A, row by row
				wg.vm.LinComb16(o[r*wgOut*wgLanes:], wgLanes, t[r*wgIn*wgLanes:], wgLanes, wg.mat.at[:], wgOut, wgIn)
			}
			if wg.storeRow(ch, t0+j0, min(wgLanes, count-j0), o, b) {
				continue
			}
			for l := 0; l < min(wgLanes, count-j0); l++ {
				tile := t0 + j0 + l
				n, r := tile/perImage, tile%perImage
				oy0, ox0 := (r/wg.tilesX)*wgOut, (r%wg.tilesX)*wgOut
				dst := wg.output[(n*g.cout+ch)*g.oh*g.ow : (n*g.cout+ch+1)*g.oh*g.ow]
				for y := 0; y < min(wgOut, g.oh-oy0); y++ {
					row := dst[(oy0+y)*g.ow : (oy0+y+1)*g.ow]
					for x := 0; x < min(wgOut, g.ow-ox0); x++ {
						row[ox0+x] = o[(y*wgOut+x)*wgLanes+l] + b
					}
				}
			}
		}
	})
}

// storeRow writes sixteen output tiles (lane l of o is tile t+l) of output
// channel co plus b when they lie in one tile row and inside the output, row by
// row; it reports false, writing nothing, otherwise.
func (wg *winograd) storeRow(co, t, count int, o []float32, b float32) bool {
	g := wg.g
	perImage := wg.tilesY * wg.tilesX
	n, r := t/perImage, t%perImage
	ty, tx := r/wg.tilesX, r%wg.tilesX
	oy0, ox0 := ty*wgOut, tx*wgOut
	const span = wgLanes * wgOut
	if count != wgLanes || tx+wgLanes > wg.tilesX || oy0+wgOut > g.oh || ox0+span > g.ow {
		return false
	}
	dst := wg.output[(n*g.cout+co)*g.oh*g.ow : (n*g.cout+co+1)*g.oh*g.ow]
	for y := 0; y < wgOut; y++ {
		row := (*[span]float32)(dst[(oy0+y)*g.ow+ox0:])
		oy := (*[wgOut * wgLanes]float32)(o[y*wgOut*wgLanes:])
		for l := 0; l < wgLanes; l++ {
			px := (*[wgOut]float32)(row[l*wgOut:])
			px[0], px[1], px[2], px[3] = oy[l]+b, oy[wgLanes+l]+b, oy[2*wgLanes+l]+b, oy[3*wgLanes+l]+b
		}
	}
	return true
}

// wgChunk is how many tiles a chunk takes: as many as fit wgScratchBytes
// with their transformed input (cin values per point) and products (block
// rows per point), in whole B panels (nr) and transform lane groups.
func wgChunk(tiles, cin, block, nr int) int {
	unit := max(nr, wgLanes)
	chunk := max(unit, wgScratchBytes/(wgPoints*(cin+block)*4)/unit*unit)
	return min(chunk, ceilDiv(tiles, unit)*unit)
}

// scratchF32 returns n zeroed float32s and the function that gives them
// back. They are mapped outside the Go heap where the system allows, so
// that the tens of megabytes a wide convolution needs (U alone is 38 MB at
// 512 channels) leave the process when it returns instead of waiting for a
// collection: the VAE decoder's peak RSS is reached during its convolutions.
func scratchF32(n int) ([]float32, func()) {
	if mem := offHeap(n * 4); mem != nil {
		adviseHuge(mem) // a few 2 MB faults instead of thousands of 4 KB ones
		return unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), n), func() { releaseOffHeap(mem) }
	}
	return make([]float32, n), func() {}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
