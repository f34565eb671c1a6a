package cpu

import (
	"math/rand/v2"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// BenchCase is one kernel benchmark at a real Stable Diffusion shape, for
// `go test -bench` and the `dreamlayer bench kernels` command alike.
type BenchCase struct {
	Name  string  // e.g. "conv2d/sd-unet-3x3-320-64x64"
	Flops float64 // floating-point operations per Run, for GFLOP/s
	Slow  bool    // seconds per run on a laptop; harnesses may leave it out
	// Run executes the kernel once. The first call also uploads the inputs
	// (so listing cases costs nothing); call it once before timing.
	Run func() error
}

// BenchCases lists the kernel benchmarks on d. Each Run allocates and frees
// its own output. Flop counts use 2 per multiply-add for conv and attention
// (QKᵀ and PV; softmax not counted), and 8 per element for group norm (two
// statistics passes, normalise, SiLU), which makes the latter a bandwidth
// figure in GFLOP/s clothing.
func BenchCases(d *Device) []BenchCase {
	conv := func(name string, cin, cout, h, w int, slow bool) BenchCase {
		return BenchCase{
			Name: name, Slow: slow, Flops: 2 * float64(cout) * float64(cin*9) * float64(h*w),
			Run: lazy(func() (func() (tensor.Tensor, error), error) {
				x, k, b := randTensor(d, 1, cin, h, w), randTensor(d, cout, cin, 3, 3), randTensor(d, cout)
				return func() (tensor.Tensor, error) { return d.Conv2D(x, k, b, compute.Conv2DParams{Padding: 1}) }, nil
			}, d),
		}
	}
	attn := func(name string, n, heads, dh int) BenchCase {
		return BenchCase{
			Name: name, Flops: 4 * float64(n) * float64(n) * float64(heads*dh),
			Run: lazy(func() (func() (tensor.Tensor, error), error) {
				q, k, v := randTensor(d, 1, n, heads, dh), randTensor(d, 1, n, heads, dh), randTensor(d, 1, n, heads, dh)
				return func() (tensor.Tensor, error) { return d.Attention(q, k, v, compute.AttentionParams{}) }, nil
			}, d),
		}
	}
	norm := func(name string, c, h, w int, slow bool) BenchCase {
		return BenchCase{
			Name: name, Slow: slow, Flops: 8 * float64(c*h*w),
			Run: lazy(func() (func() (tensor.Tensor, error), error) {
				x, g, b := randTensor(d, 1, c, h, w), randTensor(d, c), randTensor(d, c)
				return func() (tensor.Tensor, error) { return d.GroupNorm(x, g, b, 32, 1e-5, true) }, nil
			}, d),
		}
	}
	return []BenchCase{
		conv("conv2d/sd-unet-3x3-320-64x64", 320, 320, 64, 64, false),
		conv("conv2d/slow-vae-3x3-128-512x512", 128, 128, 512, 512, true),
		attn("attention/sd-4096x8x40", 4096, 8, 40),
		attn("attention/sd-1024x10x64", 1024, 10, 64),
		norm("groupnorm/sd-unet-32g-320-64x64-silu", 320, 64, 64, false),
		norm("groupnorm/sd-unet-32g-1280-16x16-silu", 1280, 16, 16, false),
		norm("groupnorm/slow-vae-32g-128-512x512-silu", 128, 512, 512, true),
	}
}

// lazy defers setup to the first run, then runs the op and frees its result
// each time, so repeated runs measure the kernel, not the garbage collector.
func lazy(setup func() (func() (tensor.Tensor, error), error), d *Device) func() error {
	var op func() (tensor.Tensor, error)
	return func() error {
		if op == nil {
			var err error
			if op, err = setup(); err != nil {
				return err
			}
		}
		y, err := op()
		if err != nil {
			return err
		}
		return d.Free(y)
	}
}

// randTensor makes a tensor of normal values; shapes here are constants of
// this file, so an error is a programming mistake.
func randTensor(d *Device, shape ...int) tensor.Tensor {
	r := rand.New(rand.NewPCG(uint64(len(shape)), uint64(shape[0])))
	v := make([]float32, tensor.Shape(shape).Numel())
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	t, err := d.Upload(tensor.Shape(shape), v)
	if err != nil {
		panic("engine: bench input: " + err.Error())
	}
	return t
}
