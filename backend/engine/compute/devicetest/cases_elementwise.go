package devicetest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

func caseActivate(t *testing.T, dev compute.Device) {
	// A sweep over [−10, 10] plus far tails, where naive exp would overflow.
	var v []float64
	for x := -10.0; x <= 10; x += 0.173 {
		v = append(v, float64(float32(x)))
	}
	v = append(v, -100, 100, -88.5, 0)
	x := upload(t, dev, v, len(v))
	for _, act := range []compute.Activation{compute.ActNone, compute.ActSiLU, compute.ActGELU, compute.ActGELUTanh, compute.ActQuickGELU, compute.ActReLU} {
		t.Run(act.String(), func(t *testing.T) {
			y, err := dev.Activate(x, act)
			require.NoError(t, err)
			want := make([]float64, len(v))
			for i, z := range v {
				want[i] = refAct(z, int(act))
			}
			assertClose(t, want, download(t, dev, y, len(v)), tol{abs: 1e-6, rel: 1e-5})
		})
	}
	_, err := dev.Activate(x, compute.Activation(200))
	require.Error(t, err)
}

// broadcastShapes are the pairs every broadcasting op is checked on.
var broadcastShapes = [][2][]int{
	{{2, 3, 5}, {2, 3, 5}},
	{{2, 3, 4, 5}, {1, 3, 1, 1}}, // per-channel bias on NCHW
	{{4, 17}, {17}},              // per-feature bias, lower rank
	{{3, 7}, {1}},                // scalar
	{{2, 1, 5}, {1, 3, 1}},       // both sides broadcast
	{{5}, {2, 3, 5}},             // first operand lower rank
	{{2, 1, 4}, {2, 6, 4}},       // first operand broadcast in the middle
}

func caseAdd(t *testing.T, dev compute.Device) {
	caseBroadcast(t, dev, dev.Add, func(x, y float64) float64 { return x + y })
}

func caseMul(t *testing.T, dev compute.Device) {
	caseBroadcast(t, dev, dev.Mul, func(x, y float64) float64 { return x * y })
}

func caseBroadcast(t *testing.T, dev compute.Device, op func(a, b tensor.Tensor) (tensor.Tensor, error), f func(x, y float64) float64) {
	for i, p := range broadcastShapes {
		t.Run(sizeName(p[0]...)+"_"+sizeName(p[1]...), func(t *testing.T) {
			r := rng(uint64(1100 + i))
			av, bv := randn(r, prod(p[0])), randn(r, prod(p[1]))
			y, err := op(upload(t, dev, av, p[0]...), upload(t, dev, bv, p[1]...))
			require.NoError(t, err)
			want, shape := refBroadcast(av, bv, p[0], p[1], f)
			assertClose(t, want, download(t, dev, y, shape...), exact32)
		})
	}
	_, err := op(upload(t, dev, randn(rng(1), 6), 2, 3), upload(t, dev, randn(rng(2), 4), 2, 2))
	requireShapeErr(t, err)
}

func caseScale(t *testing.T, dev compute.Device) {
	v := randn(rng(1200), 37)
	y, err := dev.Scale(upload(t, dev, v, 37), -0.18215)
	require.NoError(t, err)
	want := make([]float64, len(v))
	for i, z := range v {
		want[i] = z * float64(float32(-0.18215))
	}
	assertClose(t, want, download(t, dev, y, 37), exact32)
}

func caseClamp(t *testing.T, dev compute.Device) {
	v := randn(rng(1300), 3*41)
	y, err := dev.Clamp(upload(t, dev, v, 3, 41), -0.5, 1)
	require.NoError(t, err)
	want := make([]float64, len(v))
	for i, z := range v {
		want[i] = math.Min(math.Max(z, -0.5), 1)
	}
	assertClose(t, want, download(t, dev, y, 3, 41), tol{})
	_, err = dev.Clamp(upload(t, dev, v, 3, 41), 1, -1)
	require.Error(t, err)
}

func caseLerp(t *testing.T, dev compute.Device) {
	r := rng(1400)
	av, bv := randn(r, 5*11), randn(r, 5*11)
	for _, w := range []float32{0, 0.3, 1, 1.5} {
		t.Run(sizeName(int(w*10)), func(t *testing.T) {
			y, err := dev.Lerp(upload(t, dev, av, 5, 11), upload(t, dev, bv, 5, 11), w)
			require.NoError(t, err)
			want := make([]float64, len(av))
			for i := range want {
				want[i] = av[i] + float64(w)*(bv[i]-av[i])
			}
			assertClose(t, want, download(t, dev, y, 5, 11), exact32)
		})
	}
	_, err := dev.Lerp(upload(t, dev, av, 55), upload(t, dev, bv, 5, 11), 0.5)
	requireShapeErr(t, err)
}
