package sampling

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Sampler integrates x from sigmas[0] down to sigmas[len−1] (normally 0) and
// returns the result; x is not modified. Every sampler in this package has
// this signature, so callers pick one from a table (LookupSampler).
//
// noise may be nil for deterministic runs (every sampler with eta = 0 and
// the deterministic ones); step may be nil.
type Sampler func(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error)

// StepFunc is called once per sampler step with the step index, its sigma
// and the denoiser's x0 estimate at that step (for previews). x0 must not be
// retained or modified.
type StepFunc func(i int, sigma float64, x0 []float32)

// Options are the knobs some samplers read; the zero value gives each
// sampler its published default.
type Options struct {
	// Eta scales the noise each ancestral/SDE step adds back (nil: 1, or 0 for
	// DDIM, as A1111 and ComfyUI default).
	Eta *float64
	// SNoise scales the added noise itself (nil: 1).
	SNoise *float64
}

func (o Options) eta(def float64) float64 {
	if o.Eta == nil {
		return def
	}
	return *o.Eta
}

func (o Options) sNoise() float64 {
	if o.SNoise == nil {
		return 1
	}
	return *o.SNoise
}

// ErrNoNoise is returned when a sampler needs to add noise but got no source.
var ErrNoNoise = errors.New("sampler needs a noise source")

// begin validates a run's arguments and returns a private copy of x.
func begin(d Denoiser, x []float32, sigmas []float64, opts Options) ([]float32, error) {
	switch {
	case d == nil:
		return nil, errors.New("sample: nil denoiser")
	case len(x) == 0:
		return nil, errors.New("sample: empty state")
	case len(sigmas) < 2:
		return nil, fmt.Errorf("sample: need at least 2 sigmas, got %d", len(sigmas))
	}
	for i, s := range sigmas {
		if !(s >= 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("sample: sigmas[%d] = %g is not finite and non-negative", i, s)
		}
		// Equal neighbours would be zero-length steps, which the multistep
		// solvers divide by.
		if i > 0 && s >= sigmas[i-1] {
			return nil, fmt.Errorf("sample: sigmas must strictly decrease, got %g then %g at %d", sigmas[i-1], s, i)
		}
	}
	if sigmas[0] == 0 {
		return nil, errors.New("sample: sigmas[0] is 0")
	}
	if e := opts.eta(0); !(e >= 0) || math.IsInf(e, 0) {
		return nil, fmt.Errorf("sample: eta %g is not finite and non-negative", e)
	}
	if s := opts.sNoise(); !(s >= 0) || math.IsInf(s, 0) {
		return nil, fmt.Errorf("sample: s_noise %g is not finite and non-negative", s)
	}
	return append([]float32(nil), x...), nil
}

// needNoise reports an error when a stochastic run has no noise source.
func needNoise(noise NoiseSource, eta float64) error {
	if eta > 0 && noise == nil {
		return ErrNoNoise
	}
	return nil
}

// denoise runs one evaluation, checking cancellation first and the result's
// length after.
func denoise(ctx context.Context, d Denoiser, i int, x []float32, sigma float64) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sample step %d: %w", i, err)
	}
	x0, err := d.Denoise(ctx, x, sigma)
	if err != nil {
		return nil, fmt.Errorf("sample step %d (sigma %.4g): %w", i, sigma, err)
	}
	if len(x0) != len(x) {
		return nil, fmt.Errorf("sample step %d: denoiser returned %d values for %d", i, len(x0), len(x))
	}
	return x0, nil
}

func report(step StepFunc, i int, sigma float64, x0 []float32) {
	if step != nil {
		step(i, sigma, x0)
	}
}

// toD is the probability-flow ODE's derivative dx/dσ = (x − x0)/σ
// (Karras et al. 2022, eq. 3 with σ(t) = t; k-diffusion to_d).
func toD(x, x0 []float32, sigma float64) []float32 {
	d := make([]float32, len(x))
	for i := range x {
		d[i] = float32((float64(x[i]) - float64(x0[i])) / sigma)
	}
	return d
}

// ancestralStep splits a step σ → σ_next into a deterministic move to σ_down
// and fresh noise of size σ_up, σ_down² + σ_up² = σ_next²; eta = 1 is DDPM's
// ancestral sampling, eta = 0 is deterministic (k-diffusion
// get_ancestral_step, after Song et al. 2021's DDIM σ_η).
func ancestralStep(sigma, sigmaNext, eta float64) (down, up float64) {
	if eta == 0 || sigmaNext == 0 {
		return sigmaNext, 0
	}
	up = min(sigmaNext, eta*math.Sqrt(sigmaNext*sigmaNext*(sigma*sigma-sigmaNext*sigmaNext)/(sigma*sigma)))
	return math.Sqrt(sigmaNext*sigmaNext - up*up), up
}

// axpy sets x += a·v.
func axpy(x []float32, a float64, v []float32) {
	for i := range x {
		x[i] = float32(float64(x[i]) + a*float64(v[i]))
	}
}

// lincomb sets dst = a·u + b·v (dst may alias u or v).
func lincomb(dst []float32, a float64, u []float32, b float64, v []float32) {
	for i := range dst {
		dst[i] = float32(a*float64(u[i]) + b*float64(v[i]))
	}
}

// addNoise adds scale·n to x with n drawn for the interval sigma → sigmaNext
// (a Brownian increment when the source has a path).
func addNoise(x []float32, noise NoiseSource, sigma, sigmaNext, scale float64) {
	if scale == 0 {
		return
	}
	n := make([]float32, len(x))
	sdeNoise(noise, sigma, sigmaNext, n)
	axpy(x, scale, n)
}

// fillNoise adds scale·n to x with n a fresh draw from the source.
func fillNoise(x []float32, noise NoiseSource, scale float64) {
	if scale == 0 {
		return
	}
	n := make([]float32, len(x))
	noise.Fill(n)
	axpy(x, scale, n)
}
