//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/devicetest"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// These tests need an NVIDIA GPU: the package only builds with -tags cuda,
// and gorgonia.org/cu ends the process at init when no device is present.
// They run on the lent H100/H200 through .ci/gpu-check (docs/cuda.md).

// TestConformanceExact runs the device-neutral conformance suite (float64
// references, the CPU device's tolerances) on the exact float32 kernels.
func TestConformanceExact(t *testing.T) {
	dev, err := New(0, true)
	require.NoError(t, err)
	t.Logf("device: %s", dev.Info().Description)
	devicetest.Run(t, dev)
}

// parityCase is one operation run on the CPU and on the GPU from the same
// inputs. half makes the weight operand F16, as in a half checkpoint.
type parityCase struct {
	name string
	run  func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error)
	// shapes of the inputs; the input at index weight (if ≥ 0) is uploaded
	// as F16 when half.
	shapes [][]int
	weight int
	half   bool
}

func parityCases() []parityCase {
	mm := func(ta, tb bool) func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
		return func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.MatMul(in[0], in[1], ta, tb)
		}
	}
	conv := func(stride, pad int) func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
		return func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.Conv2D(in[0], in[1], in[2], compute.Conv2DParams{Stride: stride, Padding: pad})
		}
	}
	attn := func(causal bool) func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
		return func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.Attention(in[0], in[1], in[2], compute.AttentionParams{Causal: causal})
		}
	}
	linear := func(act compute.Activation) func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
		return func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.Linear(in[0], in[1], in[2], act)
		}
	}
	var cs []parityCase
	for _, half := range []bool{false, true} {
		cs = append(cs,
			parityCase{"matmul 97x203x131", mm(false, false), [][]int{{97, 203}, {203, 131}}, 1, half},
			parityCase{"matmul batched transB 3x65x77x129", mm(false, true), [][]int{{3, 65, 77}, {3, 129, 77}}, 1, half},
			parityCase{"matmul transA 300x257x190", mm(true, false), [][]int{{257, 300}, {257, 190}}, 1, half},
			parityCase{"matmul 1024x1024x1024", mm(false, false), [][]int{{1024, 1024}, {1024, 1024}}, 1, half},
			parityCase{"linear 2x77x768→3072 gelu", linear(compute.ActGELU), [][]int{{2, 77, 768}, {3072, 768}, {3072}}, 1, half},
			parityCase{"linear 4099x320→1280 silu", linear(compute.ActSiLU), [][]int{{4099, 320}, {1280, 320}, {1280}}, 1, half},
			parityCase{"conv3x3 2x320x33x47", conv(1, 1), [][]int{{2, 320, 33, 47}, {320, 320, 3, 3}, {320}}, 1, half},
			parityCase{"conv3x3 stride2 1x64x65x63", conv(2, 1), [][]int{{1, 64, 65, 63}, {128, 64, 3, 3}, {128}}, 1, half},
			parityCase{"conv1x1 2x640x31x29", conv(1, 0), [][]int{{2, 640, 31, 29}, {320, 640, 1, 1}, {320}}, 1, half},
			parityCase{"conv3x3 4→320 64x64", conv(1, 1), [][]int{{2, 4, 64, 64}, {320, 4, 3, 3}, {320}}, 1, half},
		)
	}
	for _, dh := range []int{40, 64, 80, 128, 160} {
		cs = append(cs, parityCase{fmt.Sprintf("attention d%d 2x1031x77", dh), attn(false),
			[][]int{{2, 1031, 3, dh}, {2, 77, 3, dh}, {2, 77, 3, dh}}, -1, false})
		cs = append(cs, parityCase{fmt.Sprintf("self-attention d%d 1x1500", dh), attn(false),
			[][]int{{1, 1500, 2, dh}, {1, 1500, 2, dh}, {1, 1500, 2, dh}}, -1, false})
	}
	cs = append(cs,
		parityCase{"attention causal d64 2x77", attn(true), [][]int{{2, 77, 12, 64}, {2, 77, 12, 64}, {2, 77, 12, 64}}, -1, false},
		parityCase{"attention d512 vae 1x4096", attn(false), [][]int{{1, 4096, 1, 512}, {1, 4096, 1, 512}, {1, 4096, 1, 512}}, -1, false},
		parityCase{"group norm silu 2x320x47x33", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.GroupNorm(in[0], in[1], in[2], 32, 1e-5, true)
		}, [][]int{{2, 320, 47, 33}, {320}, {320}}, 1, true},
		parityCase{"group norm 1x128x512x512", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.GroupNorm(in[0], in[1], in[2], 32, 1e-6, false)
		}, [][]int{{1, 128, 512, 512}, {128}, {128}}, -1, false},
		parityCase{"layer norm 8191x1280", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.LayerNorm(in[0], in[1], in[2], 1e-5)
		}, [][]int{{8191, 1280}, {1280}, {1280}}, 1, true},
		parityCase{"softmax 1000x77", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Softmax(in[0]) },
			[][]int{{1000, 77}}, -1, false},
		parityCase{"gelu tanh", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) {
			return d.Activate(in[0], compute.ActGELUTanh)
		}, [][]int{{3, 1001}}, -1, false},
		parityCase{"add broadcast bias", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Add(in[0], in[1]) },
			[][]int{{2, 320, 17, 19}, {1, 320, 1, 1}}, 1, true},
		parityCase{"mul broadcast rows", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Mul(in[0], in[1]) },
			[][]int{{5, 7, 11, 13}, {7, 1, 13}}, -1, false},
		parityCase{"permute 0213", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Permute(in[0], 0, 2, 1, 3) },
			[][]int{{2, 77, 8, 40}}, -1, false},
		parityCase{"concat channels", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Concat(1, in[0], in[1]) },
			[][]int{{2, 320, 9, 7}, {2, 640, 9, 7}}, -1, false},
		parityCase{"upsample", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Upsample2x(in[0]) },
			[][]int{{2, 3, 9, 7}}, -1, false},
		parityCase{"variance axis 1", func(d compute.Device, in []tensor.Tensor) (tensor.Tensor, error) { return d.Variance(in[0], 1) },
			[][]int{{3, 1000, 5}}, -1, false},
	)
	return cs
}

