package lora

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Adapter suffix styles for a plain LoRA pair.
var loraStyles = map[string][2]string{
	"kohya":     {".lora_down.weight", ".lora_up.weight"},
	"peft":      {".lora_A.weight", ".lora_B.weight"},
	"diffusers": {".lora.down.weight", ".lora.up.weight"},
}

// buildAdapter makes the tensors of one module of algorithm algo for a
// weight block [out, in, kh, kw] (kh = kw = 1 for a linear layer) and the
// delta they stand for, alpha scale included, computed plainly.
func buildAdapter(t *testing.T, r *rand.Rand, algo, style, mod string, out, in, kk int) (map[string]tensorSpec, []float64) {
	t.Helper()
	k := 1
	if kk == 9 {
		k = 3
	}
	conv := kk > 1
	ts := map[string]tensorSpec{}
	const rank, alpha = 4, 2.0 // alpha/rank = 0.5
	switch algo {
	case "lora":
		s := loraStyles[style]
		down := randTensor(r, rank, in, k, k)
		up := randTensor(r, out, rank, 1, 1)
		if !conv {
			down, up = randTensor(r, rank, in), randTensor(r, out, rank)
		}
		ts[mod+s[0]], ts[mod+s[1]] = down, up
		ts[mod+".alpha"] = scalar(alpha)
		return ts, scaled(mm(up.data, out, rank, down.data, in*kk), alpha/rank)
	case "lora-noalpha":
		down, up := randTensor(r, rank, in*kk), randTensor(r, out, rank)
		if conv {
			down = randTensor(r, rank, in, k, k)
		}
		ts[mod+".lora_down.weight"], ts[mod+".lora_up.weight"] = down, up
		return ts, mm(up.data, out, rank, down.data, in*kk)
	case "locon-mid":
		down, mid, up := randTensor(r, rank, in, 1, 1), randTensor(r, rank, rank, k, k), randTensor(r, out, rank, 1, 1)
		ts[mod+".lora_down.weight"], ts[mod+".lora_mid.weight"], ts[mod+".lora_up.weight"] = down, mid, up
		ts[mod+".alpha"] = scalar(alpha)
		upT := make([]float32, len(up.data)) // einsumCP takes the left factor as [A, out]
		for p := range out {
			for i := range rank {
				upT[i*out+p] = up.data[p*rank+i]
			}
		}
		return ts, scaled(einsumCP(mid.data, rank, rank, kk, down.data, in, upT, out), alpha/rank)
	case "loha":
		w1a, w1b, w2a, w2b := randTensor(r, out, rank), randTensor(r, rank, in*kk), randTensor(r, out, rank), randTensor(r, rank, in*kk)
		ts[mod+".hada_w1_a"], ts[mod+".hada_w1_b"], ts[mod+".hada_w2_a"], ts[mod+".hada_w2_b"] = w1a, w1b, w2a, w2b
		ts[mod+".alpha"] = scalar(alpha)
		m1, m2 := mm(w1a.data, out, rank, w1b.data, in*kk), mm(w2a.data, out, rank, w2b.data, in*kk)
		for i := range m1 {
			m1[i] *= m2[i] * alpha / rank
		}
		return ts, m1
	case "loha-cp":
		w1a, w1b, t1 := randTensor(r, rank, out), randTensor(r, rank, in), randTensor(r, rank, rank, k, k)
		w2a, w2b, t2 := randTensor(r, rank, out), randTensor(r, rank, in), randTensor(r, rank, rank, k, k)
		ts[mod+".hada_w1_a"], ts[mod+".hada_w1_b"], ts[mod+".hada_t1"] = w1a, w1b, t1
		ts[mod+".hada_w2_a"], ts[mod+".hada_w2_b"], ts[mod+".hada_t2"] = w2a, w2b, t2
		ts[mod+".alpha"] = scalar(alpha)
		m1 := einsumCP(t1.data, rank, rank, kk, w1b.data, in, w1a.data, out)
		m2 := einsumCP(t2.data, rank, rank, kk, w2b.data, in, w2a.data, out)
		for i := range m1 {
			m1[i] *= m2[i] * alpha / rank
		}
		return ts, m1
	case "lokr":
		const a, b = 4, 2
		c, d := out/a, in/b
		w1, w2a, w2b := randTensor(r, a, b), randTensor(r, c, rank), randTensor(r, rank, d*kk)
		ts[mod+".lokr_w1"], ts[mod+".lokr_w2_a"], ts[mod+".lokr_w2_b"] = w1, w2a, w2b
		ts[mod+".alpha"] = scalar(alpha)
		return ts, scaled(kron(f64(w1.data), a, b, mm(w2a.data, c, rank, w2b.data, d*kk), c, d, kk), alpha/rank)
	case "lokr-t2":
		const a, b = 2, 4
		c, d := out/a, in/b
		w1a, w1b := randTensor(r, a, 3), randTensor(r, 3, b)
		w2a, w2b, t2 := randTensor(r, rank, c), randTensor(r, rank, d), randTensor(r, rank, rank, k, k)
		ts[mod+".lokr_w1_a"], ts[mod+".lokr_w1_b"] = w1a, w1b
		ts[mod+".lokr_w2_a"], ts[mod+".lokr_w2_b"], ts[mod+".lokr_t2"] = w2a, w2b, t2
		ts[mod+".alpha"] = scalar(alpha)
		w2 := einsumCP(t2.data, rank, rank, kk, w2b.data, d, w2a.data, c)
		return ts, scaled(kron(mm(w1a.data, a, 3, w1b.data, b), a, b, w2, c, d, kk), alpha/rank)
	case "lokr-full":
		// Both factors whole: alpha is ignored (scale 1), as in LyCORIS.
		const a, b = 4, 2
		c, d := out/a, in/b
		w1, w2 := randTensor(r, a, b), randTensor(r, c, d, k, k)
		if !conv {
			w2 = randTensor(r, c, d)
		}
		ts[mod+".lokr_w1"], ts[mod+".lokr_w2"] = w1, w2
		ts[mod+".alpha"] = scalar(alpha)
		return ts, kron(f64(w1.data), a, b, f64(w2.data), c, d, kk)
	case "diff":
		diff := randTensor(r, out, in, k, k)
		ts[mod+".diff"] = diff
		return ts, f64(diff.data)
	}
	t.Fatalf("unknown algorithm %s", algo)
	return nil, nil
}

