// Package imageops is the pixel handling behind img2img, inpainting and hires
// fix, with the semantics AUTOMATIC1111 users know: the three resize modes of
// images.resize_image, Lanczos resampling as PIL does it, the Gaussian mask
// blur, the "only masked" crop region (masking.get_crop_region_v2 and
// expand_crop_region), the "fill" masked-content mode (masking.fill), the
// final overlay of the repainted region onto the original, and the "Latent"
// hires upscalers, which are torch.nn.functional.interpolate.
//
// Images are float32 planes in [0,1] (RGB: planar C,H,W), so a pipeline
// converts from image.Image once, works in floats, and converts back once.
// Masks are one plane: 0 keeps the original pixel, 1 repaints it.
//
// Sizes handed to these functions are the caller's invariants (the request is
// validated before): a zero or negative size, a crop outside the image or an
// unknown latent mode panics with an "imageops: …" message. Outside data
// (files) goes through Load/Decode, which return errors and bound memory
// before decoding.
//
// The package is a leaf: standard library only, no package-level mutable
// state. Work is spread over goroutines per row band; every function returns
// fresh buffers and never aliases its inputs.
package imageops