// relErr is ‖got − want‖₂ / ‖want‖₂.
func relErr(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

func uploadTo(t *testing.T, d compute.Device, vals []float32, shape []int, half bool) tensor.Tensor {
	t.Helper()
	if half {
		bits := make([]uint16, len(vals))
		for i, v := range vals {
			bits[i] = tensor.Float32ToHalf(v)
		}
		x, err := d.UploadHalf(tensor.Shape(shape), tensor.F16, bits)
		require.NoError(t, err)
		return x
	}
	x, err := d.Upload(tensor.Shape(shape), vals)
	require.NoError(t, err)
	return x
}

// runParity checks every case against the CPU device within tol and logs
// the measured relative errors (the figures docs/cuda.md quotes).
func runParity(t *testing.T, gpu compute.Device, tol float64) {
	ref := cpu.New(0)
	for i, c := range parityCases() {
		t.Run(fmt.Sprintf("%s/half=%v", c.name, c.half), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i)+7, 99))
			var onCPU, onGPU []tensor.Tensor
			for j, s := range c.shapes {
				n := tensor.Shape(s).Numel()
				vals := make([]float32, n)
				for k := range vals {
					vals[k] = float32(r.NormFloat64())
					if c.half && j == c.weight {
						vals[k] = tensor.HalfToFloat32(tensor.Float32ToHalf(vals[k] * 0.05))
					}
				}
				half := c.half && j == c.weight
				onCPU = append(onCPU, uploadTo(t, ref, vals, s, half))
				onGPU = append(onGPU, uploadTo(t, gpu, vals, s, half))
			}
			want, err := c.run(ref, onCPU)
			require.NoError(t, err)
			got, err := c.run(gpu, onGPU)
			require.NoError(t, err)
			require.Equal(t, want.Shape(), got.Shape())
			w, err := ref.Download(want)
			require.NoError(t, err)
			g, err := gpu.Download(got)
			require.NoError(t, err)
			e := relErr(g, w)
			t.Logf("PARITY %-40s half=%-5v rel %.2e", c.name, c.half, e)
			require.False(t, math.IsNaN(e), "NaN in the GPU result")
			require.LessOrEqual(t, e, tol)
			for _, x := range onGPU {
				require.NoError(t, gpu.Free(x))
			}
			require.NoError(t, gpu.Free(got))
		})
	}
}

// TestParityTensorCores holds the default (tensor-core, F16 inputs) device
// to 1e-3 relative error against the CPU.
func TestParityTensorCores(t *testing.T) {
	gpu, err := New(0, false)
	require.NoError(t, err)
	defer gpu.Close()
	runParity(t, gpu, 1e-3)
}

// TestParityExact holds the float32 kernels to 1e-5.
func TestParityExact(t *testing.T) {
	gpu, err := New(0, true)
	require.NoError(t, err)
	defer gpu.Close()
	runParity(t, gpu, 1e-5)
}

