package sampling

import (
	"errors"
	"fmt"
	"math"
)

// NoiseSource fills dst with independent standard normal samples. Ancestral
// samplers draw one fill per step, so the order of calls is part of the
// seed's meaning; implementations reproduce a host's generator (A1111 Philox,
// torch CPU) and are not safe for concurrent use.
type NoiseSource interface {
	Fill(dst []float32)
}

// BrownianSource gives the normalised Brownian increment
// (W(sigmaNext) − W(sigma)) / √|sigmaNext − sigma| of one fixed Brownian path
// indexed by σ. Increments over overlapping intervals are correlated the way
// the path says, which is what the SDE solvers of Lu et al. (DPM-Solver++)
// assume; k-diffusion's BrownianTreeNoiseSampler plays this role.
type BrownianSource interface {
	Increment(sigma, sigmaNext float64, dst []float32)
}

// sdeNoise fills dst with the noise for the interval sigma → sigmaNext: the
// Brownian increment when the source has a path, a fresh draw otherwise (as
// k-diffusion's default_noise_sampler).
func sdeNoise(noise NoiseSource, sigma, sigmaNext float64, dst []float32) {
	if b, ok := noise.(BrownianSource); ok {
		b.Increment(sigma, sigmaNext, dst)
		return
	}
	noise.Fill(dst)
}

// brownianDepth bounds the bisection. Cells are split at the geometric
// mean, so after 18 levels a cell spans a ratio of (σ_max/σ_min)^(2^-18)
// ≈ 1 + 2.4e-5 for SD's range: the bridge left unresolved inside a cell is
// under 1% of the smallest increment a few-hundred-step run asks for
// (torchsde's BrownianTree also stops at a tolerance).
const brownianDepth = 18

// BrownianTree is a deterministic Brownian path W(σ) on [sigmaMin, sigmaMax],
// one independent path per element, built lazily by Brownian-bridge
// bisection (Lévy's construction; torchsde BrownianTree). Every value comes
// from a counter-based hash of (seed, tree node, element), so W(σ) is the
// same whatever the order or number of queries: same seed → same samples.
//
// It is also a NoiseSource (Fill draws fresh normals from its own counter
// stream), so an SDE sampler can be handed it directly. A BrownianTree keeps
// a small cache of recent W(σ) values and is not safe for concurrent use.
type BrownianTree struct {
	seed     uint64
	lo, hi   float64
	fillNext uint64 // Fill calls so far: the stream id of the next Fill
	cache    [3]brownianPoint
	cacheAt  int
}

// brownianPoint is one cached W(t).
type brownianPoint struct {
	t float64
	w []float64
}

// NewBrownianTree builds the path for a run whose sigmas span
// [sigmaMin, sigmaMax] (the smallest non-zero and the largest sigma).
func NewBrownianTree(seed uint64, sigmaMin, sigmaMax float64) (*BrownianTree, error) {
	if !(sigmaMin > 0) || !(sigmaMax > sigmaMin) || math.IsInf(sigmaMax, 0) {
		return nil, fmt.Errorf("brownian tree: need 0 < sigmaMin < sigmaMax < inf, got %g, %g", sigmaMin, sigmaMax)
	}
	return &BrownianTree{seed: seed, lo: sigmaMin, hi: sigmaMax}, nil
}

// NewBrownianTreeFor builds the path covering a run's sigmas.
func NewBrownianTreeFor(seed uint64, sigmas []float64) (*BrownianTree, error) {
	lo, hi := math.Inf(1), 0.0
	for _, s := range sigmas {
		if s > 0 && s < lo {
			lo = s
		}
		hi = max(hi, s)
	}
	if lo >= hi {
		return nil, errors.New("brownian tree: sigmas need two distinct non-zero values")
	}
	return NewBrownianTree(seed, lo, hi)
}

// Fill implements NoiseSource with a stream independent of the tree's nodes.
func (b *BrownianTree) Fill(dst []float32) {
	b.fillNext++
	z := make([]float64, len(dst))
	fillNormals(z, mix(b.seed^0x5eed_f111_0000_0000, b.fillNext), 1)
	for i, v := range z {
		dst[i] = float32(v)
	}
}

// Increment implements BrownianSource. Sigmas outside the tree's range are
// clamped to it.
func (b *BrownianTree) Increment(sigma, sigmaNext float64, dst []float32) {
	s0, s1 := b.clamp(sigma), b.clamp(sigmaNext)
	if s0 == s1 {
		clear(dst)
		return
	}
	w0, w1 := b.at(s0, len(dst)), b.at(s1, len(dst))
	inv := 1 / math.Sqrt(math.Abs(s1-s0))
	for i := range dst {
		dst[i] = float32((w1[i] - w0[i]) * inv)
	}
}

func (b *BrownianTree) clamp(s float64) float64 { return min(max(s, b.lo), b.hi) }

// at returns W(t) for n elements, with W(lo) = 0 and W(hi) ~ N(0, hi−lo):
// descend from the root interval, drawing each split point from the bridge
// between its ends (mean interpolated linearly in σ, variance
// (m−a)(c−m)/(c−a)), then interpolate linearly inside the last cell.
// Splitting at the geometric mean gives even resolution in log σ, where
// samplers place their steps.
func (b *BrownianTree) at(t float64, n int) []float64 {
	for _, p := range b.cache {
		if p.t == t && len(p.w) == n {
			return p.w
		}
	}
	a, c := b.lo, b.hi
	wa, wc := make([]float64, n), make([]float64, n)
	fillNormals(wc, mix(b.seed, 1), math.Sqrt(c-a))
	z := make([]float64, n)
	for node := uint64(1); node < 1<<brownianDepth && t != a && t != c; {
		m := math.Sqrt(a * c)
		f := (m - a) / (c - a)
		fillNormals(z, mix(b.seed, node|1<<63), math.Sqrt((m-a)*(c-m)/(c-a)))
		if t < m {
			for i := range wc {
				wc[i] = wa[i] + f*(wc[i]-wa[i]) + z[i]
			}
			c, node = m, node<<1
		} else {
			for i := range wa {
				wa[i] = wa[i] + f*(wc[i]-wa[i]) + z[i]
			}
			a, node = m, node<<1|1
		}
	}
	w := wa
	if t == c {
		w = wc
	} else if t != a {
		f := (t - a) / (c - a)
		for i := range wa {
			wa[i] += f * (wc[i] - wa[i])
		}
	}
	b.cache[b.cacheAt] = brownianPoint{t: t, w: w}
	b.cacheAt = (b.cacheAt + 1) % len(b.cache)
	return w
}

// mix is SplitMix64's finaliser over a combined key: a stateless hash good
// enough to drive Box–Muller (Steele et al. 2014).
func mix(a, b uint64) uint64 {
	z := a ^ (b+0x9e3779b97f4a7c15)*0xbf58476d1ce4e5b9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// fillNormals sets dst[i] = scale·(the i-th standard normal of stream key):
// Box–Muller on two hashed uniforms per pair of elements, cosine for the
// even element and sine for the odd one.
func fillNormals(dst []float64, key uint64, scale float64) {
	for i := 0; i < len(dst); i += 2 {
		h1, h2 := mix(key, uint64(i)), mix(key, uint64(i)+1)
		u1 := (float64(h1>>11) + 1) / (1 << 53) // (0, 1]: log is finite
		u2 := float64(h2>>11) / (1 << 53)
		r := scale * math.Sqrt(-2*math.Log(u1))
		sin, cos := math.Sincos(2 * math.Pi * u2)
		dst[i] = r * cos
		if i+1 < len(dst) {
			dst[i+1] = r * sin
		}
	}
}
