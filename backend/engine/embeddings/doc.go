// Package embeddings loads textual-inversion embeddings (Gal et al. 2022,
// "An Image is Worth One Word") and splices their vectors into a text
// encoder's token embeddings.
//
// File formats: A1111's .pt (string_to_param.* — the single "*" entry),
// sd-scripts' .pt/.safetensors (emb_params), SDXL .safetensors with one
// part per text encoder (clip_l [n, 768], clip_g [n, 1280]), and
// diffusers' learned_embeds (one tensor named after its token). A prompt
// names an embedding by its file stem; Lookup finds it under the
// embeddings folder, ignoring case as A1111 does.
package embeddings
