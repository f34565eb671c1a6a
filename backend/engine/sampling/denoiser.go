package sampling

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Denoiser estimates the clean sample x0 from x = x0 + σ·n. It is all a
// sampler knows about the model (k-diffusion external.py's wrappers).
type Denoiser interface {
	Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error)
}

// DenoiserFunc adapts a function to Denoiser.
type DenoiserFunc func(ctx context.Context, x []float32, sigma float64) ([]float32, error)

// Denoise implements Denoiser.
func (f DenoiserFunc) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	return f(ctx, x, sigma)
}

// Cond is a model's conditioning (text embeddings, pooled vectors, control
// hints…); sampling passes it through untouched.
type Cond any

// Model runs the network once: x is already scaled by c_in, t is the
// (fractional) training timestep, and the result is the raw network output
// (ε or v, per Prediction), the same length as x.
type Model func(ctx context.Context, x []float32, t float64, cond Cond) ([]float32, error)

// PairModel evaluates the network for the conditional and the unconditional
// branch of classifier-free guidance together (one batched pass, which a GPU
// runs far better than two half-empty ones). ok false means it cannot pair
// these two (say, prompts of different lengths) and nothing was run.
type PairModel func(ctx context.Context, x []float32, t float64, cond, uncond Cond) (c, u []float32, ok bool, err error)

// Prediction is what the network was trained to output.
type Prediction int

const (
	// PredictEpsilon: the noise ε (SD1.x, SD2 base, SDXL).
	PredictEpsilon Prediction = iota
	// PredictV: v = α·ε − σ_vp·x0 (Salimans & Ho 2022; SD2 768-v).
	PredictV
)

// ModelDenoiser wraps a discrete-time network as a Denoiser: input scaling,
// σ→t, ε/v parameterisation, classifier-free guidance (Ho & Salimans 2022)
// and per-step conditioning live here and nowhere else.
type ModelDenoiser struct {
	// Model is the network.
	Model Model
	// Schedule is the model's training schedule, used for σ→t.
	Schedule *Discrete
	// Prediction is the network's output type.
	Prediction Prediction
	// Quantize rounds t to the nearest trained timestep (ComfyUI does;
	// k-diffusion and A1111 by default interpolate).
	Quantize bool
	// Scale is the guidance scale: out = uncond + Scale·(cond − uncond).
	// At exactly 1 the unconditional pass is skipped.
	Scale float64
	// Conds returns the conditioning for a sampler step, so prompt editing
	// ([a:b:step]) and alternation can change it along the run.
	Conds func(step int) (cond, uncond Cond)
	// Pair, when set, runs both guidance branches in one call when it can;
	// Model runs them otherwise. Either way the result is the same up to
	// float rounding.
	Pair PairModel
	// Sigmas is the run's schedule. A call at σ belongs to step i when
	// Sigmas[i] >= σ > Sigmas[i+1] (intermediate evaluations of second-order
	// samplers stay in their step). Nil means every call is step 0.
	Sigmas []float64
}

// Denoise implements Denoiser.
func (m *ModelDenoiser) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	if m.Model == nil || m.Schedule == nil || m.Conds == nil {
		return nil, errors.New("denoise: ModelDenoiser needs Model, Schedule and Conds")
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("denoise: sigma %g is not a finite non-negative number", sigma)
	}
	if sigma == 0 {
		// x is clean already; the network was never trained at σ = 0.
		return append([]float32(nil), x...), nil
	}
	step := StepIndex(m.Sigmas, sigma)
	cond, uncond := m.Conds(step)

	// c_in = 1/√(σ²+σ_data²) with σ_data = 1 brings x back to the
	// variance-preserving scale the network was trained on.
	cIn := 1 / math.Sqrt(sigma*sigma+1)
	xIn := make([]float32, len(x))
	for i, v := range x {
		xIn[i] = float32(float64(v) * cIn)
	}
	t := m.Schedule.SigmaToT(sigma, m.Quantize)

	var out, un []float32
	paired := false
	if m.Scale != 1 && m.Pair != nil {
		var err error
		out, un, paired, err = m.Pair(ctx, xIn, t, cond, uncond)
		if err != nil {
			return nil, fmt.Errorf("denoise step %d (cond+uncond, t=%.3f): %w", step, t, err)
		}
		if paired && (len(out) != len(x) || len(un) != len(x)) {
			return nil, fmt.Errorf("denoise step %d: paired model returned %d and %d values for %d inputs", step, len(out), len(un), len(x))
		}
	}
	if !paired {
		var err error
		if out, err = m.run(ctx, xIn, t, cond, "cond", step); err != nil {
			return nil, err
		}
	}
	if m.Scale != 1 {
		if !paired {
			var err error
			if un, err = m.run(ctx, xIn, t, uncond, "uncond", step); err != nil {
				return nil, err
			}
		}
		for i := range out {
			u := float64(un[i])
			out[i] = float32(u + m.Scale*(float64(out[i])-u))
		}
	}

	// x0 = c_skip·x + c_out·out (k-diffusion DiscreteEpsDDPMDenoiser and
	// CompVisVDenoiser get_scalings); guidance commutes with this affine map.
	cSkip, cOut := 1.0, -sigma
	if m.Prediction == PredictV {
		cSkip = 1 / (sigma*sigma + 1)
		cOut = -sigma * cIn
	}
	for i := range out {
		out[i] = float32(cSkip*float64(x[i]) + cOut*float64(out[i]))
	}
	return out, nil
}

func (m *ModelDenoiser) run(ctx context.Context, x []float32, t float64, c Cond, which string, step int) ([]float32, error) {
	out, err := m.Model(ctx, x, t, c)
	if err != nil {
		return nil, fmt.Errorf("denoise step %d (%s, t=%.3f): %w", step, which, t, err)
	}
	if len(out) != len(x) {
		return nil, fmt.Errorf("denoise step %d (%s): model returned %d values for %d inputs", step, which, len(out), len(x))
	}
	return out, nil
}

// StepIndex is the step of a sampler run over sigmas that an evaluation at
// sigma belongs to: the last i <= len(sigmas)−2 with sigmas[i] >= sigma
// (relative slack 1e-6 absorbs float round-off), or 0.
func StepIndex(sigmas []float64, sigma float64) int {
	i := 0
	for i+1 < len(sigmas)-1 && sigmas[i+1] >= sigma*(1-1e-6) {
		i++
	}
	return i
}
