package sampling

import (
	"context"
	"math"
)

// DPMPP2MSDE is multistep DPM-Solver++(2M) SDE with the midpoint correction
// (Lu et al. 2022, "DPM-Solver++", §5, eq. 17; k-diffusion
// sample_dpmpp_2m_sde, solver_type "midpoint"). Noise is a Brownian increment
// when the source has a path. Eta defaults to 1; eta = 0 is an ODE solver.
func DPMPP2MSDE(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return dpmpp2mSDE(ctx, d, x, sigmas, noise, opts, step, false)
}

// DPMPP2MSDEHeun is DPMPP2MSDE with the Heun-type correction
// (k-diffusion sample_dpmpp_2m_sde, solver_type "heun"; A1111
// "DPM++ 2M SDE Heun").
func DPMPP2MSDEHeun(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return dpmpp2mSDE(ctx, d, x, sigmas, noise, opts, step, true)
}

func dpmpp2mSDE(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc, heun bool) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	eta := opts.eta(1)
	if err := needNoise(noise, eta); err != nil {
		return nil, err
	}
	var old []float32
	var hLast float64
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
		etaH := eta * h
		// phi = 1 − e^{−h(1+η)} weighs x0; e^{−ηh} shrinks x (the noise that
		// the SDE removes is put back below).
		phi := -math.Expm1(-h - etaH)
		lincomb(x, sigmas[i+1]/sigmas[i]*math.Exp(-etaH), x, phi, x0)
		if old != nil {
			r := hLast / h
			c := 0.5 * phi / r
			if heun {
				c = (phi/(-h-etaH) + 1) / r
			}
			lincomb(x, 1, x, c, x0)
			axpy(x, -c, old)
		}
		if eta > 0 {
			addNoise(x, noise, sigmas[i], sigmas[i+1], sigmas[i+1]*math.Sqrt(-math.Expm1(-2*etaH))*opts.sNoise())
		}
		old, hLast = x0, h
	}
	return x, nil
}

// DPMPP3MSDE is multistep DPM-Solver++(3M) SDE: third-order corrections from
// the two previous x0 estimates with the SDE's noise (Lu et al. 2022,
// "DPM-Solver++", §5 and Appendix B multistep order 3; k-diffusion
// sample_dpmpp_3m_sde). Eta defaults to 1; eta = 0 is a third-order ODE
// solver.
func DPMPP3MSDE(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	eta := opts.eta(1)
	if err := needNoise(noise, eta); err != nil {
		return nil, err
	}
	var x01, x02 []float32 // x0 one and two steps back
	var h1, h2 float64
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
		hEta := h * (eta + 1)
		lincomb(x, math.Exp(-hEta), x, -math.Expm1(-hEta), x0)
		phi2 := math.Expm1(-hEta)/hEta + 1
		switch {
		case x02 != nil:
			r0, r1 := h1/h, h2/h
			phi3 := phi2/hEta - 0.5
			for j := range x {
				d10 := (float64(x0[j]) - float64(x01[j])) / r0
				d11 := (float64(x01[j]) - float64(x02[j])) / r1
				d1 := d10 + (d10-d11)*r0/(r0+r1)
				d2 := (d10 - d11) / (r0 + r1)
				x[j] = float32(float64(x[j]) + phi2*d1 - phi3*d2)
			}
		case x01 != nil:
			r := h1 / h
			lincomb(x, 1, x, phi2/r, x0)
			axpy(x, -phi2/r, x01)
		}
		if eta > 0 {
			addNoise(x, noise, sigmas[i], sigmas[i+1], sigmas[i+1]*math.Sqrt(-math.Expm1(-2*h*eta))*opts.sNoise())
		}
		x01, x02 = x0, x01
		h1, h2 = h, h1
	}
	return x, nil
}
