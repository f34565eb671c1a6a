package catalog

import (
	"slices"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// Classify tells a safetensors file's kind and family from its tensor names
// and shapes, the way ComfyUI's model detection does (comfy/model_detection.py:
// context_dim from a cross-attention to_k weight, adm_in_channels from
// label_emb, in_channels from the first convolution). folderKind is the kind
// named by the file's folder ("" or "unknown" when none); content overrides it
// only when the content is unambiguous, such as LoRA keys in a checkpoints
// folder. For LoRAs and embeddings, base is the family they were trained for
// and family is set to the same value.
func Classify(h *safetensors.Header, folderKind string) (kind, family string, inpaint, vpred bool, base string) {
	if folderKind == "" {
		folderKind = KindUnknown
	}
	ck := contentKind(h)
	kind = folderKind
	switch {
	case ck == "":
	case folderKind == KindUnknown:
		kind = ck
	case ck == KindLoRA || ck == KindEmbedding:
		// Small adapters are the files most often dropped in the wrong folder.
		kind = ck
	case ck == KindCheckpoint && (folderKind == KindLoRA || folderKind == KindVAE || folderKind == KindEmbedding):
		kind = ck
	case ck == KindVAE && folderKind == KindCheckpoint:
		kind = ck
	}

	family = FamilyUnknown
	switch kind {
	case KindLoRA:
		base = loraBase(h)
		family = orUnknown(base)
	case KindEmbedding:
		base = embeddingBase(h)
		family = orUnknown(base)
	case KindCheckpoint, KindUNet, KindControlNet:
		p := diffusionPrefix(h)
		family, inpaint = unetFamily(h, p)
		if family == FamilyUnknown {
			family = orUnknown(familyFromMetadata(h.Metadata))
		}
		if kind != KindControlNet {
			vpred = isVPrediction(h)
			family = variant(family, inpaint, vpred)
		}
	}
	return kind, family, inpaint, vpred, base
}

// variant names a denoiser's family with its variant: "-inpaint" for the
// families that have inpainting models, else "-v" for v-prediction (SD 1.x,
// SD 2.x 768-v, SDXL v-pred finetunes). A v-prediction inpainting model is
// labelled "-inpaint"; its VPrediction field still says v.
func variant(base string, inpaint, vpred bool) string {
	switch base {
	case FamilySD1, FamilySD2, FamilySDXL:
		if inpaint {
			return base + suffixInpaint
		}
		if vpred {
			return base + suffixV
		}
	case FamilyFlux:
		if inpaint {
			return FamilyFluxInpaint
		}
	}
	return base
}

func orUnknown(f string) string {
	if f == "" {
		return FamilyUnknown
	}
	return f
}

// hasPrefix reports whether any tensor name starts with p; the tensors are
// sorted, so the first name ≥ p decides.
func hasPrefix(h *safetensors.Header, p string) bool {
	i, _ := slices.BinarySearchFunc(h.Tensors, p, func(t safetensors.TensorInfo, s string) int {
		return strings.Compare(t.Name, s)
	})
	return i < len(h.Tensors) && strings.HasPrefix(h.Tensors[i].Name, p)
}

func anyName(h *safetensors.Header, pred func(string) bool) bool {
	for _, t := range h.Tensors {
		if pred(t.Name) {
			return true
		}
	}
	return false
}

// dim returns shape[i] of a tensor, or 0 when absent.
func dim(h *safetensors.Header, name string, i int) int64 {
	t, ok := h.Lookup(name)
	if !ok || len(t.Shape) <= i {
		return 0
	}
	return t.Shape[i]
}

func isLoRAName(n string) bool {
	for _, p := range []string{"lora_unet_", "lora_te_", "lora_te1_", "lora_te2_"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	for _, s := range []string{".lora_down.", ".lora_up.", ".lora_A.", ".lora_B.", ".lora.down.", ".lora.up.", "_lora.down.", ".hada_w1_a", ".lokr_w1"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// contentKind is the kind the tensors alone prove, or "" when they say nothing
// definite.
func contentKind(h *safetensors.Header) string {
	switch {
	case len(h.Tensors) == 0:
		return ""
	case anyName(h, isLoRAName):
		return KindLoRA
	case isEmbedding(h):
		return KindEmbedding
	case hasPrefix(h, "control_model.") || hasPrefix(h, "input_hint_block.") ||
		hasPrefix(h, "controlnet_cond_embedding.") || hasPrefix(h, "zero_convs."):
		return KindControlNet
	case hasPrefix(h, "model.diffusion_model."):
		return KindCheckpoint
	case hasPrefix(h, "input_blocks.") || hasPrefix(h, "joint_blocks.") || hasPrefix(h, "double_blocks."):
		return KindUNet
	case isVAE(h):
		return KindVAE
	case hasPrefix(h, "text_model.encoder.") || hasPrefix(h, "encoder.block.") || hasPrefix(h, "transformer.resblocks."):
		return KindTextEncoder
	}
	return ""
}

// isEmbedding recognises textual-inversion files: A1111's "emb_params" and the
// SDXL pair "clip_l" + "clip_g".
func isEmbedding(h *safetensors.Header) bool {
	if len(h.Tensors) > 3 {
		return false
	}
	_, emb := h.Lookup("emb_params")
	_, l := h.Lookup("clip_l")
	_, g := h.Lookup("clip_g")
	return emb || (l && g) || hasPrefix(h, "string_to_param.")
}

// isVAE recognises a standalone autoencoder: only first_stage_model.* keys
// (an LDM checkpoint's VAE cut out) or bare encoder.*/decoder.* keys.
func isVAE(h *safetensors.Header) bool {
	all := true
	for _, t := range h.Tensors {
		if !strings.HasPrefix(t.Name, "first_stage_model.") {
			all = false
			break
		}
	}
	return all || (hasPrefix(h, "encoder.") && hasPrefix(h, "decoder."))
}

// diffusionPrefix is where the denoiser's keys live: inside an LDM checkpoint,
// inside an LDM ControlNet, or at the top of a bare UNet/ControlNet file.
func diffusionPrefix(h *safetensors.Header) string {
	for _, p := range []string{"model.diffusion_model.", "control_model."} {
		if hasPrefix(h, p) {
			return p
		}
	}
	return ""
}

// unetFamily follows ComfyUI's detection: SD3 and FLUX by their block names,
// UNets by context_dim (768 SD1, 1024 SD2, 2048 SDXL, 1280 SDXL refiner) and
// adm_in_channels (2816 SDXL, 2560 refiner); inpainting models have 9 input
// channels (4 latent + 4 masked-image latent + 1 mask).
func unetFamily(h *safetensors.Header, p string) (family string, inpaint bool) {
	switch {
	case hasPrefix(h, p+"joint_blocks."):
		return FamilySD3, false
	case hasPrefix(h, p+"double_blocks.") || hasPrefix(h, p+"single_blocks.") || hasPrefix(h, p+"single_transformer_blocks."):
		// FLUX Fill takes 16 latent + 16 masked latent + 64 packed mask
		// channels, patchified 2×2: img_in sees 384 instead of 64.
		return FamilyFlux, dim(h, p+"img_in.weight", 1) == 384
	}
	inCh := dim(h, p+"input_blocks.0.0.weight", 1)
	if inCh == 0 {
		inCh = dim(h, p+"conv_in.weight", 1) // diffusers layout
	}
	inpaint = inCh == 9

	var ctx int64
	for _, t := range h.Tensors {
		if strings.HasPrefix(t.Name, p) && strings.HasSuffix(t.Name, "attn2.to_k.weight") && len(t.Shape) == 2 {
			ctx = t.Shape[1]
			break
		}
	}
	adm := dim(h, p+"label_emb.0.0.weight", 1)
	if adm == 0 {
		adm = dim(h, p+"add_embedding.linear_1.weight", 1)
	}
	switch {
	case adm == 2816 || ctx == 2048:
		return FamilySDXL, inpaint
	case adm == 2560 || ctx == 1280:
		return FamilySDXLRefiner, inpaint
	case ctx == 1024:
		return FamilySD2, inpaint
	case ctx == 768:
		return FamilySD1, inpaint
	}
	return structuralFamily(h, p, ctx, adm), inpaint
}

// structuralFamily tells the family of a UNet whose widths are not the
// released ones (test fixtures, pruned or distilled models) from structure
// alone, as backend/engine/models/detect does: first where the checkpoint
// keeps its text encoders (LDM cond_stage_model.transformer for SD 1.x
// CLIP-L, cond_stage_model.model for SD 2.x OpenCLIP; sgm
// conditioner.embedders with CLIP-L + OpenCLIP-G for SDXL, OpenCLIP-G alone
// for the refiner), then for a bare UNet its vector input (label_emb: SDXL;
// the refiner's is its context width plus five 256-wide size embeddings)
// and whether proj_in is linear (SD 2.x) or a 1×1 convolution (SD 1.x).
func structuralFamily(h *safetensors.Header, p string, ctx, adm int64) string {
	switch {
	case hasPrefix(h, "conditioner.embedders.1."):
		return FamilySDXL
	case hasPrefix(h, "conditioner.embedders.0.model."):
		return FamilySDXLRefiner
	case hasPrefix(h, "cond_stage_model.model."):
		return FamilySD2
	case hasPrefix(h, "cond_stage_model.transformer."):
		return FamilySD1
	case ctx == 0:
		return FamilyUnknown // no cross-attention seen: not an SD UNet
	case adm > 0 && adm == ctx+refinerSizeEmbeds*sizeEmbedWidth:
		return FamilySDXLRefiner
	case adm > 0:
		return FamilySDXL
	}
	for _, t := range h.Tensors {
		if strings.HasPrefix(t.Name, p) && strings.HasSuffix(t.Name, ".proj_in.weight") {
			switch len(t.Shape) {
			case 2:
				return FamilySD2
			case 4:
				return FamilySD1
			}
		}
	}
	return FamilyUnknown
}

// SDXL refiner's vector conditioning: pooled text plus 5 Fourier size
// embeddings of 256 (sgm sd_xl_refiner.yaml, adm_in_channels 2560 = 1280 +
// 5·256).
const (
	refinerSizeEmbeds = 5
	sizeEmbedWidth    = 256
)

// isVPrediction looks for the markers v-prediction checkpoints carry: the
// "v_pred" / "edm_vpred.sigma_max" tensors ComfyUI checks for, or a
// prediction type in the metadata. Plain SD2 768-v files carry neither; ComfyUI
// tells them by weight statistics, which a header alone cannot.
func isVPrediction(h *safetensors.Header) bool {
	if _, ok := h.Lookup("v_pred"); ok {
		return true
	}
	if hasPrefix(h, "edm_vpred.") {
		return true
	}
	for _, k := range []string{"modelspec.prediction_type", "prediction_type"} {
		switch strings.ToLower(h.Metadata[k]) {
		case "v", "v_prediction", "v-prediction", "v_pred":
			return true
		}
	}
	return strings.EqualFold(h.Metadata["ss_v_parameterization"], "true")
}

// familyFromMetadata reads the base model kohya's sd-scripts and the
// Stability "modelspec" write into files they produce.
func familyFromMetadata(md map[string]string) string {
	v := strings.ToLower(md["ss_base_model_version"])
	switch {
	case strings.HasPrefix(v, "sdxl"):
		return FamilySDXL
	case strings.HasPrefix(v, "sd_v1"):
		return FamilySD1
	case strings.HasPrefix(v, "sd_v2"):
		return FamilySD2
	case strings.HasPrefix(v, "sd3"):
		return FamilySD3
	case strings.HasPrefix(v, "flux"):
		return FamilyFlux
	}
	a := strings.ToLower(md["modelspec.architecture"])
	switch {
	case strings.HasPrefix(a, "stable-diffusion-xl-v1-refiner"):
		return FamilySDXLRefiner
	case strings.HasPrefix(a, "stable-diffusion-xl"):
		return FamilySDXL
	case strings.HasPrefix(a, "stable-diffusion-v1"):
		return FamilySD1
	case strings.HasPrefix(a, "stable-diffusion-v2"):
		return FamilySD2
	case strings.HasPrefix(a, "stable-diffusion-3"):
		return FamilySD3
	case strings.HasPrefix(a, "flux"):
		return FamilyFlux
	}
	if strings.EqualFold(md["ss_v2"], "true") {
		return FamilySD2
	}
	return ""
}

// loraBase tells which family a LoRA was trained for: from its metadata when
// present, else from its keys (SDXL LoRAs train two text encoders, lora_te1_
// and lora_te2_) or from the width of a cross-attention to_k down projection,
// which equals the base model's context_dim.
func loraBase(h *safetensors.Header) string {
	if f := familyFromMetadata(h.Metadata); f != "" {
		return f
	}
	switch {
	case anyName(h, func(n string) bool {
		return strings.HasPrefix(n, "lora_te1_") || strings.HasPrefix(n, "lora_te2_") || strings.HasPrefix(n, "text_encoder_2.")
	}):
		return FamilySDXL
	case anyName(h, func(n string) bool {
		return strings.Contains(n, "double_blocks") || strings.Contains(n, "single_blocks") || strings.Contains(n, "single_transformer_blocks")
	}):
		return FamilyFlux
	case anyName(h, func(n string) bool { return strings.Contains(n, "joint_blocks") }):
		return FamilySD3
	}
	for _, t := range h.Tensors {
		n := t.Name
		isToK := strings.Contains(n, "attn2_to_k.") || strings.Contains(n, "attn2.to_k.") || strings.Contains(n, "attn2.processor.to_k_lora.")
		isDown := strings.Contains(n, "lora_down.") || strings.Contains(n, "lora_A.") || strings.Contains(n, "lora.down.")
		if !isToK || !isDown || len(t.Shape) != 2 {
			continue
		}
		switch t.Shape[1] {
		case 768:
			return FamilySD1
		case 1024:
			return FamilySD2
		case 2048:
			return FamilySDXL
		case 1280:
			return FamilySDXLRefiner
		}
	}
	return ""
}

// embeddingBase tells an embedding's family from its vector width (the text
// encoder's hidden size: 768 CLIP-L for SD1, 1024 OpenCLIP-H for SD2) or the
// SDXL pair of vectors.
func embeddingBase(h *safetensors.Header) string {
	if _, ok := h.Lookup("clip_g"); ok {
		return FamilySDXL
	}
	if f := familyFromMetadata(h.Metadata); f != "" {
		return f
	}
	var width int64
	if t, ok := h.Lookup("emb_params"); ok && len(t.Shape) > 0 {
		width = t.Shape[len(t.Shape)-1]
	}
	switch width {
	case 768:
		return FamilySD1
	case 1024:
		return FamilySD2
	}
	return ""
}
