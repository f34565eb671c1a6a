package prompt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mean(z []float32) float64 {
	var s float64
	for _, v := range z {
		s += float64(v)
	}
	return s / float64(len(z))
}

func TestApplyEmphasisHandWorked(t *testing.T) {
	// mean before 2.5; weighted [[1,2],[6,8]] has mean 4.25; scale 2.5/4.25.
	z := []float32{1, 2, 3, 4}
	ApplyEmphasis(z, 2, 2, []float32{1, 2})
	s := float32(2.5 / 4.25)
	assert.InDeltaSlice(t, []float32{1 * s, 2 * s, 6 * s, 8 * s}, z, 1e-6)
}

func TestApplyEmphasisRestoresMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const tokens, width = WindowLength, 67 // an awkward width
	z := make([]float32, tokens*width)
	for i := range z {
		z[i] = float32(rng.NormFloat64()) + 0.3
	}
	orig := append([]float32(nil), z...)
	weights := make([]float32, tokens)
	for i := range weights {
		weights[i] = 0.5 + rng.Float32()
	}
	ApplyEmphasis(z, tokens, width, weights)

	assert.InEpsilon(t, mean(orig), mean(z), 1e-5, "mean restored")
	// Every element is scaled by its token's weight times one common factor.
	scale := float64(z[0]) / (float64(orig[0]) * float64(weights[0]))
	for tok := range tokens {
		for i := range width {
			k := tok*width + i
			want := float64(orig[k]) * float64(weights[tok]) * scale
			require.InDelta(t, want, float64(z[k]), 1e-4*math.Max(1, math.Abs(want)), "token %d dim %d", tok, i)
		}
	}
	assert.NotEqual(t, orig, z, "weights other than 1 change z")
}

func TestApplyEmphasisUnitWeightsIsIdentity(t *testing.T) {
	z := []float32{0.25, -3, 7.5, 1e-3, 2, 9}
	orig := append([]float32(nil), z...)
	ApplyEmphasis(z, 3, 2, ones(3, 1))
	assert.Equal(t, orig, z)
}

func TestApplyEmphasisZeroMeanSkipsRescale(t *testing.T) {
	z := []float32{1, -1}
	ApplyEmphasis(z, 1, 2, []float32{2})
	assert.Equal(t, []float32{2, -2}, z, "no division by a zero mean")

	z = []float32{1, 2}
	ApplyEmphasis(z, 1, 2, []float32{0})
	assert.Equal(t, []float32{0, 0}, z)
}

func TestApplyEmphasisShapeMismatchPanics(t *testing.T) {
	assert.Panics(t, func() { ApplyEmphasis(make([]float32, 6), 2, 2, ones(2, 1)) })
	assert.Panics(t, func() { ApplyEmphasis(make([]float32, 4), 2, 2, ones(3, 1)) })
	assert.NotPanics(t, func() { ApplyEmphasis(nil, 0, 768, nil) })
}
