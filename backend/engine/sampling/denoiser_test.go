package sampling

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vpModel is a network that knows the true x0 and noise behind its input and
// answers what a perfect ε- or v-model would: with α = 1/√(1+σ²) and
// σ_vp = σ·α, the network sees x_vp = α·x0 + σ_vp·n, and ε = n,
// v = α·n − σ_vp·x0 (Salimans & Ho 2022, §4).
func vpModel(pred Prediction, x0, n []float32, sigma float64, seen *[]float32) Model {
	return func(ctx context.Context, x []float32, t float64, c Cond) ([]float32, error) {
		*seen = append([]float32(nil), x...)
		a := 1 / math.Sqrt(1+sigma*sigma)
		out := make([]float32, len(x))
		for i := range out {
			if pred == PredictEpsilon {
				out[i] = n[i]
			} else {
				out[i] = float32(a*float64(n[i]) - sigma*a*float64(x0[i]))
			}
		}
		return out, nil
	}
}

func TestModelDenoiserRecoversX0(t *testing.T) {
	x0 := []float32{0.5, -1.25, 2, 0}
	n := []float32{1, -0.5, 0.25, 2}
	for _, tc := range []struct {
		name string
		pred Prediction
	}{{"eps", PredictEpsilon}, {"v", PredictV}} {
		for _, sigma := range []float64{0.03, 1, 14.6} {
			t.Run(tc.name, func(t *testing.T) {
				x := make([]float32, len(x0))
				for i := range x {
					x[i] = float32(float64(x0[i]) + sigma*float64(n[i]))
				}
				var seen []float32
				d := &ModelDenoiser{
					Model: vpModel(tc.pred, x0, n, sigma, &seen), Schedule: StableDiffusion(FamilySD1),
					Prediction: tc.pred, Scale: 1, Conds: func(int) (Cond, Cond) { return "c", "u" },
				}
				got, err := d.Denoise(t.Context(), x, sigma)
				require.NoError(t, err)
				tol := 2e-5 * max(1, sigma)
				for i := range x0 {
					assert.InDelta(t, x0[i], got[i], tol, "σ=%v element %d", sigma, i)
					// The network saw x scaled by c_in = 1/√(σ²+1).
					assert.InDelta(t, float64(x[i])/math.Sqrt(sigma*sigma+1), seen[i], 1e-6)
				}
			})
		}
	}
}

func TestModelDenoiserGuidanceAndSteps(t *testing.T) {
	type call struct {
		t    float64
		cond Cond
	}
	var calls []call
	model := func(ctx context.Context, x []float32, tt float64, c Cond) ([]float32, error) {
		calls = append(calls, call{tt, c})
		v := float32(1)
		if c.(string)[0] == 'u' {
			v = 3
		}
		return []float32{v, v}, nil
	}
	m := StableDiffusion(FamilySD1)
	sigmas := []float64{10, 5, 1, 0}
	d := &ModelDenoiser{
		Model: model, Schedule: m, Scale: 7, Sigmas: sigmas,
		Conds: func(step int) (Cond, Cond) { return []string{"c0", "c1", "c2"}[step], []string{"u0", "u1", "u2"}[step] },
	}
	x := []float32{2, 4}
	got, err := d.Denoise(t.Context(), x, 5)
	require.NoError(t, err)
	// ε = uncond + 7·(cond − uncond) = 3 + 7·(1 − 3) = −11; x0 = x − σ·ε.
	assert.InDelta(t, 2+5*11, got[0], 1e-4)
	assert.InDelta(t, 4+5*11, got[1], 1e-4)
	require.Len(t, calls, 2)
	assert.Equal(t, Cond("c1"), calls[0].cond)
	assert.Equal(t, Cond("u1"), calls[1].cond)
	assert.InDelta(t, m.SigmaToT(5, false), calls[0].t, 1e-12)

	// A second-order sampler's midpoint evaluation stays in its step.
	calls = nil
	_, err = d.Denoise(t.Context(), x, 3)
	require.NoError(t, err)
	assert.Equal(t, Cond("c1"), calls[0].cond)

	// Scale 1 skips the unconditional pass; Quantize sends integer t.
	calls = nil
	d.Scale, d.Quantize = 1, true
	got, err = d.Denoise(t.Context(), x, 1)
	require.NoError(t, err)
	require.Len(t, calls, 1)
	assert.Equal(t, Cond("c2"), calls[0].cond)
	assert.Equal(t, math.Round(calls[0].t), calls[0].t)
	assert.InDelta(t, 2-1, got[0], 1e-6)

	// σ = 0: x is already clean and the model is not called.
	calls = nil
	got, err = d.Denoise(t.Context(), x, 0)
	require.NoError(t, err)
	assert.Equal(t, x, got)
	assert.Empty(t, calls)
}

