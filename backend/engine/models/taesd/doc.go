// Package taesd is TAESD, the Tiny AutoEncoder for Stable Diffusion
// (madebyollin/taesd, taesd.py): a small convolutional encoder and decoder
// distilled to match a diffusion model's VAE latents, fast enough for live
// previews and cheap img2img.
//
// Two variants share the code: the SD 1.x/2.x/SDXL one (4 latent channels)
// and FLUX.2's (taef2: 32 latent channels, and each Block at latent
// resolution first adds x = x + pool(x), pool being conv1×1 → GroupNorm(4)
// → ReLU → conv1×1). Weights are flat nn.Sequential state dicts
// ("1.weight", "3.conv.0.weight", "3.pool.1.bias"); the layer list, every
// width and the latent channel count are read from those names and shapes,
// and only the Sequential's structure is fixed here.
//
// Images are RGB in [0, 1] (not the VAE's [-1, 1]); latents are the
// diffusion model's own (already scaled) latents.
package taesd
