package rng

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// printedTol accepts numbers as torch prints them, rounded to 4 decimals.
const printedTol = 5.01e-5

func TestMT19937StandardOutput(t *testing.T) {
	// C++11 [rand.predef]: the 10000th output of a default-constructed
	// std::mt19937 (seed 5489) is 4123659995.
	m := newMT19937(5489)
	var v uint32
	for range 10000 {
		v = m.uint32()
	}
	assert.Equal(t, uint32(4123659995), v)
}

func TestMT19937SeedTruncatedTo32Bits(t *testing.T) {
	// at::mt19937::init_with_uint32 keeps seed & 0xffffffff.
	a, b := newMT19937(42), newMT19937(1<<32|42)
	for range 700 { // past one twist
		require.Equal(t, a.uint32(), b.uint32())
	}
	assert.NotEqual(t, newMT19937(43).uint32(), newMT19937(42).uint32())
}

func TestTorchCPURandnPublishedValues(t *testing.T) {
	// Published torch outputs (torch.manual_seed(s); torch.randn(...), as
	// printed in the PyTorch docs/tutorials and countless notebooks; the
	// 16-element ones are the familiar randn(4, 4)).
	tests := []struct {
		name  string
		seed  uint64
		shape []int
		want  []float32
	}{
		{"seed0 4x4 vector path", 0, []int{4, 4}, []float32{
			-1.1258, -1.1524, -0.2506, -0.4339, 0.8487, 0.6920, -0.3160, -2.1152,
			0.3223, -1.2633, 0.3500, 0.3081, 0.1198, 1.2377, 1.1168, -0.2473}},
		{"seed42 16 vector path", 42, []int{16}, []float32{
			1.9269, 1.4873, 0.9007, -2.1055, 0.6784, -1.2345, -0.0431, -1.6047,
			-0.7521, 1.6487, -0.3925, -1.4036, -0.7279, -0.5594, -0.7688, 0.7624}},
		{"seed0 4 scalar path", 0, []int{4}, []float32{1.5410, -0.2934, -2.1788, 0.5684}},
		{"seed0 2 scalar path", 0, []int{2}, []float32{1.5410, -0.2934}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NewTorchCPU(tc.seed).Randn(tc.shape)
			require.Len(t, got, len(tc.want))
			assert.InDeltaSlice(t, tc.want, got, printedTol)
		})
	}
}

func TestTorchCPULargeTensorStartsLikeSixteen(t *testing.T) {
	// Whole 16-blocks use uniforms 16k…16k+15 only, so a big latent's first
	// block is randn(16)'s (when the tail re-draw does not reach it).
	small := NewTorchCPU(0).Randn([]int{16})
	for _, shape := range [][]int{{4, 64, 64}, {1, 4, 13, 11}, {32}, {33}} {
		big := NewTorchCPU(0).Randn(shape)
		assert.Equal(t, small, big[:16], "shape %v", shape)
	}
}

func TestTorchCPUTailIsRedrawn(t *testing.T) {
	// numel 20: block 0 from uniforms 0–15, then elements 4–19 recomputed from
	// uniforms 20–35, so 36 words are consumed and only 0–3 survive from block 0.
	g := NewTorchCPU(0)
	got := g.Randn([]int{20})
	first16 := NewTorchCPU(0).Randn([]int{16})
	assert.Equal(t, first16[:4], got[:4])
	assert.NotEqual(t, first16[4:16], got[4:16])

	ref := newMT19937(0)
	for range 36 {
		ref.uint32()
	}
	assert.Equal(t, ref.uint32(), g.mt.uint32(), "randn(20) must consume exactly 36 words")
}

func TestTorchCPUPerTensorStream(t *testing.T) {
	t.Run("two eights are not one sixteen", func(t *testing.T) {
		g := NewTorchCPU(0)
		split := append(g.Randn([]int{8}), g.Randn([]int{8})...)
		assert.NotEqual(t, NewTorchCPU(0).Randn([]int{16}), split)
		// The scalar path draws two doubles per pair, so 8 values start
		// like randn(4) (published 1.5410, -0.2934, -2.1788, 0.5684).
		assert.InDeltaSlice(t, []float32{1.5410, -0.2934, -2.1788, 0.5684}, split[:4], printedTol)
	})
	t.Run("scalar path is one stream whatever the split", func(t *testing.T) {
		g := NewTorchCPU(7)
		whole := append(g.Randn([]int{8}), g.Randn([]int{8})...)
		h := NewTorchCPU(7)
		var parts []float32
		for _, n := range []int{3, 5, 1, 7} {
			parts = append(parts, h.Randn([]int{n})...)
		}
		assert.Equal(t, whole, parts)
	})
	t.Run("cached value survives a vector-path tensor", func(t *testing.T) {
		g := NewTorchCPU(0)
		g.Randn([]int{3}) // leaves the sine of the second pair cached
		g.Randn([]int{16})
		got := g.Randn([]int{1})
		assert.Equal(t, NewTorchCPU(0).Randn([]int{4})[3], got[0])
	})
	t.Run("vector path continues the word stream", func(t *testing.T) {
		g := NewTorchCPU(0)
		g.Randn([]int{16})
		second := g.Randn([]int{16})
		assert.NotEqual(t, NewTorchCPU(0).Randn([]int{16}), second)
		assert.Equal(t, NewTorchCPU(0).Randn([]int{32})[16:], second)
	})
}

func TestTorchCPUNormalMatchesRandn(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100} {
		dst := make([]float32, n)
		NewTorchCPU(3).Normal(dst)
		assert.Equal(t, NewTorchCPU(3).Randn([]int{n}), dst, "n=%d", n)
	}
	assert.Len(t, NewTorchCPU(3).Randn(nil), 1, "a scalar has one element")
}

func TestTorchCPUMoments(t *testing.T) {
	x := NewTorchCPU(1234).Randn([]int{4, 128, 128})
	var sum, sq float64
	for _, v := range x {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(x))
	// 65536 samples: standard error of the mean ≈ 0.004, of the variance ≈ 0.006.
	assert.InDelta(t, 0, sum/n, 0.02)
	assert.InDelta(t, 1, sq/n, 0.03)
}

func BenchmarkTorchCPURandn(b *testing.B) {
	g := NewTorchCPU(0)
	dst := make([]float32, 4*128*128)
	for b.Loop() {
		g.Normal(dst)
	}
}
