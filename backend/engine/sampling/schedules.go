package sampling

import (
	"errors"
	"fmt"
	"math"
)

// Schedule returns the sigmas of an n-step run for a model: n+1 values,
// strictly decreasing, ending in 0 (ddim_uniform may give more, as its
// references do; see DDIMUniform). Schedules are pure functions.
type Schedule func(m *Discrete, n int) ([]float64, error)

// maxSteps bounds n so that a bad request cannot allocate without limit.
const maxSteps = 10_000

func checkSchedule(m *Discrete, n int) error {
	if m == nil {
		return errors.New("schedule: nil model schedule")
	}
	if n < 1 || n > maxSteps {
		return fmt.Errorf("schedule: steps %d out of range [1, %d]", n, maxSteps)
	}
	return nil
}

// linspace is numpy/torch linspace: n points from a to b inclusive.
func linspace(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		if n == 1 {
			out[i] = a
			continue
		}
		out[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return out
}

// Normal spaces n timesteps evenly from T−1 to 0 and maps them to sigmas
// (k-diffusion DiscreteSchedule.get_sigmas; A1111 "Uniform"/"Normal",
// ComfyUI "normal").
func Normal(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	ts := linspace(float64(m.Len()-1), 0, n)
	out := make([]float64, 0, n+1)
	for _, t := range ts {
		out = append(out, m.TToSigma(t))
	}
	return append(out, 0), nil
}

// SGMUniform spaces n+1 timesteps evenly from T−1 to 0 and drops the last,
// as Stability's SGM samplers (SDXL Turbo, LCM) expect (ComfyUI
// normal_scheduler(sgm=True); A1111 "SGM Uniform").
func SGMUniform(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	ts := linspace(float64(m.Len()-1), 0, n+1)[:n]
	out := make([]float64, 0, n+1)
	for _, t := range ts {
		out = append(out, m.TToSigma(t))
	}
	return append(out, 0), nil
}

// Karras uses the model's σ_min and σ_max with ρ = 7 (KarrasSigmas).
func Karras(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	return KarrasSigmas(n, m.SigmaMin(), m.SigmaMax(), 7), nil
}

// KarrasSigmas is σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ
// followed by 0 (Karras et al. 2022, eq. 5; k-diffusion get_sigmas_karras).
func KarrasSigmas(n int, sigmaMin, sigmaMax, rho float64) []float64 {
	lo, hi := math.Pow(sigmaMin, 1/rho), math.Pow(sigmaMax, 1/rho)
	out := make([]float64, 0, n+1)
	for _, r := range linspace(0, 1, n) {
		out = append(out, math.Pow(hi+r*(lo-hi), rho))
	}
	return append(out, 0)
}

// Exponential spaces sigmas evenly in log σ from σ_max to σ_min
// (k-diffusion get_sigmas_exponential).
func Exponential(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	out := make([]float64, 0, n+1)
	for _, l := range linspace(math.Log(m.SigmaMax()), math.Log(m.SigmaMin()), n) {
		out = append(out, math.Exp(l))
	}
	return append(out, 0), nil
}

// Simple takes every (T/n)-th trained sigma from the top (ComfyUI
// simple_scheduler; A1111 "Simple").
func Simple(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	ss := float64(m.Len()) / float64(n)
	out := make([]float64, 0, n+1)
	for i := range n {
		out = append(out, m.sigmas[m.Len()-1-int(float64(i)*ss)])
	}
	return append(out, 0), nil
}

// DDIMUniform takes the trained sigmas at t = 1, 1+c, 1+2c, … with
// c = ⌊T/n⌋, the timesteps of CompVis DDIM's "uniform" discretisation,
// highest first (ComfyUI ddim_scheduler; A1111 "DDIM"). When T is not a
// multiple of n this gives more than n steps, exactly as the references do,
// so that seeds reproduce.
func DDIMUniform(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	c := max(m.Len()/n, 1)
	var rev []float64
	for t := 1; t < m.Len(); t += c {
		rev = append(rev, m.sigmas[t])
	}
	out := make([]float64, 0, len(rev)+1)
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return append(out, 0), nil
}

// KLOptimal spaces sigmas evenly in arctan σ (Sabour et al. 2024, "Align
// Your Steps", eq. 24; ComfyUI kl_optimal_scheduler).
func KLOptimal(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	lo, hi := math.Atan(m.SigmaMin()), math.Atan(m.SigmaMax())
	out := make([]float64, 0, n+1)
	for _, w := range linspace(0, 1, n) {
		out = append(out, math.Tan(w*lo+(1-w)*hi))
	}
	return append(out, 0), nil
}

// betaScheduleAB is the α = β = 0.6 of the beta schedule (Lee et al. 2024,
// "Beta Sampling is All You Need"; ComfyUI and A1111 defaults).
const betaScheduleAB = 0.6

// Beta places timesteps at the quantiles of a Beta(0.6, 0.6) distribution,
// denser at both ends, rounded to trained timesteps with repeats dropped
// (ComfyUI beta_scheduler; so it may return fewer than n steps).
func Beta(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	total := float64(m.Len() - 1)
	out := make([]float64, 0, n+1)
	last := -1.0
	for i := range n {
		q := 1 - float64(i)/float64(n) // linspace(0, 1, n, endpoint=False)
		t := math.RoundToEven(betaQuantile(q, betaScheduleAB, betaScheduleAB) * total)
		if t != last {
			out = append(out, m.sigmas[int(t)])
		}
		last = t
	}
	return append(out, 0), nil
}

// BetaA1111 is A1111's variant of the beta schedule: the quantiles at
// 1 − linspace(0, 1, n) interpolate linearly between σ_min and σ_max (A1111
// sd_schedulers.beta_scheduler).
func BetaA1111(m *Discrete, n int) ([]float64, error) {
	if err := checkSchedule(m, n); err != nil {
		return nil, err
	}
	lo, hi := m.SigmaMin(), m.SigmaMax()
	out := make([]float64, 0, n+1)
	for _, p := range linspace(0, 1, n) {
		out = append(out, lo+betaQuantile(1-p, betaScheduleAB, betaScheduleAB)*(hi-lo))
	}
	return append(out, 0), nil
}

// DiscardPenultimate drops the next-to-last sigma: A1111 and ComfyUI compute
// n+1 sigmas for DPM2-type samplers and remove it, so the last real step is
// not a tiny one (A1111 discard_next_to_last_sigma, ComfyUI
// DISCARD_PENULTIMATE_SIGMA_SAMPLERS).
func DiscardPenultimate(sigmas []float64) []float64 {
	if len(sigmas) < 3 {
		return append([]float64(nil), sigmas...)
	}
	out := append([]float64(nil), sigmas[:len(sigmas)-2]...)
	return append(out, sigmas[len(sigmas)-1])
}
