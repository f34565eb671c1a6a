package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/vmath"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/devicetest"
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
