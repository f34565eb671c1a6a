package sampling

import "context"

// lmsOrder is k-diffusion's default order for sample_lms (A1111 and ComfyUI
// use it unchanged).
const lmsOrder = 4

// LMS is the linear multistep method of order 4 on the probability-flow ODE:
// each step integrates the Lagrange polynomial through the last (up to) four
// derivatives over [σ_i, σ_{i+1}] (Adams–Bashforth with variable steps;
// Karras et al. 2022 §3 discuss it; k-diffusion sample_lms).
func LMS(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	var ds [][]float32 // newest first
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		ds = append([][]float32{toD(x, x0, sigmas[i])}, ds...)
		if len(ds) > lmsOrder {
			ds = ds[:lmsOrder]
		}
		for j, dj := range ds {
			axpy(x, lmsCoeff(len(ds), sigmas, i, j), dj)
		}
	}
	return x, nil
}

// lmsCoeff is ∫_{σ_i}^{σ_{i+1}} ℓ_j(τ) dτ for the Lagrange basis polynomial
// ℓ_j through σ_i, σ_{i−1}, …, σ_{i−order+1} (k-diffusion
// linear_multistep_coeff). ℓ_j has degree order−1 <= 3, so 4-point
// Gauss–Legendre quadrature is exact where k-diffusion calls scipy's quad.
func lmsCoeff(order int, sigmas []float64, i, j int) float64 {
	// Nodes and weights of 4-point Gauss–Legendre on [−1, 1]
	// (Abramowitz & Stegun table 25.4).
	nodes := [4]float64{-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526}
	weights := [4]float64{0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538}
	a, b := sigmas[i], sigmas[i+1]
	sum := 0.0
	for q, n := range nodes {
		tau := (b-a)/2*n + (a+b)/2
		prod := 1.0
		for k := range order {
			if k != j {
				prod *= (tau - sigmas[i-k]) / (sigmas[i-j] - sigmas[i-k])
			}
		}
		sum += weights[q] * prod
	}
	return sum * (b - a) / 2
}

// PLMS is pseudo linear multistep (Liu et al. 2022, "Pseudo Numerical
// Methods for Diffusion Models on Manifolds", PNDM eq. 12 with the DDIM
// transfer; CompVis plms.py). In σ-space the transfer is an Euler step, so
// PLMS is 4th-order Adams–Bashforth with constant-step coefficients on the
// derivative, started by one pseudo improved-Euler step and lower-order
// Adams–Bashforth steps.
func PLMS(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	var old [][]float32 // previous derivatives, newest first
	for i := range len(sigmas) - 1 {
		x0, err := denoise(ctx, d, i, x, sigmas[i])
		if err != nil {
			return nil, err
		}
		report(step, i, sigmas[i], x0)
		dx := toD(x, x0, sigmas[i])
		dt := sigmas[i+1] - sigmas[i]
		p := make([]float32, len(x))
		switch len(old) {
		case 0:
			copy(p, dx)
			if sigmas[i+1] > 0 { // improved Euler: average with the slope at the end
				x2 := append([]float32(nil), x...)
				axpy(x2, dt, dx)
				x02, err := denoise(ctx, d, i, x2, sigmas[i+1])
				if err != nil {
					return nil, err
				}
				lincomb(p, 0.5, dx, 0.5, toD(x2, x02, sigmas[i+1]))
			}
		case 1:
			lincomb(p, 1.5, dx, -0.5, old[0])
		case 2:
			lincomb(p, 23.0/12, dx, -16.0/12, old[0])
			axpy(p, 5.0/12, old[1])
		default:
			lincomb(p, 55.0/24, dx, -59.0/24, old[0])
			axpy(p, 37.0/24, old[1])
			axpy(p, -9.0/24, old[2])
		}
		axpy(x, dt, p)
		old = append([][]float32{dx}, old...)[:min(len(old)+1, 3)]
	}
	return x, nil
}
