package sampling

import (
	"fmt"
	"math"
)

// aysTables are the 10-step noise levels published with Align Your Steps
// (Sabour, Fidler & Kreis 2024, "Align Your Steps: Optimizing Sampling
// Schedules in Diffusion Models"; NVIDIA's project page, as shipped in
// ComfyUI's AlignYourStepsScheduler NOISE_LEVELS and A1111 1.9
// sd_schedulers.get_align_your_steps_sigmas).
var aysTables = map[Family][11]float64{
	FamilySD1:  {14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029},
	FamilySDXL: {14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029},
}

func aysTable(m *Discrete) ([]float64, error) {
	fam := m.Family()
	if fam == "" {
		fam = FamilySD1
	}
	t, ok := aysTables[fam]
	if !ok {
		return nil, fmt.Errorf("align your steps: no table for model family %q", m.Family())
	}
	return t[:], nil
}

// logLinearInterp resamples a decreasing table to n points, linear in log σ
// over an evenly spaced abscissa, computed on the ascending table as both
// references' loglinear_interp do (which matters only for n = 1: numpy's
// linspace(0, 1, 1) is [0], the smallest level).
func logLinearInterp(table []float64, n int) []float64 {
	asc := make([]float64, len(table))
	for i, v := range table {
		asc[len(table)-1-i] = math.Log(v)
	}
	out := make([]float64, n)
	for i := range out {
		pos := 0.0
		if n > 1 {
			pos = float64(i) / float64(n-1) * float64(len(asc)-1)
		}
		k := min(int(pos), len(asc)-2)
		w := pos - float64(k)
		out[n-1-i] = math.Exp((1-w)*asc[k] + w*asc[k+1])
	}
	return out
}

// AlignYourSteps is ComfyUI's AlignYourStepsScheduler: the family's table
// resampled to n+1 levels, the last replaced by 0.
func AlignYourSteps(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	table, err := aysTable(m)
	if err != nil {
		return nil, err
	}
	out := append([]float64(nil), table...)
	if n+1 != len(table) {
		out = logLinearInterp(table, n+1)
	}
	out[n] = 0
	return out, nil
}

// AlignYourStepsA1111 is A1111's variant: the table resampled to n levels
// (keeping σ_min as the last non-zero one), then 0 appended.
func AlignYourStepsA1111(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	table, err := aysTable(m)
	if err != nil {
		return nil, err
	}
	out := append([]float64(nil), table...)
	if n != len(table) {
		out = logLinearInterp(table, n)
	}
	return append(out, 0), nil
}
