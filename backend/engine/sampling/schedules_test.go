package sampling

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SD1.5 noise range as published with k-diffusion and A1111
// (CompVisDenoiser sigma_min/sigma_max printed to 4 decimals).
const (
	sd15SigmaMin = 0.0292
	sd15SigmaMax = 14.6146
)

func TestStableDiffusionRange(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	assert.Equal(t, 1000, m.Len())
	assert.InDelta(t, sd15SigmaMin, m.SigmaMin(), 5e-5)
	assert.InDelta(t, sd15SigmaMax, m.SigmaMax(), 5e-5)
	s := m.Sigmas()
	assert.True(t, slices.IsSorted(s), "trained sigmas ascend with t")
	s[0] = -1
	assert.Positive(t, m.SigmaMin(), "Sigmas returns a copy")
}

func TestNewDiscreteRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		ac   []float64
	}{
		{"too short", []float64{0.5}},
		{"zero", []float64{0.9, 0}},
		{"one", []float64{1, 0.5}},
		{"increasing", []float64{0.5, 0.6}},
		{"nan", []float64{0.9, math.NaN()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewDiscrete(tc.ac, FamilySD1)
			require.Error(t, err)
		})
	}
	_, err := ScaledLinearAlphasCumprod(1, 0.1, 0.2)
	require.Error(t, err)
	_, err = ScaledLinearAlphasCumprod(10, 0.2, 0.1)
	require.Error(t, err)
}

func TestSigmaTMapping(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	for _, tt := range []float64{0, 0.25, 1, 17.5, 500, 998.75, 999} {
		assert.InDelta(t, tt, m.SigmaToT(m.TToSigma(tt), false), 1e-9, "t=%v", tt)
	}
	// Integer timesteps hit the trained sigmas exactly.
	s := m.Sigmas()
	assert.InDelta(t, s[250], m.TToSigma(250), 1e-12)
	// Halfway in t is the geometric mean of the neighbours (log-σ interpolation).
	assert.InDelta(t, math.Sqrt(s[10]*s[11]), m.TToSigma(10.5), 1e-12)
	// Quantised: nearest trained timestep in log σ.
	assert.Equal(t, 10.0, m.SigmaToT(m.TToSigma(10.4), true))
	assert.Equal(t, 11.0, m.SigmaToT(m.TToSigma(10.6), true))
	// Out of range clamps, as k-diffusion's w.clamp(0, 1).
	assert.Equal(t, 0.0, m.SigmaToT(1e-4, false))
	assert.Equal(t, 999.0, m.SigmaToT(100, false))
	assert.InDelta(t, m.SigmaMax(), m.TToSigma(1e6), 1e-12)
}

// TestNormalPublished checks the 20-step "normal" schedule against the
// values k-diffusion's CompVisDenoiser.get_sigmas(20) prints for SD1.5
// (widely reproduced in A1111 and ComfyUI issue threads; 4 decimals).
func TestNormalPublished(t *testing.T) {
	want := []float64{14.6146, 10.7468, 8.0815, 6.2049, 4.8557, 3.8654, 3.1238, 2.5572, 2.1157, 1.7648,
		1.4806, 1.2458, 1.0481, 0.8784, 0.7297, 0.5964, 0.4736, 0.3555, 0.2322, 0.0292, 0}
	got, err := Normal(StableDiffusion(FamilySD1), 20)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		assert.InDelta(t, want[i], got[i], 6e-5, "sigma %d", i)
	}
}

// The reference implementations below transcribe the Python of the named
// sources statement by statement in float64 (no torch or numpy here). They
// stand apart from the package code on purpose: loops and indexing are
// written the way the references write them.

func refSigmas() []float64 {
	// ldm: betas = torch.linspace(start**0.5, end**0.5, 1000, float64)**2;
	// alphas_cumprod = cumprod(1 - betas); sigmas = ((1 - ac) / ac) ** 0.5.
	out := make([]float64, 1000)
	ac := 1.0
	for i := range out {
		b := math.Sqrt(0.00085) + float64(i)*(math.Sqrt(0.012)-math.Sqrt(0.00085))/999
		ac *= 1 - b*b
		out[i] = math.Sqrt((1 - ac) / ac)
	}
	return out
}

