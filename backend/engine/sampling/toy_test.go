package sampling

import (
	"context"
	"math"
	"math/rand/v2"
)

// gaussSource is the tests' seeded NoiseSource (PCG + the standard library's
// normal), standing in for the host generators written elsewhere.
type gaussSource struct{ r *rand.Rand }

func newGauss(seed uint64) *gaussSource {
	return &gaussSource{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *gaussSource) Fill(dst []float32) {
	for i := range dst {
		dst[i] = float32(g.r.NormFloat64())
	}
}

// gaussianToy is the analytic test problem: data x0 ~ N(μ_i, s_i²) per
// dimension, independent. Its exact denoiser is the posterior mean
// E[x0 | x0 + σn = x] = (s²x + σ²μ)/(s² + σ²), and the probability-flow
// ODE dx/dσ = σ(x − μ)/(s² + σ²) has the closed form
// x(σ) = μ + (x(σ') − μ)·√(s² + σ²)/√(s² + σ'²).
type gaussianToy struct {
	mu, s []float64
	evals int
}

func newToy(dims int) *gaussianToy {
	g := &gaussianToy{mu: make([]float64, dims), s: make([]float64, dims)}
	for i := range dims {
		// Means and scales spread over the range a VAE latent has.
		g.mu[i] = -1.5 + 3*float64(i%7)/6
		g.s[i] = 0.3 + 0.9*float64(i%5)/4
	}
	return g
}

func (g *gaussianToy) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	g.evals++
	out := make([]float32, len(x))
	for i, v := range x {
		s2 := g.s[i] * g.s[i]
		out[i] = float32((s2*float64(v) + sigma*sigma*g.mu[i]) / (s2 + sigma*sigma))
	}
	return out, nil
}

// start draws x at σ_max from the exact marginal N(μ, s² + σ_max²).
func (g *gaussianToy) start(seed uint64, sigmaMax float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, len(g.mu))
	for i := range x {
		x[i] = float32(g.mu[i] + math.Sqrt(g.s[i]*g.s[i]+sigmaMax*sigmaMax)*r.NormFloat64())
	}
	return x
}

// flow is the exact ODE solution at σ = to from x at σ = from.
func (g *gaussianToy) flow(x []float32, from, to float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		s2 := g.s[i] * g.s[i]
		out[i] = g.mu[i] + (float64(v)-g.mu[i])*math.Sqrt(s2+to*to)/math.Sqrt(s2+from*from)
	}
	return out
}

// rmsErr is the root-mean-square difference between got and want.
func rmsErr(got []float32, want []float64) float64 {
	sum := 0.0
	for i := range got {
		d := float64(got[i]) - want[i]
		sum += d * d
	}
	return math.Sqrt(sum / float64(len(got)))
}

// standardised returns (x−μ)/s per dimension; for exact samples these are
// i.i.d. N(0, 1).
func (g *gaussianToy) standardised(x []float32) (mean, variance float64) {
	for i, v := range x {
		mean += (float64(v) - g.mu[i]) / g.s[i]
	}
	mean /= float64(len(x))
	for i, v := range x {
		z := (float64(v)-g.mu[i])/g.s[i] - mean
		variance += z * z
	}
	return mean, variance / float64(len(x)-1)
}
