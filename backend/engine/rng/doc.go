// Package rng makes the initial and per-step noise of a generation so that a
// seed gives the same image here as in the tool it came from.
//
// Two sources are reproduced number for number (up to the last float32 ulp of
// the transcendental functions, see each type):
//
//   - TorchCPU is PyTorch's CPU generator: torch.manual_seed(s) followed by
//     torch.randn(shape) calls. ComfyUI draws its initial noise this way
//     (comfy.sample.prepare_noise: one torch.randn over the whole batch
//     [B,C,H,W] from one seed), and so does A1111 with the "CPU" source.
//   - Philox is A1111's "NV" source (modules/rng_philox.py), a CPU
//     reimplementation of torch.randn on CUDA; A1111's "GPU" source on an
//     NVIDIA card gives the same numbers, so both kinds map to it.
//
// On top of them InitialNoise, BatchNoise and SamplerNoise follow A1111's
// ImageRNG (modules/rng.py): per-image seeds, variation seeds (subseed,
// strength) mixed with A1111's slerp, "resize seed from", and the per-image
// generators that ancestral and SDE samplers continue to draw from.
//
// Scaling the initial noise is the pipeline's job. A1111 multiplies it by
// sigmas[0] (sd_samplers_kdiffusion.py), or by √(1+sigmas[0]²) only with its
// "SGM noise multiplier" option. ComfyUI multiplies by √(1+σ²) when the
// schedule starts at the model's σ_max (EPS.noise_scaling with max_denoise,
// i.e. txt2img at denoise 1) and by σ otherwise, then adds the latent, as
// img2img does in both.
//
// The package is a leaf: no engine imports, no package-level mutable state.
// Every generator is a value owned by its caller and is not safe for
// concurrent use.
package rng
