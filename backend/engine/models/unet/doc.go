// Package unet is the latent-diffusion UNet of Stable Diffusion 1.x, 2.x and
// SDXL (base and refiner): openaimodel.UNetModel of Rombach et al. 2022,
// "High-Resolution Image Synthesis with Latent Diffusion Models", with the
// SpatialTransformer of its attention.py.
//
// One file per block, each a struct of its weights plus Forward, in the
// order of the block diagram:
//
//	embed.go       time embedding (sinusoid → linear → SiLU → linear) and
//	               SDXL's label_emb with the ADM-vector helper
//	resblock.go    ResBlock: GroupNorm+SiLU → conv → + time projection →
//	               GroupNorm+SiLU → conv, plus the skip
//	transformer.go SpatialTransformer and BasicTransformerBlock
//	attention.go   CrossAttention (multi-head, optional context)
//	feedforward.go GEGLU feed-forward
//	sample.go      Downsample (stride-2 conv) and Upsample (nearest ×2 + conv)
//	unet.go        input_blocks, middle_block, output_blocks, out
//
// Every width, depth and head count comes from detect.UNetConfig, which is
// read from the checkpoint's shapes; config.go holds only the constants that
// every LDM UNet shares (GroupNorm groups and epsilons, the feed-forward and
// time-embedding multipliers). Weights are read by their LDM names
// (input_blocks.1.0.in_layers.0.weight, …) through nn.Weights; other key
// styles are renamed before they reach this package.
//
// Memory: each Forward frees its intermediates (nn.Free) as soon as the next
// stage has consumed them, so a device without a garbage collector holds at
// most a block's working set plus the skip connections. Forward never frees
// its arguments. On an error path intermediates may be left to the device's
// own reclamation.
package unet
