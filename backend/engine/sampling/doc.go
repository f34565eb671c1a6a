// Package sampling turns a denoiser into images the way k-diffusion does
// (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based
// Generative Models"): the state x lives in σ-space, x = x0 + σ·n, and every
// sampler integrates from σ_max to 0 through a caller-chosen array of sigmas.
//
// The package has three layers, kept apart on purpose (STYLE.md §4):
//
//   - Discrete and the Schedule functions: the model's 1000 training noise
//     levels, the σ↔t mapping, and the sigma arrays users know by name
//     (normal, karras, exponential, sgm_uniform, simple, ddim_uniform, beta,
//     kl_optimal, align_your_steps). Schedules are pure functions.
//   - ModelDenoiser: the only code that knows how a network is parameterised
//     (ε or v), how σ maps to its timestep input, classifier-free guidance and
//     per-step conditioning. Samplers see only Denoiser.
//   - Samplers: one function per published algorithm with the shared Sampler
//     signature. Noise arrives through a NoiseSource argument; the SDE samplers
//     use a BrownianSource when one is passed (BrownianTree).
//
// LookupSampler and LookupSchedule map the names used by A1111, ComfyUI and
// DreamLayer's settings to these functions.
//
// State is plain []float32 so that samplers stay device-agnostic; the
// arithmetic on it is done in float64 per element.
package sampling