// refTToSigma is k-diffusion DiscreteSchedule.t_to_sigma.
func refTToSigma(sig []float64, t float64) float64 {
	lo, hi := math.Floor(t), math.Ceil(t)
	w := t - lo
	return math.Exp((1-w)*math.Log(sig[int(lo)]) + w*math.Log(sig[int(hi)]))
}

func refSchedule(name string, n int) []float64 {
	sig := refSigmas()
	smin, smax := sig[0], sig[999]
	var out []float64
	switch name {
	case "karras": // k-diffusion get_sigmas_karras, rho = 7
		for i := range n {
			ramp := 0.0
			if n > 1 {
				ramp = float64(i) / float64(n-1)
			}
			out = append(out, math.Pow(math.Pow(smax, 1/7.0)+ramp*(math.Pow(smin, 1/7.0)-math.Pow(smax, 1/7.0)), 7))
		}
	case "exponential": // get_sigmas_exponential
		for i := range n {
			f := 0.0
			if n > 1 {
				f = float64(i) / float64(n-1)
			}
			out = append(out, math.Exp(math.Log(smax)+f*(math.Log(smin)-math.Log(smax))))
		}
	case "normal", "sgm_uniform": // ComfyUI normal_scheduler
		steps := n
		if name == "sgm_uniform" {
			steps = n + 1
		}
		for i := range steps {
			ts := 999.0
			if steps > 1 {
				ts = 999 - 999*float64(i)/float64(steps-1)
			}
			out = append(out, refTToSigma(sig, ts))
		}
		out = out[:n]
	case "simple": // ComfyUI simple_scheduler
		ss := 1000 / float64(n)
		for x := range n {
			out = append(out, sig[len(sig)-(1+int(float64(x)*ss))])
		}
	case "ddim_uniform": // ComfyUI ddim_scheduler
		ss := max(1000/n, 1)
		for x := 1; x < 1000; x += ss {
			out = append([]float64{sig[x]}, out...)
		}
	case "kl_optimal": // ComfyUI kl_optimal_scheduler
		for i := range n {
			adj := 0.0
			if n > 1 {
				adj = float64(i) / float64(n-1)
			}
			out = append(out, math.Tan(adj*math.Atan(smin)+(1-adj)*math.Atan(smax)))
		}
	}
	return append(out, 0)
}

func TestSchedulesAgainstReference(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	for _, name := range []string{"karras", "exponential", "normal", "sgm_uniform", "simple", "ddim_uniform", "kl_optimal"} {
		for _, n := range []int{1, 2, 7, 20, 33, 50} {
			t.Run(name, func(t *testing.T) {
				fn, err := LookupSchedule(name)
				require.NoError(t, err)
				got, err := fn(m, n)
				require.NoError(t, err)
				want := refSchedule(name, n)
				require.Len(t, got, len(want), "n=%d", n)
				for i := range want {
					assert.InDelta(t, want[i], got[i], 1e-9*max(1, want[i]), "n=%d sigma %d", n, i)
				}
			})
		}
	}
}

func TestScheduleShapes(t *testing.T) {
	for _, fam := range []Family{FamilySD1, FamilySDXL} {
		m := StableDiffusion(fam)
		for _, name := range ScheduleNames() {
			fn, err := LookupSchedule(name)
			require.NoError(t, err)
			for _, n := range []int{1, 2, 3, 10, 11, 20, 25, 40, 150} {
				got, err := fn(m, n)
				require.NoError(t, err, "%s n=%d", name, n)
				assert.Equal(t, 0.0, got[len(got)-1], "%s n=%d ends in 0", name, n)
				for i := 1; i < len(got); i++ {
					require.Less(t, got[i], got[i-1], "%s n=%d strictly decreasing at %d", name, n, i)
				}
				assert.LessOrEqual(t, got[0], m.SigmaMax()+1e-3, "%s n=%d", name, n)
				switch name {
				case "ddim_uniform": // more steps when 1000 % n != 0, as the references
					assert.Len(t, got, (999+1000/n-1)/(1000/n)+1, "%s n=%d", name, n)
				case "beta": // repeats after rounding to trained timesteps are dropped
					assert.LessOrEqual(t, len(got), n+1, "%s n=%d", name, n)
				default:
					assert.Len(t, got, n+1, "%s n=%d", name, n)
				}
			}
		}
	}
}

