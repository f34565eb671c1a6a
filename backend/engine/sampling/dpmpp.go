package sampling

import (
	"context"
	"math"
)

// The DPM-Solver++ family works in λ = −log σ (half-log-SNR in σ-space):
// the data-prediction exponential integrator's first-order step is
// x' = (σ'/σ)·x − expm1(−h)·x0 with h = λ' − λ (Lu et al. 2022,
// "DPM-Solver++", eq. 9).

// DPMPP2SAncestral is single-step DPM-Solver++(2S) with r = ½ to σ_down plus
// ancestral noise σ_up (Lu et al. 2022, "DPM-Solver++", Algorithm 1;
// k-diffusion sample_dpmpp_2s_ancestral). Eta defaults to 1.
func DPMPP2SAncestral(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	eta := opts.eta(1)
	if err := needNoise(noise, eta); err != nil {
		return nil, err
	}
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		down, up := ancestralStep(sigmas[i], sigmas[i+1], eta)
		if down == 0 {
			copy(x, x0) // Euler to σ = 0 lands on x0
			continue
		}
		h := math.Log(sigmas[i]) - math.Log(down)
		mid := sigmas[i] * math.Exp(-h/2)
		x2 := make([]float32, len(x))
		lincomb(x2, mid/sigmas[i], x, -math.Expm1(-h/2), x0)
		x02, err := denoise(ctx, d, i, x2, mid)
		if err != nil {
			return nil, err
		}
		lincomb(x, down/sigmas[i], x, -math.Expm1(-h), x02)
		if sigmas[i+1] > 0 {
			fillNoise(x, noise, up*opts.sNoise())
		}
	}
	return x, nil
}

// DPMPP2M is multistep DPM-Solver++(2M): a second-order correction from the
// previous step's x0, first order on the first step and the last step to
// σ = 0 (Lu et al. 2022, "DPM-Solver++", Algorithm 2; k-diffusion
// sample_dpmpp_2m).
func DPMPP2M(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	var old []float32
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		if sigmas[i+1] == 0 {
			copy(x, x0)
			continue
		}
		h := math.Log(sigmas[i]) - math.Log(sigmas[i+1])
		xd := x0
		if old != nil {
			r := (math.Log(sigmas[i-1]) - math.Log(sigmas[i])) / h
			xd = make([]float32, len(x))
			lincomb(xd, 1+1/(2*r), x0, -1/(2*r), old)
		}
		lincomb(x, sigmas[i+1]/sigmas[i], x, -math.Expm1(-h), xd)
		old = x0
	}
	return x, nil
}

// DPMPPSDE is the stochastic DPM-Solver++ (second order, r = ½): each half
// of the step is an ancestral data-prediction step, the second using the
// blended x0 (Lu et al. 2022, "DPM-Solver++", §5 SDE solver; k-diffusion
// sample_dpmpp_sde). Noise is a Brownian increment when the source has a
// path. Eta defaults to 1.
func DPMPPSDE(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	eta, sn := opts.eta(1), opts.sNoise()
	if err := needNoise(noise, eta); err != nil {
		return nil, err
	}
	const r = 0.5
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		s, next := sigmas[i], sigmas[i+1]
		if next == 0 {
			copy(x, x0)
			continue
		}
		// Step 1: to the midpoint σ_s = σ·e^{−r·h}.
		h := math.Log(s) - math.Log(next)
		sMid := s * math.Exp(-r*h)
		down, up := ancestralStep(s, sMid, eta)
		x2 := make([]float32, len(x))
		lincomb(x2, down/s, x, -math.Expm1(math.Log(down)-math.Log(s)), x0)
		addNoise(x2, noise, s, sMid, up*sn)
		x02, err := denoise(ctx, d, i, x2, sMid)
		if err != nil {
			return nil, err
		}
		// Step 2: the full step with x0 blended (1−1/2r)·x0 + (1/2r)·x0₂.
		down, up = ancestralStep(s, next, eta)
		fac := 1 / (2 * r)
		lincomb(x2, 1-fac, x0, fac, x02)
		lincomb(x, down/s, x, -math.Expm1(math.Log(down)-math.Log(s)), x2)
		addNoise(x, noise, s, next, up*sn)
	}
	return x, nil
}