func TestModelDenoiserErrors(t *testing.T) {
	boom := errors.New("boom")
	m := StableDiffusion(FamilySD1)
	conds := func(int) (Cond, Cond) { return nil, nil }
	for _, tc := range []struct {
		name  string
		d     *ModelDenoiser
		sigma float64
		is    error
	}{
		{"model error", &ModelDenoiser{Schedule: m, Conds: conds, Scale: 1,
			Model: func(context.Context, []float32, float64, Cond) ([]float32, error) { return nil, boom }}, 1, boom},
		{"short output", &ModelDenoiser{Schedule: m, Conds: conds, Scale: 2,
			Model: func(context.Context, []float32, float64, Cond) ([]float32, error) { return []float32{1}, nil }}, 1, nil},
		{"missing model", &ModelDenoiser{Schedule: m, Conds: conds}, 1, nil},
		{"negative sigma", &ModelDenoiser{Schedule: m, Conds: conds,
			Model: func(context.Context, []float32, float64, Cond) ([]float32, error) { return []float32{1, 1}, nil }}, -1, nil},
		{"nan sigma", &ModelDenoiser{Schedule: m, Conds: conds,
			Model: func(context.Context, []float32, float64, Cond) ([]float32, error) { return []float32{1, 1}, nil }}, math.NaN(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.d.Denoise(t.Context(), []float32{1, 2}, tc.sigma)
			require.Error(t, err)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

func TestStepIndex(t *testing.T) {
	sigmas := []float64{10, 5, 1, 0}
	for _, tc := range []struct {
		sigma float64
		want  int
	}{{10, 0}, {7, 0}, {5, 1}, {4.9999, 1}, {1, 2}, {0.5, 2}, {20, 0}} {
		assert.Equal(t, tc.want, StepIndex(sigmas, tc.sigma), "σ=%v", tc.sigma)
	}
	assert.Equal(t, 0, StepIndex(nil, 3))
}

// TestModelDenoiserPair checks that a PairModel replaces the two guidance
// passes with one call, gives the same result, and that declining (ok
// false) falls back to two Model calls.
func TestModelDenoiserPair(t *testing.T) {
	var single, pairs int
	model := func(ctx context.Context, x []float32, tt float64, c Cond) ([]float32, error) {
		single++
		if c.(string) == "u" {
			return []float32{3, 3}, nil
		}
		return []float32{1, 1}, nil
	}
	accept := true
	pair := func(ctx context.Context, x []float32, tt float64, c, u Cond) ([]float32, []float32, bool, error) {
		if !accept {
			return nil, nil, false, nil
		}
		pairs++
		return []float32{1, 1}, []float32{3, 3}, true, nil
	}
	d := &ModelDenoiser{Model: model, Pair: pair, Schedule: StableDiffusion(FamilySD1), Scale: 7,
		Conds: func(int) (Cond, Cond) { return "c", "u" }}
	x := []float32{2, 4}
	got, err := d.Denoise(t.Context(), x, 5)
	require.NoError(t, err)
	assert.Equal(t, 1, pairs)
	assert.Equal(t, 0, single)
	assert.InDelta(t, 2+5*11, got[0], 1e-4)

	accept = false
	again, err := d.Denoise(t.Context(), x, 5)
	require.NoError(t, err)
	assert.Equal(t, 2, single)
	assert.Equal(t, got, again)

	// Scale 1 needs no pair.
	d.Scale, accept, single, pairs = 1, true, 0, 0
	_, err = d.Denoise(t.Context(), x, 5)
	require.NoError(t, err)
	assert.Equal(t, 0, pairs)
	assert.Equal(t, 1, single)

	// A pair's error and a short result are reported.
	d.Scale = 7
	d.Pair = func(context.Context, []float32, float64, Cond, Cond) ([]float32, []float32, bool, error) {
		return nil, nil, false, errors.New("boom")
	}
	_, err = d.Denoise(t.Context(), x, 5)
	require.ErrorContains(t, err, "boom")
	d.Pair = func(context.Context, []float32, float64, Cond, Cond) ([]float32, []float32, bool, error) {
		return []float32{1}, []float32{1}, true, nil
	}
	_, err = d.Denoise(t.Context(), x, 5)
	require.ErrorContains(t, err, "paired model returned 1 and 1 values")
}
