package sampling

import (
	"context"
	"math"
)

// Heun is Heun's second-order method (the explicit trapezoidal rule) on the
// probability-flow ODE, falling back to Euler on the last step to σ = 0
// (Karras et al. 2022, Algorithm 1 without churn; k-diffusion sample_heun).
func Heun(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		dx := toD(x, x0, sigmas[i])
		dt := sigmas[i+1] - sigmas[i]
		if sigmas[i+1] == 0 {
			axpy(x, dt, dx)
			continue
		}
		x2 := append([]float32(nil), x...)
		axpy(x2, dt, dx)
		x02, err := denoise(ctx, d, i, x2, sigmas[i+1])
		if err != nil {
			return nil, err
		}
		lincomb(dx, 0.5, dx, 0.5, toD(x2, x02, sigmas[i+1]))
		axpy(x, dt, dx)
	}
	return x, nil
}

// DPM2 is the second-order midpoint method with the midpoint taken in
// log σ, k-diffusion's "DPM-Solver-2"-like sampler (Karras et al. 2022,
// §3 and Lu et al. 2022 "DPM-Solver"; k-diffusion sample_dpm_2), Euler on
// the last step to σ = 0.
func DPM2(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return dpm2(ctx, d, x, sigmas, noise, opts, step, 0)
}

// DPM2Ancestral is DPM2 to σ_down followed by ancestral noise σ_up
// (k-diffusion sample_dpm_2_ancestral). Eta defaults to 1.
func DPM2Ancestral(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return dpm2(ctx, d, x, sigmas, noise, opts, step, opts.eta(1))
}

func dpm2(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc, eta float64) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
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
		dx := toD(x, x0, sigmas[i])
		if down == 0 {
			axpy(x, down-sigmas[i], dx)
			continue
		}
		mid := math.Exp((math.Log(sigmas[i]) + math.Log(down)) / 2)
		x2 := append([]float32(nil), x...)
		axpy(x2, mid-sigmas[i], dx)
		x02, err := denoise(ctx, d, i, x2, mid)
		if err != nil {
			return nil, err
		}
		axpy(x, down-sigmas[i], toD(x2, x02, mid))
		if up > 0 {
			fillNoise(x, noise, up*opts.sNoise())
		}
	}
	return x, nil
}
