package sampling

import (
	"fmt"
	"math"
	"slices"
)

// Family selects the few schedule tables that differ between model families
// (today only Align Your Steps).
type Family string

// Model families with their own published tables.
const (
	FamilySD1  Family = "sd1"
	FamilySDXL Family = "sdxl"
)

// Stable Diffusion's training schedule (CompVis ldm configs: linear_start,
// linear_end, timesteps with beta_schedule "linear", which is scaled-linear).
const (
	SDBetaStart = 0.00085
	SDBetaEnd   = 0.012
	SDSteps     = 1000
)

// ScaledLinearAlphasCumprod returns ᾱ_t for betas = linspace(√β0, √β1, T)²,
// the schedule of every SD1.x/SD2.x/SDXL checkpoint (ldm
// make_beta_schedule("linear"), computed in float64 as ldm does).
func ScaledLinearAlphasCumprod(steps int, betaStart, betaEnd float64) ([]float64, error) {
	if steps < 2 || steps > 1_000_000 {
		return nil, fmt.Errorf("scaled-linear schedule: steps %d out of range [2, 1e6]", steps)
	}
	if !(betaStart > 0) || !(betaEnd >= betaStart) || !(betaEnd < 1) {
		return nil, fmt.Errorf("scaled-linear schedule: need 0 < beta_start <= beta_end < 1, got %g, %g", betaStart, betaEnd)
	}
	a, b := math.Sqrt(betaStart), math.Sqrt(betaEnd)
	out := make([]float64, steps)
	prod := 1.0
	for i := range out {
		r := a + (b-a)*float64(i)/float64(steps-1)
		prod *= 1 - r*r
		out[i] = prod
	}
	return out, nil
}

// Discrete is a model trained on a finite set of noise levels, σ_t =
// √((1−ᾱ_t)/ᾱ_t) for t = 0…T−1 (k-diffusion DiscreteSchedule). It is
// immutable after construction and safe to share.
type Discrete struct {
	sigmas    []float64 // ascending in t
	logSigmas []float64
	family    Family
}

// NewDiscrete builds the schedule from ᾱ_t, which must lie in (0, 1) and
// decrease with t.
func NewDiscrete(alphasCumprod []float64, family Family) (*Discrete, error) {
	if len(alphasCumprod) < 2 {
		return nil, fmt.Errorf("discrete schedule: need at least 2 alphas_cumprod, got %d", len(alphasCumprod))
	}
	d := &Discrete{
		sigmas:    make([]float64, len(alphasCumprod)),
		logSigmas: make([]float64, len(alphasCumprod)),
		family:    family,
	}
	for i, ac := range alphasCumprod {
		if !(ac > 0 && ac < 1) {
			return nil, fmt.Errorf("discrete schedule: alphas_cumprod[%d] = %g not in (0, 1)", i, ac)
		}
		if i > 0 && !(ac < alphasCumprod[i-1]) {
			return nil, fmt.Errorf("discrete schedule: alphas_cumprod[%d] = %g does not decrease", i, ac)
		}
		d.sigmas[i] = math.Sqrt((1 - ac) / ac)
		d.logSigmas[i] = math.Log(d.sigmas[i])
	}
	return d, nil
}

// StableDiffusion returns the schedule shared by SD1.x, SD2.x and SDXL
// (σ_min ≈ 0.0292, σ_max ≈ 14.6146).
func StableDiffusion(family Family) *Discrete {
	ac, err := ScaledLinearAlphasCumprod(SDSteps, SDBetaStart, SDBetaEnd)
	if err != nil {
		panic("engine: sampling: built-in SD schedule rejected: " + err.Error())
	}
	d, err := NewDiscrete(ac, family)
	if err != nil {
		panic("engine: sampling: built-in SD schedule rejected: " + err.Error())
	}
	return d
}

// Len is the number of training timesteps T.
func (d *Discrete) Len() int { return len(d.sigmas) }

// Family is the model family the schedule was built for.
func (d *Discrete) Family() Family { return d.family }

// Sigmas returns a copy of σ_t for t = 0…T−1 (ascending).
func (d *Discrete) Sigmas() []float64 { return slices.Clone(d.sigmas) }

// SigmaMin is σ_0, the smallest trained noise level.
func (d *Discrete) SigmaMin() float64 { return d.sigmas[0] }

// SigmaMax is σ_{T−1}, the largest trained noise level.
func (d *Discrete) SigmaMax() float64 { return d.sigmas[len(d.sigmas)-1] }

// SigmaToT maps σ to a fractional timestep by linear interpolation in
// log σ between the two neighbouring trained levels, clamped to [0, T−1]
// (k-diffusion DiscreteSchedule.sigma_to_t). With quantize it returns the
// nearest trained timestep instead, as ComfyUI's ModelSamplingDiscrete does.
func (d *Discrete) SigmaToT(sigma float64, quantize bool) float64 {
	ls := math.Log(sigma)
	if quantize {
		best, bestDist := 0, math.Inf(1)
		for i, l := range d.logSigmas {
			if dist := math.Abs(ls - l); dist < bestDist {
				best, bestDist = i, dist
			}
		}
		return float64(best)
	}
	// low is the last index with log σ_low <= log σ (0 when none), kept one
	// below the end so high = low+1 exists.
	low, _ := slices.BinarySearch(d.logSigmas, ls)
	if low < len(d.logSigmas) && d.logSigmas[low] == ls {
		low++
	}
	low = min(max(low-1, 0), len(d.logSigmas)-2)
	lo, hi := d.logSigmas[low], d.logSigmas[low+1]
	w := min(max((lo-ls)/(lo-hi), 0), 1)
	return float64(low) + w
}

// TToSigma maps a fractional timestep to σ by linear interpolation of log σ
// (k-diffusion DiscreteSchedule.t_to_sigma), clamping t to [0, T−1].
func (d *Discrete) TToSigma(t float64) float64 {
	t = min(max(t, 0), float64(len(d.sigmas)-1))
	low := math.Floor(t)
	high := math.Ceil(t)
	w := t - low
	return math.Exp((1-w)*d.logSigmas[int(low)] + w*d.logSigmas[int(high)])
}
