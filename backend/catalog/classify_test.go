package catalog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClassifyFiles(t *testing.T) {
	const p = "model.diffusion_model."
	withV := func(s []spec, extra ...spec) []spec { return append(append([]spec{}, s...), extra...) }
	tests := []struct {
		name    string
		folder  string
		specs   []spec
		md      map[string]string
		kind    string
		family  string
		inpaint bool
		vpred   bool
		base    string
	}{
		{name: "sd1", folder: "checkpoints", specs: sd1Keys(4, 768), kind: KindCheckpoint, family: FamilySD1},
		{name: "sd1 inpaint", folder: "checkpoints", specs: sd1Keys(9, 768), kind: KindCheckpoint, family: FamilySD1Inpaint, inpaint: true},
		{name: "sd2", folder: "checkpoints", specs: sd1Keys(4, 1024), kind: KindCheckpoint, family: FamilySD2},
		{name: "sd2 v by metadata", folder: "checkpoints", specs: sd1Keys(4, 1024), md: map[string]string{"modelspec.prediction_type": "v"},
			kind: KindCheckpoint, family: FamilySD2V, vpred: true},
		{name: "sdxl", folder: "Stable-diffusion", specs: sdxlKeys(2048, 2816), kind: KindCheckpoint, family: FamilySDXL},
		{name: "sdxl v_pred marker", folder: "checkpoints", specs: withV(sdxlKeys(2048, 2816), spec{"v_pred", []int64{}}),
			kind: KindCheckpoint, family: FamilySDXLV, vpred: true},
		{name: "sdxl edm vpred", folder: "checkpoints", specs: withV(sdxlKeys(2048, 2816), spec{"edm_vpred.sigma_max", []int64{}}),
			kind: KindCheckpoint, family: FamilySDXLV, vpred: true},
		{name: "sdxl refiner", folder: "checkpoints", specs: sdxlKeys(1280, 2560), kind: KindCheckpoint, family: FamilySDXLRefiner},
		{name: "sdxl inpaint", folder: "checkpoints", specs: withV(sdxlKeys(2048, 2816)[1:], spec{p + "input_blocks.0.0.weight", []int64{4, 9, 3, 3}}),
			kind: KindCheckpoint, family: FamilySDXLInpaint, inpaint: true},
		{name: "sd1 v and inpaint says inpaint", folder: "checkpoints", specs: sd1Keys(9, 768), md: map[string]string{"modelspec.prediction_type": "v"},
			kind: KindCheckpoint, family: FamilySD1Inpaint, inpaint: true, vpred: true},
		// Widths that are not the released ones (tiny test models): the
		// family comes from structure, as engine detection reads it.
		{name: "tiny sd1 by text encoder", folder: "checkpoints", specs: sd1Keys(4, 64), kind: KindCheckpoint, family: FamilySD1},
		{name: "tiny sd2 v by text encoder", folder: "checkpoints", specs: tinyKeys(64, 0, 2, "cond_stage_model.model.token_embedding.weight"),
			md: map[string]string{"modelspec.prediction_type": "v"}, kind: KindCheckpoint, family: FamilySD2V, vpred: true},
		{name: "tiny sdxl by text encoders", folder: "checkpoints", specs: tinyKeys(128, 1600, 2, "conditioner.embedders.1.model.token_embedding.weight"),
			kind: KindCheckpoint, family: FamilySDXL},
		{name: "tiny refiner by text encoder", folder: "checkpoints", specs: tinyKeys(64, 1344, 2, "conditioner.embedders.0.model.token_embedding.weight"),
			kind: KindCheckpoint, family: FamilySDXLRefiner},
		{name: "tiny bare sd1 unet: conv proj_in", folder: "unet", specs: tinyKeys(64, 0, 4, ""), kind: KindUNet, family: FamilySD1},
		{name: "tiny bare sd2 unet: linear proj_in", folder: "unet", specs: tinyKeys(64, 0, 2, ""), kind: KindUNet, family: FamilySD2},
		{name: "tiny bare sdxl unet: label_emb", folder: "unet", specs: tinyKeys(128, 1600, 2, ""), kind: KindUNet, family: FamilySDXL},
		{name: "tiny bare refiner unet: label_emb of context + 5 sizes", folder: "unet", specs: tinyKeys(64, 64+5*256, 2, ""),
			kind: KindUNet, family: FamilySDXLRefiner},
		{name: "unet without attention", folder: "unet", specs: []spec{{"input_blocks.0.0.weight", []int64{4, 4, 3, 3}}},
			kind: KindUNet, family: FamilyUnknown},
		{name: "sd3", folder: "checkpoints", specs: []spec{
			{p + "joint_blocks.0.context_block.attn.qkv.weight", []int64{12, 4}},
			{p + "x_embedder.proj.weight", []int64{4, 16, 2, 2}},
		}, kind: KindCheckpoint, family: FamilySD3},
		{name: "flux checkpoint", folder: "checkpoints", specs: []spec{
			{p + "double_blocks.0.img_attn.norm.key_norm.scale", []int64{4}},
			{p + "single_blocks.0.linear1.weight", []int64{4, 4}},
			{p + "img_in.weight", []int64{4, 64}},
		}, kind: KindCheckpoint, family: FamilyFlux},
		{name: "flux fill unet", folder: "unet", specs: []spec{
			{"double_blocks.0.img_attn.norm.key_norm.scale", []int64{4}},
			{"img_in.weight", []int64{4, 384}},
		}, kind: KindUNet, family: FamilyFluxInpaint, inpaint: true},
		{name: "lora sd1 kohya", folder: "loras", specs: []spec{
			{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", []int64{4, 768}},
			{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", []int64{320, 4}},
			{"lora_te_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight", []int64{4, 768}},
		}, kind: KindLoRA, family: FamilySD1, base: FamilySD1},
		{name: "lora sd2 by shape", folder: "Lora", specs: []spec{
			{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", []int64{4, 1024}},
		}, kind: KindLoRA, family: FamilySD2, base: FamilySD2},
		{name: "lora sdxl text encoders", folder: "loras", specs: []spec{
			{"lora_te1_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight", []int64{4, 768}},
			{"lora_te2_text_model_encoder_layers_0_self_attn_k_proj.lora_down.weight", []int64{4, 1280}},
		}, kind: KindLoRA, family: FamilySDXL, base: FamilySDXL},
		{name: "lora sdxl unet only diffusers", folder: "loras", specs: []spec{
			{"unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight", []int64{4, 2048}},
		}, kind: KindLoRA, family: FamilySDXL, base: FamilySDXL},
		{name: "lora base from metadata", folder: "loras", specs: []spec{
			{"lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", []int64{4, 8}},
		}, md: map[string]string{"ss_base_model_version": "sdxl_base_v1-0"}, kind: KindLoRA, family: FamilySDXL, base: FamilySDXL},
		{name: "lora misfiled in checkpoints", folder: "checkpoints", specs: []spec{
			{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", []int64{4, 768}},
		}, kind: KindLoRA, family: FamilySD1, base: FamilySD1},
		{name: "vae ldm keys", folder: "vae", specs: []spec{
			{"first_stage_model.encoder.conv_in.weight", []int64{4, 3, 3, 3}},
			{"first_stage_model.decoder.conv_out.weight", []int64{3, 4, 3, 3}},
		}, kind: KindVAE, family: FamilyUnknown},
		{name: "vae bare keys in checkpoints", folder: "checkpoints", specs: []spec{
			{"encoder.conv_in.weight", []int64{4, 3, 3, 3}},
			{"decoder.conv_out.weight", []int64{3, 4, 3, 3}},
		}, kind: KindVAE, family: FamilyUnknown},
		{name: "embedding sd1", folder: "embeddings", specs: []spec{{"emb_params", []int64{2, 768}}},
			kind: KindEmbedding, family: FamilySD1, base: FamilySD1},
		{name: "embedding sdxl", folder: "embeddings", specs: []spec{{"clip_g", []int64{2, 1280}}, {"clip_l", []int64{2, 768}}},
			kind: KindEmbedding, family: FamilySDXL, base: FamilySDXL},
		{name: "controlnet sd1", folder: "ControlNet", specs: []spec{
			{"control_model.input_hint_block.0.weight", []int64{4, 3, 3, 3}},
			{"control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", []int64{4, 768}},
		}, kind: KindControlNet, family: FamilySD1},
		{name: "unknown folder, checkpoint content", folder: "misc", specs: sd1Keys(4, 768), kind: KindCheckpoint, family: FamilySD1},
		{name: "upscaler keeps folder kind", folder: "ESRGAN", specs: []spec{{"conv_first.weight", []int64{4, 3, 3, 3}}},
			kind: KindUpscaler, family: FamilyUnknown},
		{name: "text encoder", folder: "misc", specs: []spec{{"text_model.encoder.layers.0.mlp.fc1.weight", []int64{4, 4}}},
			kind: KindTextEncoder, family: FamilyUnknown},
	}
	root := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(root, tt.folder, tt.name+".safetensors")
			writeModel(t, path, tt.specs, tt.md)
			st, err := os.Stat(path)
			require.NoError(t, err)
			m := describe(path, root, st)
			assert.Equal(t, StatusOK, m.Status, m.Error)
			assert.Equal(t, tt.kind, m.Kind, "kind")
			assert.Equal(t, tt.family, m.Family, "family")
			assert.Equal(t, tt.inpaint, m.Inpaint, "inpaint")
			assert.Equal(t, tt.vpred, m.VPrediction, "v-prediction")
			assert.Equal(t, tt.base, m.BaseModel, "base")
			assert.Equal(t, len(tt.specs), m.TensorCount)
			assert.Equal(t, map[string]int{"U8": len(tt.specs)}, m.DTypes)
			assert.Equal(t, tt.folder, m.Folder)
			assert.Equal(t, tt.name, m.Name)
			assert.Equal(t, "safetensors", m.Format)
		})
	}
}

func TestDescribeUnreadable(t *testing.T) {
	root := t.TempDir()
	good := filepath.Join(root, "checkpoints", "good.safetensors")
	writeModel(t, good, sd1Keys(4, 768), nil)
	full, err := os.ReadFile(good)
	require.NoError(t, err)

	tests := []struct {
		name string
		file string
		data []byte
		want string
	}{
		{"empty", "checkpoints/empty.safetensors", nil, "empty file"},
		{"truncated safetensors", "checkpoints/cut.safetensors", full[:len(full)-10], "file truncated?"},
		{"cut inside header", "checkpoints/cut2.safetensors", full[:20], "exceeds the 12 bytes after the length"},
		{"text file named safetensors", "loras/notes.safetensors", []byte("hello, this is not a model at all"), "invalid safetensors file"},
		{"empty ckpt", "checkpoints/empty.ckpt", nil, "empty file"},
		{"html saved as ckpt", "checkpoints/login.ckpt", []byte("<html>please log in</html>"), "not a PyTorch zip or pickle"},
		{"cut zip", "checkpoints/cut.pth", []byte("PK\x03\x04 and then nothing"), "no central directory"},
		{"bad gguf", "unet/x.gguf", []byte("GGML...."), "not a GGUF file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(root, filepath.FromSlash(tt.file))
			writeBytes(t, path, tt.data)
			st, err := os.Stat(path)
			require.NoError(t, err)
			m := describe(path, root, st)
			assert.Equal(t, StatusUnreadable, m.Status)
			assert.Contains(t, m.Error, tt.want)
			assert.NotEqual(t, KindUnknown, m.Kind, "kind still comes from the folder")
		})
	}
}

