// Package lora patches low-rank adapters into a loaded model's weights:
// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language
// Models") and the LyCORIS family (Yeh et al. 2023, "Navigating
// Text-To-Image Customization: From LyCORIS Fine-Tuning to Model
// Evaluation"): LoCon (LoRA on convolutions, optionally with a Tucker core
// lora_mid), LoHa (Hadamard product of two low-rank products, optionally
// CP-decomposed with hada_t1/hada_t2), LoKr (Kronecker product, each
// factor full or low-rank, optionally with lokr_t2) and full diffs.
//
// Files use kohya's key style (lora_unet_…, lora_te_…, lora_te1_…,
// lora_te2_…, module names with "." turned into "_", in LDM or diffusers
// block names) or diffusers'/PEFT's (unet.…lora_A.weight / lora_B.weight,
// text_encoder.…, text_encoder_2.…, the older …lora.down.weight and
// processor.to_q_lora.down.weight). Every target is resolved to the
// checkpoint key a model registered through nn (nn.Registry): LDM UNet
// names, transformers CLIP names, and OpenCLIP's fused in_proj_weight,
// whose q, k and v row blocks take the q_proj, k_proj and v_proj deltas.
//
// A Patcher applies a set of adapters with their strengths as
// W' = W + Σ strength · scale · ΔW, computed in float32 on the host (the
// low-rank products on the device) and stored back in the weight's own
// dtype, so half weights stay half. The originals are kept, so Apply with
// another set first restores them and switching LoRAs needs no model
// reload; Restore puts back the bit-identical originals.
package lora
