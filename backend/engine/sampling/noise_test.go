package sampling

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func moments(v []float32) (mean, variance float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, variance / float64(len(v)-1)
}

func corr(a, b []float32) float64 {
	ma, va := moments(a)
	mb, vb := moments(b)
	c := 0.0
	for i := range a {
		c += (float64(a[i]) - ma) * (float64(b[i]) - mb)
	}
	return c / float64(len(a)-1) / math.Sqrt(va*vb)
}

func increment(tree *BrownianTree, s0, s1 float64, n int) []float32 {
	dst := make([]float32, n)
	tree.Increment(s0, s1, dst)
	return dst
}

func TestBrownianTreeDeterministic(t *testing.T) {
	const n = 257
	a, err := NewBrownianTree(42, 0.0292, 14.6146)
	require.NoError(t, err)
	b, err := NewBrownianTree(42, 0.0292, 14.6146)
	require.NoError(t, err)
	c, err := NewBrownianTree(43, 0.0292, 14.6146)
	require.NoError(t, err)
	// Different query orders and an unrelated query in between: W(σ) is a
	// function of the seed only.
	want := increment(a, 3.1, 0.7, n)
	_ = increment(b, 14, 0.05, n)
	_ = increment(b, 0.7, 0.2, n)
	assert.Equal(t, want, increment(b, 3.1, 0.7, n))
	assert.NotEqual(t, want, increment(c, 3.1, 0.7, n))

	f1, f2 := make([]float32, n), make([]float32, n)
	a.Fill(f1)
	b.Fill(f2)
	assert.Equal(t, f1, f2, "Fill streams follow the seed")
	a.Fill(f2)
	assert.NotEqual(t, f1, f2, "consecutive Fills differ")
}

func TestBrownianTreeIsAPath(t *testing.T) {
	const n = 20000
	tree, err := NewBrownianTree(7, 0.0292, 14.6146)
	require.NoError(t, err)
	// Additivity: W(c) − W(a) = (W(b) − W(a)) + (W(c) − W(b)).
	a, b, c := 9.0, 2.5, 0.4
	ab, bc, ac := increment(tree, a, b, n), increment(tree, b, c, n), increment(tree, a, c, n)
	for i := range n {
		sum := float64(ab[i])*math.Sqrt(a-b) + float64(bc[i])*math.Sqrt(b-c)
		require.InDelta(t, float64(ac[i])*math.Sqrt(a-c), sum, 1e-5)
	}
	// Normalised increments are N(0, 1), disjoint ones independent and
	// nested ones correlated by √(len inner / len outer). Standard errors
	// at n = 20000: mean 0.007, variance 0.01, correlation 0.007.
	for _, inc := range [][]float32{ab, bc, ac, increment(tree, 0.05, 0.03, n), increment(tree, 14.6146, 14, n)} {
		m, v := moments(inc)
		assert.InDelta(t, 0, m, 0.03)
		assert.InDelta(t, 1, v, 0.05)
	}
	assert.InDelta(t, 0, corr(ab, bc), 0.03)
	assert.InDelta(t, math.Sqrt((a-b)/(a-c)), corr(ab, ac), 0.03)
	// Increments are odd in their direction and zero on an empty interval.
	ba := increment(tree, b, a, n)
	assert.InDelta(t, -float64(ab[5]), float64(ba[5]), 1e-6)
	assert.Equal(t, make([]float32, n), increment(tree, 1, 1, n))
}

func TestBrownianTreeConstruction(t *testing.T) {
	for _, tc := range []struct{ lo, hi float64 }{{0, 1}, {1, 1}, {2, 1}, {math.NaN(), 1}, {1, math.Inf(1)}} {
		_, err := NewBrownianTree(1, tc.lo, tc.hi)
		assert.Error(t, err, "%v", tc)
	}
	tree, err := NewBrownianTreeFor(1, []float64{14.6, 3, 0.03, 0})
	require.NoError(t, err)
	assert.Equal(t, 0.03, tree.lo)
	assert.Equal(t, 14.6, tree.hi)
	_, err = NewBrownianTreeFor(1, []float64{1, 0})
	assert.Error(t, err)
}
