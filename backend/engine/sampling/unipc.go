package sampling

import (
	"context"
	"fmt"
	"math"
)

// uniPCOrder is the order A1111 and ComfyUI run UniPC at.
const uniPCOrder = 3

// UniPC is the unified predictor–corrector solver with B(h) = h, variant
// "bh1" (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework
// for Fast Sampling of Diffusion Models", Algorithms 2–3 with data
// prediction; the default of A1111 and ComfyUI's "uni_pc").
func UniPC(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return uniPC(ctx, d, x, sigmas, opts, step, false)
}

// UniPCBH2 is UniPC with B(h) = e^h − 1, variant "bh2" (Zhao et al. 2023,
// §3.3, recommended for guided sampling with few steps; ComfyUI
// "uni_pc_bh2").
func UniPCBH2(ctx context.Context, d Denoiser, x []float32, sigmas []float64, noise NoiseSource, opts Options, step StepFunc) ([]float32, error) {
	return uniPC(ctx, d, x, sigmas, opts, step, true)
}

// uniPC runs the multistep loop: one evaluation per step, made by the
// corrector at the predicted point and reused by the next predictor; the
// order warms up from 1 and falls back to 1 at the end (lower_order_final),
// so the last step to σ = 0 returns the latest x0.
func uniPC(ctx context.Context, d Denoiser, x []float32, sigmas []float64, opts Options, step StepFunc, bh2 bool) ([]float32, error) {
	x, err := begin(d, x, sigmas, opts)
	if err != nil {
		return nil, err
	}
	n := len(sigmas) - 1
	x0, err := denoise(ctx, d, 0, x, sigmas[0])
	if err != nil {
		return nil, err
	}
	ms, ss := [][]float32{x0}, []float64{sigmas[0]} // history, newest first
	for i := range n {
		report(step, i, sigmas[i], ms[0])
		order := min(uniPCOrder, i+1, n-i)
		last := i == n-1
		if sigmas[i+1] == 0 {
			copy(x, ms[0]) // first-order step to σ = 0
			continue
		}
		var corr func(x []float32) ([]float32, error)
		if !last {
			corr = func(xt []float32) ([]float32, error) { return denoise(ctx, d, i+1, xt, sigmas[i+1]) }
		}
		m, err := uniPCStep(x, ms, ss, sigmas[i+1], order, bh2, corr)
		if err != nil {
			return nil, err
		}
		if m != nil {
			ms = append([][]float32{m}, ms...)[:min(len(ms)+1, uniPCOrder)]
			ss = append([]float64{sigmas[i+1]}, ss...)[:min(len(ss)+1, uniPCOrder)]
		}
	}
	return x, nil
}

// uniPCStep advances x in place from ss[0] to sigma with the UniP predictor
// of the given order and, when corr is set, the UniC corrector, returning the
// model value at the predicted point (multistep_uni_pc_bh_update, data
// prediction, α = 1 in σ-space, λ = −log σ).
func uniPCStep(x []float32, ms [][]float32, ss []float64, sigma float64, order int, bh2 bool, corr func([]float32) ([]float32, error)) ([]float32, error) {
	h := math.Log(ss[0]) - math.Log(sigma)
	rks := make([]float64, 0, order)
	d1s := make([][]float64, 0, order) // (m_k − m_0)/r_k
	for k := 1; k < order; k++ {
		rk := (math.Log(ss[0]) - math.Log(ss[k])) / h // λ_k − λ_0 over h, negative
		rks = append(rks, rk)
		dk := make([]float64, len(x))
		for j := range dk {
			dk[j] = (float64(ms[k][j]) - float64(ms[0][j])) / rk
		}
		d1s = append(d1s, dk)
	}
	rks = append(rks, 1)
	hh := -h
	hPhi1 := math.Expm1(hh)
	bh := hh
	if bh2 {
		bh = hPhi1
	}
	// R[k][c] = r_c^k and b_k = k!·φ_{k+1}(h)/B(h) (Zhao et al. eq. 8).
	R := make([][]float64, order)
	b := make([]float64, order)
	hPhiK, fact := hPhi1/hh-1, 1.0
	for k := range order {
		R[k] = make([]float64, order)
		for c := range order {
			R[k][c] = math.Pow(rks[c], float64(k))
		}
		b[k] = hPhiK * fact / bh
		fact *= float64(k + 2)
		hPhiK = hPhiK/hh - 1/fact
	}
	base := make([]float64, len(x)) // the first-order (DDIM) step
	for j := range x {
		base[j] = sigma/ss[0]*float64(x[j]) - hPhi1*float64(ms[0][j])
	}
	// Predictor.
	var rhosP []float64
	switch {
	case order == 2:
		rhosP = []float64{0.5}
	case order > 2:
		var err error
		if rhosP, err = solveSmall(sub(R, order-1), b[:order-1]); err != nil {
			return nil, err
		}
	}
	for j := range x {
		acc := 0.0
		for k, rho := range rhosP {
			acc += rho * d1s[k][j]
		}
		x[j] = float32(base[j] - bh*acc)
	}
	if corr == nil {
		return nil, nil
	}
	// Corrector: evaluate at the predicted point and refit with it.
	mt, err := corr(x)
	if err != nil {
		return nil, err
	}
	rhosC := []float64{0.5}
	if order > 1 {
		if rhosC, err = solveSmall(R, b); err != nil {
			return nil, err
		}
	}
	for j := range x {
		acc := rhosC[order-1] * (float64(mt[j]) - float64(ms[0][j]))
		for k := range order - 1 {
			acc += rhosC[k] * d1s[k][j]
		}
		x[j] = float32(base[j] - bh*acc)
	}
	return mt, nil
}

func sub(m [][]float64, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = append([]float64(nil), m[i][:n]...)
	}
	return out
}

// solveSmall solves A·x = b by Gaussian elimination with partial pivoting;
// A is at most 3×3 here. A is overwritten.
func solveSmall(a [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	x := append([]float64(nil), b...)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if a[p][c] == 0 || math.IsNaN(a[p][c]) {
			return nil, fmt.Errorf("unipc: singular %dx%d system (repeated sigmas?)", n, n)
		}
		a[c], a[p] = a[p], a[c]
		x[c], x[p] = x[p], x[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			x[r] -= f * x[c]
		}
	}
	for r := n - 1; r >= 0; r-- {
		for k := r + 1; k < n; k++ {
			x[r] -= a[r][k] * x[k]
		}
		x[r] /= a[r][r]
	}
	return x, nil
}
