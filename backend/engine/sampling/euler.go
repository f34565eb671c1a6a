package sampling

import "context"

// Euler is the explicit Euler method on the probability-flow ODE
// dx/dσ = (x − x0)/σ (Karras et al. 2022, "Elucidating the Design Space of
// Diffusion-Based Generative Models", Algorithm 2 without churn; k-diffusion
// sample_euler). First order, one evaluation per step.
func Euler(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
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
		axpy(x, sigmas[i+1]-sigmas[i], toD(x, x0, sigmas[i]))
	}
	return x, nil
}

// EulerAncestral is Euler with ancestral noise: each step moves
// deterministically to σ_down and adds fresh noise of size σ_up (Ho et al.
// 2020 DDPM ancestral sampling in σ-space; k-diffusion
// sample_euler_ancestral). Eta defaults to 1.
func EulerAncestral(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return eulerAncestral(ctx, d, x, sigmas, noise, opts, step, opts.eta(1))
}

// DDIM is denoising diffusion implicit models (Song et al. 2021, "Denoising
// Diffusion Implicit Models", eq. 12). In σ-space, x̄ = x/√ᾱ, the DDIM
// update x̄' = x0 + √(σ'² − σ_η²/ᾱ')·n̂ + (σ_η/√ᾱ')·z is exactly an Euler step
// to σ_down plus noise σ_up with σ_up² = η²·σ'²(σ² − σ'²)/σ², which is
// ancestralStep: DDIM(η=0) is Euler (Karras et al. 2022, §3), DDIM(η) is
// Euler ancestral with that η. Eta defaults to 0, as A1111.
func DDIM(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return eulerAncestral(ctx, d, x, sigmas, noise, opts, step, opts.eta(0))
}

func eulerAncestral(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc, eta float64) ([]float32, error) {
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
		axpy(x, down-sigmas[i], toD(x, x0, sigmas[i]))
		if sigmas[i+1] > 0 {
			fillNoise(x, noise, up*opts.sNoise())
		}
	}
	return x, nil
}

// LCM is the multistep sampler of latent consistency models (Luo et al. 2023,
// "Latent Consistency Models", Algorithm 1; ComfyUI sample_lcm): jump to the
// x0 estimate, then re-noise it to the next sigma with fresh noise.
func LCM(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	if noise == nil && sigmas[1] > 0 {
		return nil, ErrNoNoise
	}
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		copy(x, x0)
		if sigmas[i+1] > 0 {
			fillNoise(x, noise, sigmas[i+1])
		}
	}
	return x, nil
}
