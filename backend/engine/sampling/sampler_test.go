package sampling

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type samplerCase struct {
	name string
	fn   Sampler
	// order is the convergence order measured on the Gaussian toy with
	// eta = 0, and the bounds it must fall in.
	minOrder, maxOrder float64
	stochastic         bool // adds noise at its default eta
	brownian           bool // takes Brownian increments when offered
}

// allSamplers lists every sampler of the package. Expected orders: Euler and
// DDIM 1; Heun, DPM2, DPM++ 2S/2M/SDE, PLMS (constant-coefficient
// Adams–Bashforth on a non-uniform grid) 2; LMS and UniPC higher. DPM++ 3M
// follows k-diffusion, whose second-derivative term is half the Taylor
// coefficient, so on this problem it converges like a second-order method
// with a smaller constant (checked against 2M below).
func allSamplers() []samplerCase {
	return []samplerCase{
		{"euler", Euler, 0.8, 1.2, false, false},
		{"euler_a", EulerAncestral, 0.8, 1.2, true, false},
		{"ddim", DDIM, 0.8, 1.2, false, false},
		{"heun", Heun, 1.8, 2.5, false, false},
		{"dpm_2", DPM2, 1.8, 2.5, false, false},
		{"dpm_2_a", DPM2Ancestral, 1.8, 2.5, true, false},
		{"dpmpp_2s_a", DPMPP2SAncestral, 1.8, 2.5, true, false},
		{"dpmpp_2m", DPMPP2M, 1.8, 2.5, false, false},
		{"dpmpp_2m_sde", DPMPP2MSDE, 1.8, 2.5, true, true},
		{"dpmpp_2m_sde_heun", DPMPP2MSDEHeun, 1.8, 2.5, true, true},
		{"dpmpp_3m_sde", DPMPP3MSDE, 2.0, 3.5, true, true},
		{"dpmpp_sde", DPMPPSDE, 1.8, 2.5, true, true},
		{"lms", LMS, 2.9, 4.5, false, false},
		{"plms", PLMS, 1.8, 2.5, false, false},
		{"uni_pc", UniPC, 2.9, 4.5, false, false},
		{"uni_pc_bh2", UniPCBH2, 2.9, 4.5, false, false},
		{"lcm", LCM, 0, 0, true, false},
	}
}

func ptr(v float64) *float64 { return &v }

// TestODEConvergenceOrder runs each deterministic solver (stochastic ones at
// eta = 0) from σ_max to σ_min on Karras schedules of 10…80 steps and fits the
// slope of log error against log steps, the solver's order of accuracy.
func TestODEConvergenceOrder(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	errAt := map[string][]float64{}
	for _, sc := range allSamplers() {
		if sc.maxOrder == 0 {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			var errs []float64
			for _, n := range []int{10, 80} {
				// n steps ending at σ_min: the last step to 0 would add the same
				// O(σ_min²) error to every run and hide the order.
				sig := KarrasSigmas(n+1, m.SigmaMin(), m.SigmaMax(), 7)[:n+1]
				toy := newToy(64)
				x := toy.start(1, sig[0])
				got, err := sc.fn(t.Context(), toy, x, sig, nil, Options{Eta: ptr(0)}, nil)
				require.NoError(t, err)
				errs = append(errs, rmsErr(got, toy.flow(x, sig[0], sig[n])))
			}
			order := math.Log2(errs[0]/errs[1]) / 3
			assert.GreaterOrEqual(t, order, sc.minOrder, "errors %v", errs)
			assert.LessOrEqual(t, order, sc.maxOrder, "errors %v", errs)
			errAt[sc.name] = errs
		})
	}
	if e3, e2 := errAt["dpmpp_3m_sde"], errAt["dpmpp_2m"]; e3 != nil && e2 != nil {
		assert.Less(t, e3[0], e2[0]/2, "3M beats 2M at 10 steps")
		assert.Less(t, e3[1], e2[1]/2, "3M beats 2M at 80 steps")
	}
}