func TestDescribeOtherFormats(t *testing.T) {
	root := t.TempDir()
	zipPath := filepath.Join(root, "upscale_models", "4x.pth")
	writeTorchZip(t, zipPath)
	pickle := filepath.Join(root, "embeddings", "old.pt")
	writeBytes(t, pickle, []byte{0x80, 0x02, '}', '.'})
	gguf := filepath.Join(root, "unet", "flux.gguf")
	writeBytes(t, gguf, []byte("GGUF\x03\x00\x00\x00"))

	for path, kind := range map[string]string{zipPath: KindUpscaler, pickle: KindEmbedding, gguf: KindUNet} {
		st, err := os.Stat(path)
		require.NoError(t, err)
		m := describe(path, root, st)
		assert.Equal(t, StatusOK, m.Status, m.Error)
		assert.Equal(t, kind, m.Kind)
		assert.Equal(t, FamilyUnknown, m.Family)
	}
}

func TestIsModelFile(t *testing.T) {
	tests := map[string]bool{
		"a.safetensors": true, "A.SAFETENSORS": true, "b.ckpt": true, "c.pt": true, "d.pth": true,
		"e.bin": true, "f.gguf": true, "g.txt": false, "h.safetensors.part": false,
		"i.safetensors.crdownload": false, ".hidden.safetensors": false, "j.tmp": false,
		"k.tmp.safetensors": false, "~lock.ckpt": false, "": false, "preview.png": false,
	}
	for name, want := range tests {
		assert.Equal(t, want, isModelFile(name), name)
	}
}

func TestFolderKind(t *testing.T) {
	root := filepath.FromSlash("/m/models")
	tests := []struct {
		dir  string
		want string
	}{
		{"checkpoints", KindCheckpoint},
		{"checkpoints/sdxl/anime", KindCheckpoint},
		{"Stable-diffusion", KindCheckpoint},
		{"Lora/styles", KindLoRA},
		{"LyCORIS", KindLoRA},
		{"ESRGAN", KindUpscaler},
		{"RealESRGAN", KindUpscaler},
		{"SwinIR", KindUpscaler},
		{"embeddings", KindEmbedding},
		{"vae_approx", KindTAESD},
		{"clip", KindTextEncoder},
		{"loras/vae", KindVAE}, // the nearest folder wins
		{"", KindUnknown},
		{"random", KindUnknown},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, folderKind(root, filepath.Join(root, filepath.FromSlash(tt.dir))), tt.dir)
	}
	assert.Equal(t, KindLoRA, folderKind(filepath.FromSlash("/m/Lora"), filepath.FromSlash("/m/Lora/x")), "root named after a kind")
}
