package devicetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// caseFunc checks one Device method.
type caseFunc func(t *testing.T, dev compute.Device)

// namedCase pairs a Device method name with its cases.
type namedCase struct {
	method string
	run    caseFunc
}

// cases lists every method's cases in run order. Close is last because it
// ends the device. A function, not a package variable: no mutable state.
func cases() []namedCase {
	return []namedCase{
		{"Name", caseName}, {"Info", caseInfo}, {"Synchronize", caseSynchronize},
		{"Alloc", caseAlloc}, {"Upload", caseUpload}, {"UploadHalf", caseUploadHalf},
		{"Download", caseDownload}, {"Free", caseFree},
		{"MatMul", caseMatMul}, {"Linear", caseLinear}, {"Conv2D", caseConv2D},
		{"GroupNorm", caseGroupNorm}, {"LayerNorm", caseLayerNorm}, {"Softmax", caseSoftmax},
		{"Attention", caseAttention}, {"Activate", caseActivate},
		{"Add", caseAdd}, {"Mul", caseMul}, {"Scale", caseScale}, {"Clamp", caseClamp}, {"Lerp", caseLerp},
		{"Concat", caseConcat}, {"Split", caseSplit}, {"Permute", casePermute},
		{"Upsample2x", caseUpsample2x}, {"AvgPool2x2", caseAvgPool2x2},
		{"Embedding", caseEmbedding}, {"TimestepEmbedding", caseTimestepEmbedding},
		{"Mean", caseMean}, {"Variance", caseVariance},
		{"Close", caseClose},
	}
}

// Run runs the whole suite on dev. dev is closed at the end.
func Run(t *testing.T, dev compute.Device) {
	t.Helper()
	for _, c := range cases() {
		t.Run(c.method, func(t *testing.T) { c.run(t, dev) })
	}
}

// rng returns a deterministic generator per case, so failures reproduce.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// randn returns n normal values, already rounded to float32 so the float64
// reference sees exactly what the device sees.
func randn(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(r.NormFloat64()))
	}
	return v
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// upload puts v on dev as F32.
func upload(t *testing.T, dev compute.Device, v []float64, shape ...int) tensor.Tensor {
	t.Helper()
	x, err := dev.Upload(tensor.Shape(shape), to32(v))
	require.NoError(t, err)
	return x
}

// uploadAs puts v on dev as dt; for half types v is rounded in place to what
// the device will hold, so the reference uses the same values.
func uploadAs(t *testing.T, dev compute.Device, dt tensor.DType, v []float64, shape ...int) tensor.Tensor {
	t.Helper()
	if dt == tensor.F32 {
		return upload(t, dev, v, shape...)
	}
	bits := make([]uint16, len(v))
	for i, x := range v {
		if dt == tensor.BF16 {
			bits[i] = tensor.Float32ToBF16(float32(x))
			v[i] = float64(tensor.BF16ToFloat32(bits[i]))
		} else {
			bits[i] = tensor.Float32ToHalf(float32(x))
			v[i] = float64(tensor.HalfToFloat32(bits[i]))
		}
	}
	x, err := dev.UploadHalf(tensor.Shape(shape), dt, bits)
	require.NoError(t, err)
	return x
}

// download reads x back and checks its shape.
func download(t *testing.T, dev compute.Device, x tensor.Tensor, shape ...int) []float32 {
	t.Helper()
	require.NoError(t, dev.Synchronize())
	require.Equal(t, tensor.Shape(shape), x.Shape(), "result shape")
	v, err := dev.Download(x)
	require.NoError(t, err)
	require.Len(t, v, x.Numel())
	return v
}

// tol is |got − want| ≤ abs + rel·|want|.
type tol struct{ abs, rel float64 }

// dotTol suits a result that sums k products of unit-size values in float32.
func dotTol(k int) tol { return tol{abs: 2e-6 * float64(k+8), rel: 1e-4} }

// exact32 suits results a float32 computation gets to within a few ulp.
var exact32 = tol{abs: 1e-6, rel: 1e-5}

// assertClose compares got with the float64 reference, reporting the worst
// element.
func assertClose(t *testing.T, want []float64, got []float32, tl tol) {
	t.Helper()
	require.Len(t, got, len(want))
	worst, at := 0.0, -1
	for i, w := range want {
		g := float64(got[i])
		if math.IsNaN(w) != math.IsNaN(g) {
			t.Fatalf("element %d: got %v, want %v", i, g, w)
		}
		if math.IsInf(w, 0) && g == w {
			continue
		}
		excess := math.Abs(g-w) - (tl.abs + tl.rel*math.Abs(w))
		if excess > worst || (at < 0 && excess > 0) {
			worst, at = excess, i
		}
	}
	if at >= 0 {
		t.Fatalf("element %d of %d: got %v, want %v (tolerance %g + %g·|want|)",
			at, len(want), got[at], want[at], tl.abs, tl.rel)
	}
}

// requireShapeErr checks that err reports a bad shape.
func requireShapeErr(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.ErrorIs(t, err, tensor.ErrShape, msgAndArgs...)
}

func sizeName(dims ...int) string { return fmt.Sprint(dims) }