// TestODELandsOnExactSolution runs the full 50-step Karras schedule to σ = 0
// and compares with the closed-form probability-flow solution.
func TestODELandsOnExactSolution(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	sig, err := Karras(m, 50)
	require.NoError(t, err)
	for _, sc := range allSamplers() {
		if sc.maxOrder == 0 {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			toy := newToy(256)
			x := toy.start(2, sig[0])
			got, err := sc.fn(t.Context(), toy, x, sig, nil, Options{Eta: ptr(0)}, nil)
			require.NoError(t, err)
			// The final jump σ_min → 0 costs ~σ_min²/(2s²) relative
			// (≈ 5e-3 at s = 0.3) for every solver; first-order ones add ~1/n.
			tol := 0.006
			if sc.maxOrder < 1.5 {
				tol = 0.05
			}
			assert.Less(t, rmsErr(got, toy.flow(x, sig[0], 0)), tol)
		})
	}
}

// TestStochasticSamplersMatchData checks that the noise-adding samplers at
// their default eta draw from the data distribution: standardised samples
// (x − μ)/s over many dimensions have mean 0 and variance 1, and the
// variance error shrinks as steps grow (weak convergence).
func TestStochasticSamplersMatchData(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	for _, sc := range allSamplers() {
		if !sc.stochastic || sc.name == "lcm" {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			var verr []float64
			for _, n := range []int{10, 100} {
				sig, err := Karras(m, n)
				require.NoError(t, err)
				toy := newToy(8000)
				var noise NoiseSource = newGauss(11)
				if sc.brownian {
					noise, err = NewBrownianTreeFor(11, sig)
					require.NoError(t, err)
				}
				got, err := sc.fn(t.Context(), toy, toy.start(3, sig[0]), sig, noise, Options{}, nil)
				require.NoError(t, err)
				mean, v := toy.standardised(got)
				// Standard errors at 8000 dims: mean 0.011, variance 0.016.
				assert.InDelta(t, 0, mean, 0.05, "n=%d", n)
				verr = append(verr, math.Abs(v-1))
			}
			assert.Less(t, verr[1], 0.1, "variance error at 100 steps")
			assert.Less(t, verr[1], verr[0]+0.03, "variance error does not grow with steps")
		})
	}
}

// TestLCMMatchesAnalyticVariance: with the exact denoiser each LCM step maps
// a per-dimension variance v to (s²/(s²+σ²))²·v + σ_next², so the output
// variance is known in closed form.
func TestLCMMatchesAnalyticVariance(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	sig, err := SGMUniform(m, 6)
	require.NoError(t, err)
	toy := newToy(20000)
	got, err := LCM(t.Context(), toy, toy.start(5, sig[0]), sig, newGauss(5), Options{}, nil)
	require.NoError(t, err)
	ratio := 0.0
	for i, v := range got {
		s2 := toy.s[i] * toy.s[i]
		variance := s2 + sig[0]*sig[0]
		for k := range len(sig) - 1 {
			g := s2 / (s2 + sig[k]*sig[k])
			variance = g*g*variance + sig[k+1]*sig[k+1]
		}
		ratio += (float64(v) - toy.mu[i]) * (float64(v) - toy.mu[i]) / variance
	}
	assert.InDelta(t, 1, ratio/float64(len(got)), 0.03)
}

func TestSamplersDeterministicAndCallback(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	sig, err := Karras(m, 12)
	require.NoError(t, err)
	for _, sc := range allSamplers() {
		t.Run(sc.name, func(t *testing.T) {
			run := func(seed uint64) ([]float32, []int) {
				toy := newToy(33)
				x := toy.start(1, sig[0])
				orig := append([]float32(nil), x...)
				var noise NoiseSource = newGauss(seed)
				if sc.brownian {
					noise, err = NewBrownianTreeFor(seed, sig)
					require.NoError(t, err)
				}
				var steps []int
				out, err := sc.fn(t.Context(), toy, x, sig, noise, Options{}, func(i int, sigma float64, x0 []float32) {
					assert.Equal(t, sig[i], sigma)
					assert.Len(t, x0, len(x))
					steps = append(steps, i)
				})
				require.NoError(t, err)
				assert.Equal(t, orig, x, "input untouched")
				return out, steps
			}
			a, steps := run(1)
			b, _ := run(1)
			assert.Equal(t, a, b, "same seed, same result")
			assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, steps, "one callback per step")
			c, _ := run(2)
			if sc.stochastic {
				assert.NotEqual(t, a, c, "another seed, another result")
			} else {
				assert.Equal(t, a, c, "deterministic sampler ignores noise")
			}
		})
	}
}

