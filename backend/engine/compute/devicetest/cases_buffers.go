package devicetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseName(t *testing.T, dev compute.Device) {
	require.NotEmpty(t, dev.Name())
	require.Equal(t, dev.Name(), dev.Info().Name)
}

func caseInfo(t *testing.T, dev compute.Device) {
	info := dev.Info()
	require.GreaterOrEqual(t, info.Threads, 0)
	require.GreaterOrEqual(t, info.TotalMemory, int64(0))
	require.NotEmpty(t, info.Description)
	// UsedMemory follows live buffers: a 1 MiB tensor shows up, then goes.
	before := dev.Info().UsedMemory
	x, err := dev.Alloc(tensor.Shape{256, 1024})
	require.NoError(t, err)
	require.GreaterOrEqual(t, dev.Info().UsedMemory-before, int64(1<<20))
	require.NoError(t, dev.Free(x))
	require.Less(t, dev.Info().UsedMemory-before, int64(1<<20))
}

func caseSynchronize(t *testing.T, dev compute.Device) {
	x := upload(t, dev, []float64{1, 2, 3}, 3)
	y, err := dev.Scale(x, 2)
	require.NoError(t, err)
	require.NoError(t, dev.Synchronize())
	got, err := dev.Download(y)
	require.NoError(t, err)
	require.Equal(t, []float32{2, 4, 6}, got)
}

func caseAlloc(t *testing.T, dev compute.Device) {
	for _, shape := range []tensor.Shape{{1}, {7}, {2, 3, 5}, {1, 1, 1, 1}} {
		t.Run(shape.String(), func(t *testing.T) {
			x, err := dev.Alloc(shape)
			require.NoError(t, err)
			require.Equal(t, tensor.F32, x.DType())
			got := download(t, dev, x, shape...)
			require.Equal(t, make([]float32, shape.Numel()), got)
		})
	}
	for _, shape := range []tensor.Shape{{0}, {3, -1}, {1 << 30, 1 << 30, 4}} {
		_, err := dev.Alloc(shape)
		requireShapeErr(t, err)
	}
}

func caseUpload(t *testing.T, dev compute.Device) {
	v := randn(rng(1), 3*17)
	x := upload(t, dev, v, 3, 17)
	require.Equal(t, to32(v), download(t, dev, x, 3, 17))
	// The device copies: changing the host slice later changes nothing.
	host := to32(v)
	y, err := dev.Upload(tensor.Shape{51}, host)
	require.NoError(t, err)
	host[0] = 99
	got := download(t, dev, y, 51)
	require.Equal(t, float32(v[0]), got[0])

	_, err = dev.Upload(tensor.Shape{4}, []float32{1, 2, 3})
	requireShapeErr(t, err)
	_, err = dev.Upload(tensor.Shape{0}, nil)
	requireShapeErr(t, err)
}

func caseUploadHalf(t *testing.T, dev compute.Device) {
	for _, dt := range []tensor.DType{tensor.F16, tensor.BF16} {
		t.Run(dt.String(), func(t *testing.T) {
			v := randn(rng(2), 5*13)
			x := uploadAs(t, dev, dt, v, 5, 13)
			require.Equal(t, dt, x.DType())
			require.Equal(t, int64(5*13*2), x.Bytes(), "half tensors stay half-size")
			assertClose(t, v, download(t, dev, x, 5, 13), tol{})
		})
	}
	_, err := dev.UploadHalf(tensor.Shape{2}, tensor.F32, []uint16{1, 2})
	require.Error(t, err)
	_, err = dev.UploadHalf(tensor.Shape{3}, tensor.F16, []uint16{1, 2})
	requireShapeErr(t, err)
}

func caseDownload(t *testing.T, dev compute.Device) {
	// Special values survive the round trip, in F32 and in half.
	special := []float64{0, -0.0, 1, -2.5, 65504, float64(float32(1e-7))}
	x := upload(t, dev, special, 6)
	assertClose(t, special, download(t, dev, x, 6), tol{})
	h := uploadAs(t, dev, tensor.F16, append([]float64(nil), special...), 6)
	got := download(t, dev, h, 6)
	require.Equal(t, float32(65504), got[4], "largest half")
	_, err := dev.Download(tensor.Tensor{})
	require.Error(t, err)
}

func caseFree(t *testing.T, dev compute.Device) {
	x := upload(t, dev, []float64{1, 2}, 2)
	require.NoError(t, dev.Free(x))
	_, err := dev.Download(x)
	require.Error(t, err, "use after free must fail")
	_, err = dev.Scale(x, 1)
	require.Error(t, err)
	require.Error(t, dev.Free(tensor.Tensor{}))
}

func caseClose(t *testing.T, dev compute.Device) {
	require.NoError(t, dev.Close())
}