// TestMemoryReuse checks that freed blocks are reused (the live count goes
// back down and the peak does not grow over repeated same-shape work).
func TestMemoryReuse(t *testing.T) {
	gpu, err := New(0, false)
	require.NoError(t, err)
	defer gpu.Close()
	x, err := gpu.Alloc(tensor.Shape{64, 1 << 14})
	require.NoError(t, err)
	base := gpu.Info().UsedMemory
	for range 50 {
		y, err := gpu.Scale(x, 2)
		require.NoError(t, err)
		require.NoError(t, gpu.Free(y))
	}
	info := gpu.Info()
	require.Equal(t, base, info.UsedMemory)
	require.Less(t, info.PeakMemory, base+2*(4<<20)+1)
}

func benchOp(b *testing.B, flops float64, f func() (tensor.Tensor, error), gpu *Device) {
	y, err := f()
	require.NoError(b, err)
	require.NoError(b, gpu.Free(y))
	require.NoError(b, gpu.Synchronize())
	b.ResetTimer()
	for range b.N {
		y, err := f()
		if err != nil {
			b.Fatal(err)
		}
		_ = gpu.Free(y)
	}
	require.NoError(b, gpu.Synchronize())
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e12, "TFLOP/s")
}

func randTensor(b *testing.B, gpu *Device, half bool, shape ...int) tensor.Tensor {
	r := rand.New(rand.NewPCG(1, 2))
	n := tensor.Shape(shape).Numel()
	if half {
		bits := make([]uint16, n)
		for i := range bits {
			bits[i] = tensor.Float32ToHalf(float32(r.NormFloat64()) * 0.05)
		}
		x, err := gpu.UploadHalf(tensor.Shape(shape), tensor.F16, bits)
		require.NoError(b, err)
		return x
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	x, err := gpu.Upload(tensor.Shape(shape), v)
	require.NoError(b, err)
	return x
}

// BenchmarkKernels measures the hot kernels at SD sizes, on tensor cores.
func BenchmarkKernels(b *testing.B) {
	gpu, err := New(0, false)
	require.NoError(b, err)
	defer gpu.Close()
	b.Run("linear 8192x1280x5120 f16w", func(b *testing.B) {
		x, w := randTensor(b, gpu, false, 8192, 1280), randTensor(b, gpu, true, 5120, 1280)
		benchOp(b, 2*8192*1280*5120, func() (tensor.Tensor, error) { return gpu.Linear(x, w, tensor.Tensor{}, compute.ActNone) }, gpu)
	})
	b.Run("matmul 4096^3 f16w", func(b *testing.B) {
		x, w := randTensor(b, gpu, false, 4096, 4096), randTensor(b, gpu, true, 4096, 4096)
		benchOp(b, 2*4096*4096*4096, func() (tensor.Tensor, error) { return gpu.MatMul(x, w, false, false) }, gpu)
	})
	b.Run("conv3x3 2x320x64x64", func(b *testing.B) {
		x, w := randTensor(b, gpu, false, 2, 320, 64, 64), randTensor(b, gpu, true, 320, 320, 3, 3)
		benchOp(b, 2*2*320*320*9*64*64, func() (tensor.Tensor, error) {
			return gpu.Conv2D(x, w, tensor.Tensor{}, compute.Conv2DParams{Padding: 1})
		}, gpu)
	})
	b.Run("conv3x3 1x128x512x512", func(b *testing.B) {
		x, w := randTensor(b, gpu, false, 1, 128, 512, 512), randTensor(b, gpu, true, 128, 128, 3, 3)
		benchOp(b, 2*128*128*9*512*512, func() (tensor.Tensor, error) {
			return gpu.Conv2D(x, w, tensor.Tensor{}, compute.Conv2DParams{Padding: 1})
		}, gpu)
	})
	b.Run("attention 2x4096x8x40", func(b *testing.B) {
		q := randTensor(b, gpu, false, 2, 4096, 8, 40)
		benchOp(b, 4*2*8*4096*4096*40, func() (tensor.Tensor, error) { return gpu.Attention(q, q, q, compute.AttentionParams{}) }, gpu)
	})
	b.Run("attention 2x4096x10x64", func(b *testing.B) {
		q := randTensor(b, gpu, false, 2, 4096, 10, 64)
		benchOp(b, 4*2*10*4096*4096*64, func() (tensor.Tensor, error) { return gpu.Attention(q, q, q, compute.AttentionParams{}) }, gpu)
	})
	b.Run("group norm silu 2x320x64x64", func(b *testing.B) {
		x := randTensor(b, gpu, false, 2, 320, 64, 64)
		benchOp(b, 0, func() (tensor.Tensor, error) {
			return gpu.GroupNorm(x, tensor.Tensor{}, tensor.Tensor{}, 32, 1e-5, true)
		}, gpu)
	})
}
