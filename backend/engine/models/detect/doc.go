// Package detect recognises Stable Diffusion checkpoints and their parts
// (SD 1.x, SD 2.x ε and v, SDXL base and refiner, inpainting variants,
// standalone UNet, VAE and text-encoder files) from tensor names and shapes
// alone, never from file names, the way ComfyUI's model_detection does.
//
// Every hyper-parameter that a shape can tell (widths, level counts, blocks
// per level, transformer depths, context width, latent channels, vocabulary
// and position counts) is read from the file, so tiny test models with the
// real key layout are described by the very same code. Family defaults
// (config.go) fill in only what shapes cannot say: attention heads, latent
// scale factors, the text encoder's activation, output layer and padding.
//
// The layout understood is the single-file LDM one: model.diffusion_model.*,
// first_stage_model.*, cond_stage_model.* (SD 1.x/2.x) and
// conditioner.embedders.N.* (SDXL). Diffusers folders are not.
package detect
