package lora

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, key, part, module, role string
		ok                            bool
	}{
		{"kohya unet", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q.lora_down.weight", partUNet, "input_blocks_1_1_transformer_blocks_0_attn1_to_q", roleDown, true},
		{"kohya alpha", "lora_te_text_model_encoder_layers_0_mlp_fc1.alpha", partTE1, "text_model_encoder_layers_0_mlp_fc1", roleAlpha, true},
		{"kohya te1", "lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", partTE1, "text_model_encoder_layers_0_mlp_fc1", roleUp, true},
		{"kohya te2", "lora_te2_text_model_encoder_layers_0_mlp_fc1.hada_w1_a", partTE2, "text_model_encoder_layers_0_mlp_fc1", roleW1A, true},
		{"lokr w1 vs w1_a", "lora_unet_conv_in.lokr_w1_a", partUNet, "conv_in", roleK1A, true},
		{"lokr w1", "lora_unet_conv_in.lokr_w1", partUNet, "conv_in", roleK1, true},
		{"diff_b", "lora_unet_conv_in.diff_b", partUNet, "conv_in", roleDiffB, true},
		{"peft", "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight", partUNet, "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", roleDown, true},
		{"peft te2", "text_encoder_2.text_model.encoder.layers.3.self_attn.k_proj.lora_B.weight", partTE2, "text_model.encoder.layers.3.self_attn.k_proj", roleUp, true},
		{"diffusers lora.down", "text_encoder.text_model.encoder.layers.3.self_attn.k_proj.lora.down.weight", partTE1, "text_model.encoder.layers.3.self_attn.k_proj", roleDown, true},
		{"attn processor", "unet.mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_out_lora.up.weight", partUNet, "mid_block.attentions.0.transformer_blocks.0.attn2.to_out.0", roleUp, true},
		{"bare processor", "down_blocks.1.attentions.0.transformer_blocks.0.attn1.processor.to_k_lora.down.weight", partUNet, "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k", roleDown, true},
		{"ldm full key", "model.diffusion_model.out.2.lora_down.weight", partUNet, "out.2", roleDown, true},
		{"not an adapter tensor", "lora_unet_conv_in.weight", "", "", "", false},
		{"unknown part", "lora_prior_unet_x.lora_down.weight", "", "", "", false},
		{"kohya with dots", "lora_unet_a.b.lora_down.weight", "", "", "", false},
		{"empty module", "lora_unet_.alpha", "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, role, ok := parseKey(tc.key)
			require.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.part, m.part)
			assert.Equal(t, tc.module, m.name)
			assert.Equal(t, tc.role, role)
		})
	}
}

// TestLDMToDiffusers checks the block table on the released SD 1.x / SDXL
// layout (two residual blocks per level), pairs taken from diffusers'
// convert_original_stable_diffusion_to_diffusers.py.
func TestLDMToDiffusers(t *testing.T) {
	tests := []struct{ ldm, diff string }{
		{"input_blocks.0.0", "conv_in"},
		{"input_blocks.1.0.in_layers.2", "down_blocks.0.resnets.0.conv1"},
		{"input_blocks.2.1.transformer_blocks.0.attn1.to_q", "down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q"},
		{"input_blocks.3.0.op", "down_blocks.0.downsamplers.0.conv"},
		{"input_blocks.4.0.skip_connection", "down_blocks.1.resnets.0.conv_shortcut"},
		{"input_blocks.8.1.proj_in", "down_blocks.2.attentions.1.proj_in"},
		{"middle_block.0.emb_layers.1", "mid_block.resnets.0.time_emb_proj"},
		{"middle_block.1.transformer_blocks.9.ff.net.0.proj", "mid_block.attentions.0.transformer_blocks.9.ff.net.0.proj"},
		{"middle_block.2.out_layers.3", "mid_block.resnets.1.conv2"},
		{"output_blocks.0.0.out_layers.0", "up_blocks.0.resnets.0.norm2"},
		{"output_blocks.2.1.conv", "up_blocks.0.upsamplers.0.conv"},
		{"output_blocks.3.1.proj_out", "up_blocks.1.attentions.0.proj_out"},
		{"output_blocks.5.2.conv", "up_blocks.1.upsamplers.0.conv"},
		{"output_blocks.11.1.transformer_blocks.0.attn2.to_out.0", "up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_out.0"},
		{"time_embed.2", "time_embedding.linear_2"},
		{"label_emb.0.0", "add_embedding.linear_1"},
		{"out.2", "conv_out"},
	}
	for _, tc := range tests {
		got, ok := ldmToDiffusers(tc.ldm, 2)
		require.True(t, ok, tc.ldm)
		assert.Equal(t, tc.diff, got, tc.ldm)
	}
	for _, bad := range []string{"input_blocks.x.0", "outer.0", "middle_block.7", "input_blocks.3.1.op", "out.20"} {
		_, ok := ldmToDiffusers(bad, 2)
		assert.False(t, ok, bad)
	}
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	data := map[string]tensorSpec{"x.alpha": scalar(1)}
	a := writeAdapter(t, dir, "a.safetensors", data, map[string]string{"ss_output_name": "a"})
	b := writeAdapter(t, dir, "b.safetensors", data, map[string]string{"ss_output_name": "a much longer name"})
	c := writeAdapter(t, dir, "c.safetensors", map[string]tensorSpec{"x.alpha": scalar(2)}, nil)
	ha, err := Hash(a)
	require.NoError(t, err)
	hb, err := Hash(b)
	require.NoError(t, err)
	hc, err := Hash(c)
	require.NoError(t, err)
	assert.Len(t, ha, 12)
	assert.Equal(t, ha, hb, "the addnet hash skips the header, metadata included")
	assert.NotEqual(t, ha, hc)
	// The data section of a is the 4 bytes of float32 1.0.
	sum := sha256.Sum256([]byte{0, 0, 0x80, 0x3f})
	assert.Equal(t, hex.EncodeToString(sum[:])[:12], ha)

	// Other files hash whole.
	pt := filepath.Join(dir, "x.pt")
	require.NoError(t, os.WriteFile(pt, []byte("PK\x03\x04 not really a zip"), 0o644))
	hp, err := Hash(pt)
	require.NoError(t, err)
	whole := sha256.Sum256([]byte("PK\x03\x04 not really a zip"))
	assert.Equal(t, hex.EncodeToString(whole[:])[:12], hp)
	_, err = Hash(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

// FuzzParseKey: any name parses without panicking, and an accepted one
// names a known part, a non-empty module and a role whose suffix the name
// carries.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{
		"lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q.lora_down.weight",
		"lora_te2_text_model_encoder_layers_0_mlp_fc1.hada_t1",
		"unet.up_blocks.0.attentions.0.processor.to_out_lora.up.weight",
		"text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight",
		"lora_unet_.alpha", ".alpha", "_lora.down.weight", "", "unet.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		m, role, ok := parseKey(name)
		if !ok {
			return
		}
		if m.part != partUNet && m.part != partTE1 && m.part != partTE2 {
			t.Fatalf("%q: part %q", name, m.part)
		}
		if m.name == "" || role == "" {
			t.Fatalf("%q: module %q role %q", name, m.name, role)
		}
		if !strings.Contains(name, strings.TrimPrefix(role, "lora_")) && role != roleDown && role != roleUp {
			t.Fatalf("%q: role %q not in the name", name, role)
		}
	})
}