// cancelAfter is a denoiser that cancels its run after k evaluations and
// counts the evaluations it is asked for.
type cancelAfter struct {
	toy    *gaussianToy
	k      int
	cancel context.CancelFunc
	calls  int
}

func (c *cancelAfter) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	c.calls++
	if c.calls == c.k {
		c.cancel()
	}
	return c.toy.Denoise(ctx, x, sigma)
}

func TestSamplersStopOnCancel(t *testing.T) {
	sig, err := Karras(StableDiffusion(FamilySD1), 10)
	require.NoError(t, err)
	for _, sc := range allSamplers() {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			d := &cancelAfter{toy: newToy(8), k: 3, cancel: cancel}
			_, err := sc.fn(ctx, d, d.toy.start(1, sig[0]), sig, newGauss(1), Options{}, nil)
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 3, d.calls, "no evaluation after cancellation")
		})
	}
}

func TestSamplersRejectBadArguments(t *testing.T) {
	toy := newToy(4)
	x := []float32{1, 2, 3, 4}
	good := []float64{10, 1, 0}
	for _, sc := range allSamplers() {
		t.Run(sc.name, func(t *testing.T) {
			for _, bad := range []struct {
				name   string
				d      Denoiser
				x      []float32
				sigmas []float64
				opts   Options
			}{
				{"nil denoiser", nil, x, good, Options{}},
				{"empty x", toy, nil, good, Options{}},
				{"one sigma", toy, x, []float64{1}, Options{}},
				{"increasing", toy, x, []float64{1, 2, 0}, Options{}},
				{"repeated", toy, x, []float64{2, 2, 0}, Options{}},
				{"nan", toy, x, []float64{math.NaN(), 0}, Options{}},
				{"starts at zero", toy, x, []float64{0, 0}, Options{}},
				{"negative eta", toy, x, good, Options{Eta: ptr(-1)}},
				{"inf s_noise", toy, x, good, Options{SNoise: ptr(math.Inf(1))}},
			} {
				_, err := sc.fn(t.Context(), bad.d, bad.x, bad.sigmas, newGauss(1), bad.opts, nil)
				assert.Error(t, err, bad.name)
			}
			_, err := sc.fn(t.Context(), toy, x, good, nil, Options{}, nil)
			if sc.stochastic {
				assert.ErrorIs(t, err, ErrNoNoise)
			} else {
				assert.NoError(t, err)
			}
			// A denoiser returning the wrong length is an error, not a panic.
			short := DenoiserFunc(func(context.Context, []float32, float64) ([]float32, error) { return []float32{1}, nil })
			_, err = sc.fn(t.Context(), short, x, good, newGauss(1), Options{}, nil)
			assert.Error(t, err)
		})
	}
}

// TestEtaZeroReductions: the ancestral forms at eta = 0 are their ODE
// parents, and DDIM at its default eta = 0 is Euler (Karras et al. 2022 §3).
func TestEtaZeroReductions(t *testing.T) {
	sig, err := Karras(StableDiffusion(FamilySD1), 15)
	require.NoError(t, err)
	run := func(fn Sampler, opts Options) []float32 {
		toy := newToy(40)
		out, err := fn(t.Context(), toy, toy.start(4, sig[0]), sig, newGauss(3), opts, nil)
		require.NoError(t, err)
		return out
	}
	zero := Options{Eta: ptr(0)}
	assert.Equal(t, run(Euler, Options{}), run(DDIM, Options{}))
	assert.Equal(t, run(Euler, Options{}), run(EulerAncestral, zero))
	assert.Equal(t, run(DPM2, Options{}), run(DPM2Ancestral, zero))
	assert.Equal(t, run(DPMPP2SAncestral, zero), run(DPMPPSDE, zero))
	// Same maths, different float32 rounding order.
	assert.InDeltaSlice(t, run(DPMPP2M, Options{}), run(DPMPP2MSDE, zero), 1e-5)
	// s_noise = 0 removes the added noise but keeps the step to σ_down, so it
	// is neither the noisy run nor Euler.
	quiet := run(EulerAncestral, Options{SNoise: ptr(0)})
	assert.NotEqual(t, run(EulerAncestral, Options{}), quiet)
	assert.NotEqual(t, run(Euler, Options{}), quiet)
}
