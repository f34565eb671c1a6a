// Package vae is the latent-diffusion autoencoder: LDM's AutoencoderKL
// (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
// Diffusion Models", §3 and appendix G; reference ldm/modules/diffusionmodules/model.py
// Encoder, Decoder, ResnetBlock, AttnBlock).
//
// It reads the single-file LDM key layout (first_stage_model.encoder.*,
// decoder.*, quant_conv, post_quant_conv) and standalone VAE files, which
// are the same names without the prefix; widths come from detect.VAEConfig,
// which reads them from shapes. Encode maps an image in [-1, 1] to the
// diffusion model's latent space, (z − shift)·scale; Decode inverts it.
// EncodeTiled and DecodeTiled run the autoencoder tile by tile, blending the
// overlaps with a linear feather, so memory stays bounded by the tile size
// for any image size.
package vae