const (
	sd1UNet = "model.diffusion_model."
	sd1TE   = "cond_stage_model.transformer.text_model."
	sd2TE   = "cond_stage_model.model."
	xlTE1   = "conditioner.embedders.0.transformer.text_model."
	xlTE2   = "conditioner.embedders.1.model."
)

type patchCase struct {
	name, family string
	module       string // the adapter's module name, with its part prefix
	algo, style  string
	key          string // registry key it must patch
	block        int    // q/k/v row block of a fused in_proj, or -1
	te           bool
}

func patchCases() []patchCase {
	return []patchCase{
		{"sd1 kohya ldm attn1.to_q", "sd1", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q", "lora", "kohya",
			sd1UNet + "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight", -1, false},
		{"sd1 kohya diffusers attn2.to_k", "sd1", "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k", "lora", "kohya",
			sd1UNet + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", -1, false},
		{"sd1 peft ff.net.2", "sd1", "unet.down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2", "lora", "peft",
			sd1UNet + "input_blocks.1.1.transformer_blocks.0.ff.net.2.weight", -1, false},
		{"sd1 diffusers mid attn to_out", "sd1", "unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0", "lora", "diffusers",
			sd1UNet + "middle_block.1.transformer_blocks.0.attn1.to_out.0.weight", -1, false},
		{"sd1 no alpha up proj_out (1x1 conv)", "sd1", "lora_unet_up_blocks_1_attentions_0_proj_out", "lora-noalpha", "",
			sd1UNet + "output_blocks.2.1.proj_out.weight", -1, false},
		{"sd1 locon resnet conv1", "sd1", "lora_unet_down_blocks_0_resnets_0_conv1", "lora", "kohya",
			sd1UNet + "input_blocks.1.0.in_layers.2.weight", -1, false},
		{"sd1 locon tucker mid", "sd1", "lora_unet_input_blocks_1_0_out_layers_3", "locon-mid", "",
			sd1UNet + "input_blocks.1.0.out_layers.3.weight", -1, false},
		{"sd1 loha linear", "sd1", "lora_unet_output_blocks_2_1_transformer_blocks_0_attn1_to_v", "loha", "",
			sd1UNet + "output_blocks.2.1.transformer_blocks.0.attn1.to_v.weight", -1, false},
		{"sd1 loha cp conv", "sd1", "lora_unet_down_blocks_0_downsamplers_0_conv", "loha-cp", "",
			sd1UNet + "input_blocks.2.0.op.weight", -1, false},
		{"sd1 lokr linear", "sd1", "lora_unet_time_embedding_linear_1", "lokr", "",
			sd1UNet + "time_embed.0.weight", -1, false},
		{"sd1 lokr t2 conv", "sd1", "lora_unet_up_blocks_0_upsamplers_0_conv", "lokr-t2", "",
			sd1UNet + "output_blocks.1.1.conv.weight", -1, false},
		{"sd1 lokr both full", "sd1", "lora_unet_up_blocks_1_resnets_0_conv_shortcut", "lokr-full", "",
			sd1UNet + "output_blocks.2.0.skip_connection.weight", -1, false},
		{"sd1 full diff conv_in", "sd1", "lora_unet_conv_in", "diff", "",
			sd1UNet + "input_blocks.0.0.weight", -1, false},
		{"sd1 kohya te q_proj", "sd1", "lora_te_text_model_encoder_layers_0_self_attn_q_proj", "lora", "kohya",
			sd1TE + "encoder.layers.0.self_attn.q_proj.weight", -1, true},
		{"sd1 peft te mlp.fc1", "sd1", "text_encoder.text_model.encoder.layers.1.mlp.fc1", "lora", "peft",
			sd1TE + "encoder.layers.1.mlp.fc1.weight", -1, true},
		{"sd2 kohya te k_proj in fused in_proj", "sd2", "lora_te_text_model_encoder_layers_1_self_attn_k_proj", "lora", "kohya",
			sd2TE + "transformer.resblocks.1.attn.in_proj_weight", 1, true},
		{"sd2 kohya te mlp fc2 → c_proj", "sd2", "lora_te_text_model_encoder_layers_0_mlp_fc2", "loha", "",
			sd2TE + "transformer.resblocks.0.mlp.c_proj.weight", -1, true},
		{"sdxl kohya ldm attn2.to_v", "sdxl", "lora_unet_input_blocks_3_1_transformer_blocks_0_attn2_to_v", "lora", "kohya",
			sd1UNet + "input_blocks.3.1.transformer_blocks.0.attn2.to_v.weight", -1, false},
		{"sdxl kohya diffusers names", "sdxl", "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q", "lokr", "",
			sd1UNet + "input_blocks.3.1.transformer_blocks.0.attn1.to_q.weight", -1, false},
		{"sdxl peft up attention", "sdxl", "unet.up_blocks.0.attentions.1.transformer_blocks.0.attn1.to_k", "lora", "peft",
			sd1UNet + "output_blocks.1.1.transformer_blocks.0.attn1.to_k.weight", -1, false},
		{"sdxl add_embedding", "sdxl", "lora_unet_label_emb_0_0", "lora", "kohya",
			sd1UNet + "label_emb.0.0.weight", -1, false},
		{"sdxl te1 clip-l", "sdxl", "lora_te1_text_model_encoder_layers_1_self_attn_out_proj", "lora", "kohya",
			xlTE1 + "encoder.layers.1.self_attn.out_proj.weight", -1, true},
		{"sdxl te2 v_proj in fused in_proj", "sdxl", "lora_te2_text_model_encoder_layers_0_self_attn_v_proj", "loha", "",
			xlTE2 + "transformer.resblocks.0.attn.in_proj_weight", 2, true},
		{"sdxl peft text_encoder_2 q_proj", "sdxl", "text_encoder_2.text_model.encoder.layers.1.self_attn.q_proj", "lora", "peft",
			xlTE2 + "transformer.resblocks.1.attn.in_proj_weight", 0, true},
		{"sdxl te2 mlp fc1 → c_fc", "sdxl", "lora_te2_text_model_encoder_layers_1_mlp_fc1", "lokr-t2", "",
			xlTE2 + "transformer.resblocks.1.mlp.c_fc.weight", -1, true},
	}
}

// TestApplyMatchesFormula applies one module of each algorithm and key
// style to a tiny fixture of each family and checks the patched weight is
// W + strength·ΔW, ΔW computed plainly from the LyCORIS formulas, on the
// right rows of a fused in_proj and nowhere else.
func TestApplyMatchesFormula(t *testing.T) {
	models := map[string]*model{}
	for i, tc := range patchCases() {
		if models[tc.family] == nil {
			models[tc.family] = loadFixture(t, tc.family) // shared: each Apply restores first
		}
		t.Run(tc.name, func(t *testing.T) {
			m := models[tc.family]
			shape := m.shape(t, tc.key)
			rows, in, kk := shape[0], 1, 1
			if len(shape) > 1 {
				in = shape[1]
			}
			for _, d := range shape[2:] {
				kk *= d
			}
			lo, hi := 0, rows
			if tc.block >= 0 {
				lo, hi = tc.block*rows/3, (tc.block+1)*rows/3
			}
			r := rand.New(rand.NewPCG(uint64(i), 3))
			ts, delta := buildAdapter(t, r, tc.algo, tc.style, tc.module, hi-lo, in, kk)
			path := writeAdapter(t, t.TempDir(), "a.safetensors", ts, nil)
			orig := m.weight(t, tc.key)

			p := NewPatcher(m.dev, m.reg)
			const unetW, teW = 0.8, 1.3
			te := teW
			rep, err := p.Apply(t.Context(), []Spec{{Path: path, Weight: unetW, TEWeight: &te}})
			require.NoError(t, err)
			require.Len(t, rep.Files, 1)
			assert.Len(t, rep.Files[0].Matched, 1)
			assert.Empty(t, rep.Files[0].Unmatched)
			assert.Equal(t, []string{tc.key}, rep.Patched)
			strength := unetW
			if tc.te {
				strength = teW
			}
			requirePatched(t, orig, m.weight(t, tc.key), delta, strength, lo, hi, in*kk)
			require.NoError(t, p.Restore())
			assert.Equal(t, orig, m.weight(t, tc.key))
		})
	}
}

// TestApplyFailsWithoutMatch: a file none of whose modules fits the model
// is an error, and leaves every weight as it was.
func TestApplyFailsWithoutMatch(t *testing.T) {
	m := loadFixture(t, "sd1")
	before := m.snapshot(t)
	r := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	good, _ := buildAdapter(t, r, "lora", "kohya", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q", 32, 32, 1)
	goodPath := writeAdapter(t, dir, "good.safetensors", good, nil)
	bad, _ := buildAdapter(t, r, "lora", "kohya", "lora_unet_input_blocks_7_1_transformer_blocks_0_attn1_to_q", 32, 32, 1)
	badPath := writeAdapter(t, dir, "bad.safetensors", bad, nil)

	p := NewPatcher(m.dev, m.reg)
	_, err := p.Apply(t.Context(), []Spec{{Path: goodPath, Weight: 1}, {Path: badPath, Weight: 1}})
	require.ErrorIs(t, err, ErrNoMatch)
	assert.Equal(t, before, m.snapshot(t))
}

// TestUnmatchedAreReported: modules for weights the model lacks, stray
// tensors and unsupported types are warnings listed in the report.
func TestUnmatchedAreReported(t *testing.T) {
	m := loadFixture(t, "sd1")
	r := rand.New(rand.NewPCG(5, 6))
	ts, delta := buildAdapter(t, r, "lora", "kohya", "lora_te_text_model_encoder_layers_0_self_attn_v_proj", 64, 64, 1)
	extra, _ := buildAdapter(t, r, "lora", "kohya", "lora_te2_text_model_encoder_layers_0_self_attn_v_proj", 64, 64, 1)
	for k, v := range extra {
		ts[k] = v
	}
	dora, _ := buildAdapter(t, r, "lora", "kohya", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_k", 32, 32, 1)
	for k, v := range dora {
		ts[k] = v
	}
	ts["lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_k.dora_scale"] = randTensor(r, 32, 1)
	ts["some_training_step"] = scalar(3)
	path := writeAdapter(t, t.TempDir(), "mixed.safetensors", ts, nil)

	key := sd1TE + "encoder.layers.0.self_attn.v_proj.weight"
	orig := m.weight(t, key)
	p := NewPatcher(m.dev, m.reg)
	rep, err := p.Apply(t.Context(), []Spec{{Path: path, Weight: 1}})
	require.NoError(t, err)
	assert.Equal(t, []string{"te1:text_model_encoder_layers_0_self_attn_v_proj"}, rep.Files[0].Matched)
	require.Len(t, rep.Files[0].Unmatched, 3)
	assert.Contains(t, rep.Files[0].Unmatched[0], "some_training_step")
	assert.Contains(t, rep.Files[0].Unmatched[1], "te2:text_model_encoder_layers_0_self_attn_v_proj")
	assert.Contains(t, rep.Files[0].Unmatched[2], "DoRA")
	assert.Equal(t, []string{key}, rep.Patched)
	requirePatched(t, orig, m.weight(t, key), delta, 1, 0, 64, 64)
}

// TestSwitchingAndRestore: strength 0 changes nothing; several files add
// up; Apply(A) then Apply(B) equals a fresh Apply(B); Restore gives back
// the bit-identical originals — with originals kept on the device or the
// host.
func TestSwitchingAndRestore(t *testing.T) {
	for _, host := range []bool{false, true} {
		name := "device originals"
		var opts []Option
		if host {
			name = "host originals"
			opts = append(opts, WithHostOriginals())
		}
		t.Run(name, func(t *testing.T) {
			m := loadFixture(t, "sdxl")
			original := m.snapshot(t)
			r := rand.New(rand.NewPCG(9, 9))
			dir := t.TempDir()
			q := sd1UNet + "input_blocks.3.1.transformer_blocks.0.attn1.to_q.weight"
			g := xlTE2 + "transformer.resblocks.0.attn.in_proj_weight"
			modA := "lora_unet_input_blocks_3_1_transformer_blocks_0_attn1_to_q"
			tsA, dA := buildAdapter(t, r, "lora", "kohya", modA, 64, 64, 1)
			tsA2, dA2 := buildAdapter(t, r, "lora", "kohya", "lora_te2_text_model_encoder_layers_0_self_attn_q_proj", 64, 64, 1)
			for k, v := range tsA2 {
				tsA[k] = v
			}
			pathA := writeAdapter(t, dir, "a.safetensors", tsA, nil)
			tsB, dB := buildAdapter(t, r, "loha", "", "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q", 64, 64, 1)
			pathB := writeAdapter(t, dir, "b.safetensors", tsB, nil)

			p := NewPatcher(m.dev, m.reg, opts...)
			// Strength 0: nothing changes.
			rep, err := p.Apply(t.Context(), []Spec{{Path: pathA, Weight: 0}})
			require.NoError(t, err)
			assert.Empty(t, rep.Patched)
			assert.Equal(t, original, m.snapshot(t))

			// A and B together on the same weight add up.
			rep, err = p.Apply(t.Context(), []Spec{{Path: pathA, Weight: 0.5}, {Path: pathB, Weight: -1.2}})
			require.NoError(t, err)
			assert.Equal(t, []string{xlTE2 + "transformer.resblocks.0.attn.in_proj_weight", q}, rep.Patched)
			sum := make([]float64, len(dA))
			for i := range sum {
				sum[i] = 0.5*dA[i] - 1.2*dB[i]
			}
			requirePatched(t, original[q], m.weight(t, q), sum, 1, 0, 64, 64)
			requirePatched(t, original[g], m.weight(t, g), dA2, 0.5, 0, 64, 64)

			// Switch to B alone: equals a fresh Apply(B); A's te2 patch is gone.
			_, err = p.Apply(t.Context(), []Spec{{Path: pathB, Weight: 0.7}})
			require.NoError(t, err)
			switched := m.snapshot(t)
			assert.Equal(t, original[g], switched[g])
			require.NoError(t, p.Restore())
			assert.Equal(t, original, m.snapshot(t), "Restore gives back the originals exactly")
			fresh := NewPatcher(m.dev, m.reg, opts...)
			_, err = fresh.Apply(t.Context(), []Spec{{Path: pathB, Weight: 0.7}})
			require.NoError(t, err)
			assert.Equal(t, switched, m.snapshot(t))
			require.NoError(t, fresh.Restore())

			// Restore keeps the half dtype and the values bit for bit.
			ptr, _ := m.reg.Lookup(q)
			assert.True(t, ptr.DType().IsHalf(), "fixtures are F16 and stay half")
			assert.Equal(t, original, m.snapshot(t))
		})
	}
}

// TestApplyCancelled: a cancelled context stops Apply and restores.
func TestApplyCancelled(t *testing.T) {
	m := loadFixture(t, "sd1")
	before := m.snapshot(t)
	r := rand.New(rand.NewPCG(4, 4))
	ts, _ := buildAdapter(t, r, "lora", "kohya", "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q", 32, 32, 1)
	path := writeAdapter(t, t.TempDir(), "a.safetensors", ts, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := NewPatcher(m.dev, m.reg).Apply(ctx, []Spec{{Path: path, Weight: 1}})
	require.True(t, errors.Is(err, context.Canceled))
	assert.Equal(t, before, m.snapshot(t))
}
