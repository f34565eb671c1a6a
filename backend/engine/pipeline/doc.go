// Package pipeline turns a generation Request into images: it loads and
// caches checkpoints, builds the text conditioning (A1111 prompt syntax, CLIP
// skip, SDXL's two encoders and size vector), runs a sampler from the
// sampling package over the UNet (txt2img, img2img, inpainting, hires fix,
// SDXL refiner hand-over), decodes with the VAE and writes PNGs carrying
// A1111-style parameters and the full request.
//
// Engine.Generate is the one public entry (STYLE §5): the CLI, the engine
// worker and tests all call it. Everything model-specific is read from
// detect's configs, so the tiny fixtures with the real key layout run
// through exactly the code a released checkpoint does.
package pipeline
