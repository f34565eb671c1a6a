package cpu

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestFreeCollectsLargeActivations checks that freeing a large activation
// starts a collection and that freeing a small one does not.
func TestFreeCollectsLargeActivations(t *testing.T) {
	d := New(1)
	forced := func() uint32 {
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		return s.NumForcedGC
	}
	small, err := d.Alloc(tensor.Shape{1024})
	require.NoError(t, err)
	before := forced()
	require.NoError(t, d.Free(small))
	require.Equal(t, before, forced(), "a small free collects nothing")
	x, err := d.Alloc(tensor.Shape{largeFree / 4})
	require.NoError(t, err)
	require.NoError(t, d.Free(x))
	require.Greater(t, forced(), before, "a large free collects")
}

// TestGroupNormInPlace checks the in-place form against GroupNorm, with and
// without affine and SiLU, and that it refuses half storage.
func TestGroupNormInPlace(t *testing.T) {
	d := New(2)
	const n, c, hw = 2, 8, 37
	vals := make([]float32, n*c*hw)
	for i := range vals {
		vals[i] = float32((i*7919)%101)/13 - 3
	}
	g := make([]float32, c)
	bb := make([]float32, c)
	for i := range g {
		g[i], bb[i] = 0.5+float32(i)/8, float32(i)/4-1
	}
	gamma, err := d.Upload(tensor.Shape{c}, g)
	require.NoError(t, err)
	beta, err := d.Upload(tensor.Shape{c}, bb)
	require.NoError(t, err)
	for _, affine := range []bool{false, true} {
		for _, silu := range []bool{false, true} {
			x, err := d.Upload(tensor.Shape{n, c, hw}, vals)
			require.NoError(t, err)
			ga, be := tensor.Tensor{}, tensor.Tensor{}
			if affine {
				ga, be = gamma, beta
			}
			want, err := d.GroupNorm(x, ga, be, 4, 1e-5, silu)
			require.NoError(t, err)
			require.NoError(t, d.GroupNormInPlace(x, ga, be, 4, 1e-5, silu))
			got, err := d.Download(x)
			require.NoError(t, err)
			w, err := d.Download(want)
			require.NoError(t, err)
			require.Equal(t, w, got, "affine=%v silu=%v", affine, silu)
		}
	}
	half, err := d.UploadHalf(tensor.Shape{1, 4, 2}, tensor.F16, make([]uint16, 8))
	require.NoError(t, err)
	require.ErrorContains(t, d.GroupNormInPlace(half, tensor.Tensor{}, tensor.Tensor{}, 2, 1e-5, false), "want F32")
	bad, err := d.Alloc(tensor.Shape{1, 3, 2})
	require.NoError(t, err)
	require.ErrorIs(t, d.GroupNormInPlace(bad, tensor.Tensor{}, tensor.Tensor{}, 2, 1e-5, false), tensor.ErrShape)
}
