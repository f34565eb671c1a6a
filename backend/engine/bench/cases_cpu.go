package bench

import (
	"fmt"
	"math/rand/v2"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu/gemm"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// deviceCases are the CPU device's heavy ops at Stable Diffusion 1.x shapes
// (512×512 images: a 64×64 latent in the UNet, the VAE decoder's last
// 128-channel stage at full size). Flop counts: 2 per multiply-add for
// conv (Cout·Cin·9·pixels) and attention (QKᵀ and PV: 4·N²·heads·D; the
// softmax is not counted, as in FlashAttention's figures); group norm + SiLU
// is nominally 8 per element (two statistics, normalise, SiLU), so its
// "GFLOP/s" is a bandwidth figure: 8 flops per 8 bytes moved (one read for
// the statistics, one read and one write to normalise, float32) makes
// GFLOP/s ≈ 1.5× the GB/s it streams. All run on the best gemm path, whose
// FMA peak they are compared with.
func deviceCases(quick bool) []Case {
	isa := gemm.Path()
	// conv is the engine's own choice of algorithm; direct pins the
	// implicit GEMM, so that both are on record (Winograd does 4× fewer
	// multiplications, and its GFLOP/s are direct-convolution work).
	conv := func(name string, c, hw int, direct bool) Case {
		c, hw = scale(c, quick), scale(hw, quick)
		return deviceCase(name, isa, direct, 2*float64(c)*float64(c*9)*float64(hw*hw), func(d *cpu.Device) (func() (tensor.Tensor, error), string, error) {
			x, k, b := randTensor(d, 1, c, hw, hw), randTensor(d, c, c, 3, 3), randTensor(d, c)
			p := compute.Conv2DParams{Padding: 1}
			algo, err := d.ConvAlgorithm(x, k, p)
			return func() (tensor.Tensor, error) { return d.Conv2D(x, k, b, p) }, algo, err
		})
	}
	attn := func(name string, n, heads, dh int) Case {
		n = scale(n, quick)
		return deviceCase(name, isa, false, 4*float64(n)*float64(n)*float64(heads*dh), func(d *cpu.Device) (func() (tensor.Tensor, error), string, error) {
			q, k, v := randTensor(d, 1, n, heads, dh), randTensor(d, 1, n, heads, dh), randTensor(d, 1, n, heads, dh)
			return func() (tensor.Tensor, error) { return d.Attention(q, k, v, compute.AttentionParams{}) }, "", nil
		})
	}
	norm := func(name string, c, hw int) Case {
		hw = scale(hw, quick) // channels stay a multiple of the 32 groups
		return deviceCase(name, isa, false, 8*float64(c*hw*hw), func(d *cpu.Device) (func() (tensor.Tensor, error), string, error) {
			x, g, b := randTensor(d, 1, c, hw, hw), randTensor(d, c), randTensor(d, c)
			return func() (tensor.Tensor, error) { return d.GroupNorm(x, g, b, 32, 1e-5, true) }, "", nil
		})
	}
	return []Case{
		conv("conv2d-3x3-320-64x64", 320, 64, false),
		conv("conv2d-3x3-320-64x64-direct", 320, 64, true),
		conv("conv2d-3x3-128-512x512", 128, 512, false),
		conv("conv2d-3x3-128-512x512-direct", 128, 512, true),
		conv("conv2d-3x3-512-128x128", 512, 128, false),
		conv("conv2d-3x3-512-128x128-direct", 512, 128, true),
		attn("attention-4096x8x40", 4096, 8, 40),
		attn("attention-1024x10x64", 1024, 10, 64),
		norm("groupnorm-silu-320-64x64", 320, 64),
	}
}

// deviceCase wraps one op on a fresh CPU device with the case's thread
// count (direct: one that never takes the Winograd path). Prepare uploads
// the inputs and runs the op once, so that a shape mistake is an error
// there; the timed runs free each output.
func deviceCase(name, isa string, direct bool, flops float64, setup func(d *cpu.Device) (func() (tensor.Tensor, error), string, error)) Case {
	return Case{
		Name: name, ISA: isa, Flops: flops,
		Prepare: func(threads int) (func(), string, error) {
			d := cpu.New(threads)
			if direct {
				d = d.WithoutWinograd()
			}
			op, algo, err := setup(d)
			if err != nil {
				return nil, "", fmt.Errorf("prepare %s: %w", name, err)
			}
			y, err := op()
			if err != nil {
				return nil, "", fmt.Errorf("prepare %s: %w", name, err)
			}
			if err := d.Free(y); err != nil {
				return nil, "", fmt.Errorf("prepare %s: %w", name, err)
			}
			return func() {
				y, err := op()
				if err == nil {
					err = d.Free(y)
				}
				if err != nil {
					// The same op on the same inputs succeeded in Prepare.
					panic("engine: bench " + name + ": " + err.Error())
				}
			}, algo, nil
		},
	}
}

// randTensor uploads normal values; shapes are constants of this file.
func randTensor(d compute.Device, shape ...int) tensor.Tensor {
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
