package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/devicetest"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func TestConformance(t *testing.T) {
	for _, threads := range []int{1, 3} {
		t.Run(map[int]string{1: "1 thread", 3: "3 threads"}[threads], func(t *testing.T) {
			devicetest.Run(t, New(threads))
		})
	}
}

// TestConformancePaths runs the suite with each gemm path this machine has
// (the micro-kernel under matmul, conv and attention) and each vmath path
// (exponentials, norms, activations), the force hooks of both packages.
func TestConformancePaths(t *testing.T) {
	for _, gp := range gemm.Paths() {
		for _, vp := range vmath.Paths() {
			if gp == gemm.Paths()[0] && vp == vmath.Paths()[0] {
				continue // TestConformance ran it
			}
			t.Run("gemm "+gp+", vmath "+vp, func(t *testing.T) {
				d, err := newOnPaths(2, gp, vp)
				require.NoError(t, err)
				devicetest.Run(t, d)
			})
		}
	}
	_, err := newOnPaths(1, "nope", "generic")
	require.Error(t, err)
	_, err = newOnPaths(1, "generic", "nope")
	require.Error(t, err)
}

func TestRegistered(t *testing.T) {
	require.Contains(t, compute.Names(), Name)
	d, err := compute.Open(Name, compute.Options{Threads: 2})
	require.NoError(t, err)
	require.Equal(t, 2, d.Info().Threads)
	_, err = compute.Open("nope", compute.Options{})
	require.ErrorIs(t, err, compute.ErrUnknownDevice)
}

func TestPatchesBlockMatchesIm2col(t *testing.T) {
	// Blocks at odd offsets must equal the same window of a full im2col.
	g := convGeom{n: 1, cin: 3, h: 7, w: 6, cout: 1, kh: 3, kw: 3, stride: 2, pad: 1, group: 1}
	g.oh, g.ow = (g.h+2*g.pad-g.kh)/g.stride+1, (g.w+2*g.pad-g.kw)/g.stride+1
	x := make([]float32, g.cin*g.h*g.w)
	for i := range x {
		x[i] = float32(i + 1)
	}
	p := &patches{g: g, x: x}
	rows, cols := p.Dims()
	full := make([]float32, rows*cols)
	p.Block(0, rows, 0, cols, full, cols)
	for r := 0; r < rows; r++ {
		ci, ky, kx := r/9, r%9/3, r%3
		for c := 0; c < cols; c++ {
			iy, ix := c/g.ow*g.stride-g.pad+ky, c%g.ow*g.stride-g.pad+kx
			var want float32
			if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
				want = x[(ci*g.h+iy)*g.w+ix]
			}
			require.Equal(t, want, full[r*cols+c], "row %d col %d", r, c)
		}
	}
	blk := make([]float32, 5*7)
	p.Block(4, 5, 3, 7, blk, 7)
	for r := 0; r < 5; r++ {
		require.Equal(t, full[(4+r)*cols+3:(4+r)*cols+10], blk[r*7:(r+1)*7])
	}
}

// blockOnly hides patches' PackPanels, so gemm packs it through Block: the
// generic twin of the direct path.
type blockOnly struct{ p *patches }

func (b blockOnly) Dims() (int, int) { return b.p.Dims() }
func (b blockOnly) Block(r0, nr, c0, nc int, dst []float32, ld int) {
	b.p.Block(r0, nr, c0, nc, dst, ld)
}

func TestPatchesPackPanelsMatchesBlock(t *testing.T) {
	tests := []struct {
		name                      string
		cin, h, w, k, stride, pad int
	}{
		{"3x3 same, rows wider than a panel", 3, 5, 37, 3, 1, 1},
		{"3x3 same, panels span rows", 2, 9, 7, 3, 1, 1},
		{"3x3 stride 2", 3, 7, 6, 3, 2, 1},
		{"3x3 stride 2 no pad", 2, 11, 9, 3, 2, 0},
		{"1x1 padded", 2, 4, 5, 1, 1, 1},
		{"5x5 pad 2", 1, 6, 6, 5, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := convGeom{n: 1, cin: tc.cin, h: tc.h, w: tc.w, cout: 1, kh: tc.k, kw: tc.k, stride: tc.stride, pad: tc.pad, group: 1}
			g.oh, g.ow = (g.h+2*g.pad-g.kh)/g.stride+1, (g.w+2*g.pad-g.kw)/g.stride+1
			x := make([]float32, g.cin*g.h*g.w)
			for i := range x {
				x[i] = float32(i + 1)
			}
			p := &patches{g: g, x: x}
			rows, cols := p.Dims()
			for _, path := range gemm.Paths() {
				e, err := gemm.NewEngine(path)
				require.NoError(t, err)
				tl := e.Tiler()
				for _, blk := range []struct{ p0, kc, c0, n int }{
					{0, rows, 0, cols}, {1, rows - 2, 3, cols - 4}, {rows - 1, 1, cols - 1, 1}, {4 % rows, min(5, rows-4%rows), cols / 2, cols - cols/2},
				} {
					want := make([]float32, tl.PackedBSize(blk.kc, blk.n))
					got := make([]float32, len(want))
					for i := range got {
						got[i] = -1 // every lane must be written
					}
					tl.PackB(want, blockOnly{p}, blk.p0, blk.kc, blk.c0, blk.n)
					tl.PackB(got, p, blk.p0, blk.kc, blk.c0, blk.n)
					require.Equal(t, want, got, "%s block %+v", path, blk)
				}
			}
		})
	}
}

func TestLargeUploadsRoundTrip(t *testing.T) {
	// Half uploads of offHeapMin or more take the off-heap path where the
	// platform has one; values, accounting and Free must not change (the
	// F32 upload beside it stays on the heap).
	d := New(2)
	n := offHeapMin/2 + 3 // bytes ≥ offHeapMin for F32 and F16 alike
	vals := make([]float32, n)
	bits := make([]uint16, n)
	for i := range vals {
		vals[i] = float32(i%1000) - 500
		bits[i] = uint16(0x3c00 + i%512) // 1 + k/1024
	}
	before := d.Info().UsedMemory
	x, err := d.Upload(tensor.Shape{n}, vals)
	require.NoError(t, err)
	h, err := d.UploadHalf(tensor.Shape{n}, tensor.F16, bits)
	require.NoError(t, err)
	require.Equal(t, before+int64(n)*6, d.Info().UsedMemory)
	vals[0], bits[0] = 42, 0 // the tensors hold copies

	got, err := d.Download(x)
	require.NoError(t, err)
	require.Equal(t, float32(-500), got[0])
	require.Equal(t, vals[1:], got[1:])
	gotH, err := d.Download(h)
	require.NoError(t, err)
	require.Equal(t, float32(1), gotH[0])
	require.Equal(t, float32(1+511.0/1024), gotH[511])

	// An op reads the half tensor as a weight: [1, n] · [n, 1].
	w, err := h.Reshape(1, n)
	require.NoError(t, err)
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	o, err := d.Upload(tensor.Shape{n, 1}, ones)
	require.NoError(t, err)
	p, err := d.MatMul(w, o, false, false)
	require.NoError(t, err)
	want := 0.0
	for _, v := range gotH {
		want += float64(v)
	}
	pv, err := d.Download(p)
	require.NoError(t, err)
	require.InEpsilon(t, want, float64(pv[0]), 1e-5)

	for _, tt := range []tensor.Tensor{x, h, o, p} {
		require.NoError(t, d.Free(tt))
	}
	require.Equal(t, before, d.Info().UsedMemory)
	_, err = d.Download(h)
	require.Error(t, err, "use after Free must fail, not read unmapped memory")
}
