package rng

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func norm(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

func angle(a, b []float32) float64 {
	var d float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
	}
	return math.Acos(d / (norm(a) * norm(b)))
}

func TestSlerpProperties(t *testing.T) {
	a := NewTorchCPU(1).Randn([]int{256})
	raw := NewTorchCPU(2).Randn([]int{256})
	// Give b the norm of a so the interpolant stays on one great circle.
	b := make([]float32, len(raw))
	k := float32(norm(a) / norm(raw))
	for i, v := range raw {
		b[i] = v * k
	}
	omega := angle(a, b)
	require.Greater(t, omega, 0.5, "two seeds are far from parallel")

	assert.InDeltaSlice(t, a, Slerp(0, a, b), 1e-6, "t=0 gives a")
	assert.InDeltaSlice(t, b, Slerp(1, a, b), 1e-6, "t=1 gives b")
	for _, tt := range []float32{0.1, 0.25, 0.5, 0.9} {
		got := Slerp(tt, a, b)
		// The angle from a is t·Ω and from b (1−t)·Ω; the norm is kept.
		assert.InDelta(t, float64(tt)*omega, angle(a, got), 1e-5, "t=%v", tt)
		assert.InDelta(t, float64(1-tt)*omega, angle(got, b), 1e-5, "t=%v", tt)
		assert.InEpsilon(t, norm(a), norm(got), 1e-5, "t=%v", tt)
	}
	// With unequal norms the endpoints are still exact.
	assert.InDeltaSlice(t, raw, Slerp(1, a, raw), 1e-6)
}

func TestSlerpParallelFallsBackToA1111Lerp(t *testing.T) {
	a := []float32{1, 2, 3, 4}
	b := []float32{1, 2, 3, 4.01} // cos Ω ≈ 0.99999 > 0.9995
	got := Slerp(0.25, a, b)
	for i := range a {
		// A1111: low*val + high*(1-val).
		assert.InDelta(t, 0.25*a[i]+0.75*b[i], got[i], 1e-6)
	}
	assert.Equal(t, a, Slerp(0.7, a, a), "identical vectors stay put")
}

func TestSlerpColumnsIsPerChannelColumn(t *testing.T) {
	const c, h, w = 2, 5, 3
	a := NewTorchCPU(10).Randn([]int{c, h, w})
	b := NewTorchCPU(11).Randn([]int{c, h, w})
	got := SlerpColumns(0.4, a, b, c, h, w)
	whole := Slerp(0.4, a, b)
	assert.NotEqual(t, whole, got, "columns have their own angles")
	for ci := range c {
		for wi := range w {
			col := func(x []float32) []float32 {
				out := make([]float32, h)
				for hi := range h {
					out[hi] = x[(ci*h+hi)*w+wi]
				}
				return out
			}
			assert.InDeltaSlice(t, Slerp(0.4, col(a), col(b)), col(got), 1e-6, "column c=%d w=%d", ci, wi)
		}
	}
}

func TestSlerpColumnsFallbackIsGlobalAndNaNFree(t *testing.T) {
	const c, h, w = 1, 4, 2
	// Column 0 parallel, column 1 orthogonal: mean cosine 0.5, so no global
	// lerp; the parallel column (sin Ω = 0) falls back on its own.
	a := []float32{1, 1, 0, 0, 0, 0, 0, 0}
	b := []float32{2, 0, 0, 1, 0, 0, 0, 0}
	got := SlerpColumns(0.5, a, b, c, h, w)
	for _, v := range got {
		assert.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
	}
	assert.InDelta(t, 0.5*1+0.5*2, got[0], 1e-6, "parallel column lerps")
	s := float32(math.Sin(math.Pi/4) / math.Sin(math.Pi/2))
	assert.InDelta(t, s, got[1], 1e-6, "orthogonal column slerps")
	assert.InDelta(t, s, got[3], 1e-6)

	zero := make([]float32, 8)
	for _, v := range SlerpColumns(0.5, zero, b, c, h, w) {
		assert.False(t, math.IsNaN(float64(v)))
	}
	assert.Panics(t, func() { SlerpColumns(0.5, a, b[:7], c, h, w) })
}