func TestScheduleErrors(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	for _, name := range ScheduleNames() {
		fn, err := LookupSchedule(name)
		require.NoError(t, err)
		_, err = fn(m, 0)
		assert.Error(t, err, name)
		_, err = fn(m, maxSteps+1)
		assert.Error(t, err, name)
		_, err = fn(nil, 10)
		assert.Error(t, err, name)
	}
	_, err := AlignYourSteps(StableDiffusion("svd"), 10)
	assert.Error(t, err)
}

// TestAlignYourSteps checks the published 10-step tables (Sabour et al. 2024,
// as shipped in ComfyUI's AlignYourStepsScheduler and A1111 1.9).
func TestAlignYourSteps(t *testing.T) {
	sd1 := []float64{14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029}
	sdxl := []float64{14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029}
	for _, tc := range []struct {
		fam   Family
		table []float64
	}{{FamilySD1, sd1}, {FamilySDXL, sdxl}} {
		m := StableDiffusion(tc.fam)
		// ComfyUI: 10 steps use the table as is, the last level replaced by 0.
		got, err := AlignYourSteps(m, 10)
		require.NoError(t, err)
		assert.Equal(t, append(slices.Clone(tc.table[:10]), 0), got)
		// A1111: 11 steps use the table as is, then 0.
		got, err = AlignYourStepsA1111(m, 11)
		require.NoError(t, err)
		assert.Equal(t, append(slices.Clone(tc.table), 0), got)
		// Resampling to 20 steps keeps the ends and is log-linear: the level
		// halfway between table entries k and k+1 is their geometric mean.
		got, err = AlignYourSteps(m, 20)
		require.NoError(t, err)
		assert.InDelta(t, tc.table[0], got[0], 1e-12)
		assert.InDelta(t, tc.table[1], got[2], 1e-12)
		assert.InDelta(t, math.Sqrt(tc.table[0]*tc.table[1]), got[1], 1e-12)
		got, err = AlignYourStepsA1111(m, 21)
		require.NoError(t, err)
		assert.InDelta(t, tc.table[10], got[20], 1e-12)
	}
	// numpy's linspace(0, 1, 1) is [0]: A1111's one-step AYS starts at σ_min.
	got, err := AlignYourStepsA1111(StableDiffusion(FamilySD1), 1)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.InDelta(t, 0.029, got[0], 1e-15)
}

func TestBetaQuantile(t *testing.T) {
	for _, q := range []float64{0.01, 0.1, 0.3, 0.5, 0.77, 0.99} {
		// Beta(1, 1) is uniform; Beta(2, 2) has CDF 3x² − 2x³; Beta(½, ½) is
		// the arcsine law with quantile sin²(πq/2).
		assert.InDelta(t, q, betaQuantile(q, 1, 1), 1e-12)
		x := betaQuantile(q, 2, 2)
		assert.InDelta(t, q, 3*x*x-2*x*x*x, 1e-12)
		s := math.Sin(math.Pi * q / 2)
		assert.InDelta(t, s*s, betaQuantile(q, 0.5, 0.5), 1e-10)
		// Symmetry of Beta(a, a).
		assert.InDelta(t, 1-betaQuantile(q, 0.6, 0.6), betaQuantile(1-q, 0.6, 0.6), 1e-12)
	}
	assert.Equal(t, 0.0, betaQuantile(0, 0.6, 0.6))
	assert.Equal(t, 1.0, betaQuantile(1, 0.6, 0.6))
}

func TestBetaSchedules(t *testing.T) {
	m := StableDiffusion(FamilySD1)
	sig := m.Sigmas()
	got, err := Beta(m, 20)
	require.NoError(t, err)
	// ComfyUI's beta picks trained sigmas: the first quantile is 1 → t = 999.
	assert.Equal(t, sig[999], got[0])
	for _, s := range got[:len(got)-1] {
		assert.Contains(t, sig, s)
	}
	// Symmetric α = β puts the middle step at t ≈ 500.
	assert.InDelta(t, sig[500], got[10], sig[501]-sig[499])
	a, err := BetaA1111(m, 20)
	require.NoError(t, err)
	assert.InDelta(t, m.SigmaMax(), a[0], 1e-12)
	assert.InDelta(t, m.SigmaMin(), a[19], 1e-12)
}

func TestDiscardPenultimate(t *testing.T) {
	assert.Equal(t, []float64{3, 2, 0}, DiscardPenultimate([]float64{3, 2, 1, 0}))
	assert.Equal(t, []float64{1, 0}, DiscardPenultimate([]float64{1, 0}))
}
