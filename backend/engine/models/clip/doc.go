// Package clip holds the CLIP text side of Stable Diffusion: the byte-level
// BPE tokenizer shared by OpenAI CLIP-L (SD 1.x, SDXL) and OpenCLIP ViT-H/G
// (SD 2.x, SDXL), and the text transformer that turns a 77-token window into
// the UNet's cross-attention context (Radford et al. 2021, "Learning
// Transferable Visual Models From Natural Language Supervision", §2.4: a
// GPT-2-style pre-LN transformer with a causal mask).
//
// One model type serves every encoder: transformers' CLIPTextModel layout
// (SD 1.x and SDXL's CLIP-L) and open_clip's (SD 2.x ViT-H, SDXL bigG) differ
// in key names, which a renamer maps (keys.go), in the fused q/k/v
// projection (attention.go) and in how the pooled-output projection is
// stored (clip.go). Sizes come from detect.TextEncoderConfig.
package clip
