package rng

import "math"

// torchVectorBlock is the block size of ATen's vectorised normal_fill: at or
// above it a contiguous float32 tensor takes the block path, below it the
// scalar normal_distribution<double> path (DistributionKernels.cpp,
// normal_kernel).
const torchVectorBlock = 16

// TorchCPU reproduces PyTorch's CPU generator (at::CPUGeneratorImpl) after
// torch.manual_seed(seed), for float32 torch.randn calls.
//
// Randn draws from the stream as torch draws per tensor, so successive calls
// continue it: NewTorchCPU(s) then Randn(a), Randn(b) equals
// torch.manual_seed(s); torch.randn(a); torch.randn(b). Two smaller tensors are
// not one bigger tensor cut in two: torch's result depends on each tensor's
// element count (see Randn).
//
// Exactness: the uniform draws are bit-exact. Torch's block path evaluates
// log, sin and cos with SLEEF's float32 routines (≤1 ulp); here they are
// computed in float64 and rounded, so an element may differ from torch in the
// last float32 bit. The scalar path is float64 throughout in both.
type TorchCPU struct {
	mt *mt19937
	// nextNormal caches the second value of a scalar-path Box–Muller pair,
	// as CPUGeneratorImpl's next_double_normal_sample does; it survives from
	// one small tensor to the next and is cleared only by reseeding.
	nextNormal    float64
	hasNextNormal bool
}

// NewTorchCPU returns the generator torch.manual_seed(seed) leaves behind.
// Only the low 32 bits of seed matter, as in torch.
func NewTorchCPU(seed uint64) *TorchCPU {
	return &TorchCPU{mt: newMT19937(seed)}
}

// Randn returns torch.randn(shape) as a flat row-major slice. An empty shape
// is a scalar (one element).
func (g *TorchCPU) Randn(shape []int) []float32 {
	dst := make([]float32, numel(shape))
	g.Normal(dst)
	return dst
}

// Normal fills dst as torch.randn(len(dst)) would: torch's result depends
// only on the element count of a contiguous tensor, not on its shape.
func (g *TorchCPU) Normal(dst []float32) {
	if len(dst) >= torchVectorBlock {
		g.normalFill(dst)
		return
	}
	for i := range dst {
		dst[i] = float32(g.normalDouble())
	}
}

// uniformFloat is at::uniform_real_distribution<float>(0, 1): the low 24 bits
// of one word times 2^-24, exact in float32 and in [0, 1).
func (g *TorchCPU) uniformFloat() float32 {
	return float32(g.mt.uint32()&(1<<24-1)) * (1.0 / (1 << 24))
}

// uniformDouble is at::uniform_real_distribution<double>(0, 1): the low 53
// bits of random64() times 2^-53.
func (g *TorchCPU) uniformDouble() float64 {
	return float64(g.mt.uint64()&(1<<53-1)) * (1.0 / (1 << 53))
}

// normalFill is ATen's normal_fill for n ≥ 16: every element first gets a
// uniform, then each whole block of 16 is turned into normals in place; when
// n is not a multiple of 16 the last 16 elements are drawn again (16 more
// uniforms) and transformed, overwriting the tail of the last whole block.
func (g *TorchCPU) normalFill(dst []float32) {
	n := len(dst)
	for i := range dst {
		dst[i] = g.uniformFloat()
	}
	for i := 0; i+torchVectorBlock <= n; i += torchVectorBlock {
		boxMuller16(dst[i : i+torchVectorBlock])
	}
	if n%torchVectorBlock != 0 {
		tail := dst[n-torchVectorBlock:]
		for i := range tail {
			tail[i] = g.uniformFloat()
		}
		boxMuller16(tail)
	}
}

// boxMuller16 is normal_fill_16_AVX2: element j and j+8 of a block form one
// Box–Muller pair, u1 = 1 − d[j] (so log never sees 0) and u2 = d[j+8];
// d[j] = r·cos θ, d[j+8] = r·sin θ with r = √(−2 ln u1), θ = 2π·u2, all in
// float32 as the AVX2 kernel computes them (2π is the float32 constant
// _mm256_set1_ps(2.0f * c10::pi<double>)).
func boxMuller16(d []float32) {
	const twoPi = float32(2 * math.Pi)
	for j := 0; j < torchVectorBlock/2; j++ {
		u1 := 1 - d[j]
		u2 := d[j+torchVectorBlock/2]
		logU1 := float32(math.Log(float64(u1)))
		radius := float32(math.Sqrt(float64(-2 * logU1)))
		theta := twoPi * u2
		d[j] = radius * float32(math.Cos(float64(theta)))
		d[j+torchVectorBlock/2] = radius * float32(math.Sin(float64(theta)))
	}
}

// normalDouble is at::normal_distribution<double>: return the cached second
// value if there is one, else draw u1, u2 (53-bit) and return
// r·cos θ with r = √(−2·log1p(−u2)), θ = 2π·u1, caching r·sin θ.
func (g *TorchCPU) normalDouble() float64 {
	if g.hasNextNormal {
		g.hasNextNormal = false
		return g.nextNormal
	}
	u1 := g.uniformDouble()
	u2 := g.uniformDouble()
	r := math.Sqrt(-2 * math.Log1p(-u2))
	theta := float64(2*math.Pi) * u1
	g.nextNormal = r * math.Sin(theta)
	g.hasNextNormal = true
	return r * math.Cos(theta)
}

// numel is the element count of shape; an empty shape is a scalar.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
