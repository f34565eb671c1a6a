package detect

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

func build(parts ...func(*fakeSource)) *fakeSource {
	f := newFake()
	for _, p := range parts {
		p(f)
	}
	return f
}

func unet(s unetSpec) func(*fakeSource) { return func(f *fakeSource) { f.addUNet(s) } }
func vae(s vaeSpec) func(*fakeSource)   { return func(f *fakeSource) { f.addVAE(s) } }
func text(s textSpec) func(*fakeSource) { return func(f *fakeSource) { f.addText(s) } }
func meta(k, v string) func(*fakeSource) {
	return func(f *fakeSource) { f.meta[k] = v }
}
func key(name string, shape ...int64) func(*fakeSource) {
	return func(f *fakeSource) { f.put(name, shape...) }
}

// Expected configs of the released models.
var (
	wantSD1UNet = UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 320, ChannelMult: []int{1, 2, 4, 4},
		NumResBlocks: []int{2, 2, 2, 2}, TransformerDepth: []int{1, 1, 1, 0},
		TransformerDepthOutput: []int{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, TransformerDepthMiddle: 1,
		ContextDim: 768, NumHeads: 8, Prefix: "model.diffusion_model."}
	wantKL8 = VAEConfig{Channels: 128, ChannelMult: []int{1, 2, 4, 4}, NumResBlocks: 2, ZChannels: 4,
		ScaleFactor: 0.18215, Prefix: "first_stage_model."}
	wantCLIPL = TextEncoderConfig{Kind: KindCLIPL, Layout: LayoutHF, Width: 768, Layers: 12, Heads: 12, VocabSize: 49408,
		MaxPositions: 77, Activation: "quick_gelu", Layer: "last", NormHidden: true, Pad: 49407,
		Prefix: "cond_stage_model.transformer.text_model."}
)

func TestDetectSD1(t *testing.T) {
	m, err := Detect(build(unet(sd1UNet), vae(kl8VAE), text(sd1Text)), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, Model{
		Family: FamilySD1, Prediction: PredictEps, UNet: &wantSD1UNet, VAE: &wantKL8,
		TextEncoders: []TextEncoderConfig{wantCLIPL}, HasBakedVAE: true,
	}, m)
}

func TestDetectSD2V(t *testing.T) {
	m, err := Detect(build(unet(sd2UNet), vae(kl8VAE), text(sd2Text), key("v_pred")), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, FamilySD2, m.Family)
	assert.Equal(t, PredictV, m.Prediction)
	wantUNet := wantSD1UNet
	wantUNet.ContextDim, wantUNet.UseLinearProjection, wantUNet.NumHeads, wantUNet.HeadDim = 1024, true, 0, 64
	assert.Equal(t, &wantUNet, m.UNet)
	assert.Equal(t, []TextEncoderConfig{{Kind: KindOpenCLIPH, Layout: LayoutOpenCLIP, Width: 1024, Layers: 24, Heads: 16,
		VocabSize: 49408, MaxPositions: 77, Activation: "gelu", Layer: "penultimate", NormHidden: true, Pad: 0,
		Projection: 1024, Prefix: "cond_stage_model.model."}}, m.TextEncoders)
	assert.InDelta(t, 0.18215, m.VAE.ScaleFactor, 0)
}

func TestDetectSDXLBase(t *testing.T) {
	m, err := Detect(build(unet(sdxlUNet), vae(kl8VAE), text(sdxlL), text(sdxlG)), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, FamilySDXL, m.Family)
	assert.Equal(t, PredictEps, m.Prediction)
	assert.Equal(t, &UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 320, ChannelMult: []int{1, 2, 4},
		NumResBlocks: []int{2, 2, 2}, TransformerDepth: []int{0, 2, 10},
		TransformerDepthOutput: []int{10, 10, 10, 2, 2, 2, 0, 0, 0}, TransformerDepthMiddle: 10,
		ContextDim: 2048, HeadDim: 64, UseLinearProjection: true, ADMInChannels: 2816,
		Prefix: "model.diffusion_model."}, m.UNet)
	require.Len(t, m.TextEncoders, 2)
	l, g := m.TextEncoders[0], m.TextEncoders[1]
	assert.Equal(t, TextEncoderConfig{Kind: KindCLIPL, Layout: LayoutHF, Width: 768, Layers: 12, Heads: 12, VocabSize: 49408,
		MaxPositions: 77, Activation: "quick_gelu", Layer: "penultimate", Pad: 49407,
		Prefix: "conditioner.embedders.0.transformer.text_model."}, l)
	assert.Equal(t, TextEncoderConfig{Kind: KindOpenCLIPG, Layout: LayoutOpenCLIP, Width: 1280, Layers: 32, Heads: 20,
		VocabSize: 49408, MaxPositions: 77, Activation: "gelu", Layer: "penultimate", Pad: 0, Projection: 1280,
		Prefix: "conditioner.embedders.1.model."}, g)
	assert.InDelta(t, 0.13025, m.VAE.ScaleFactor, 0)
	assert.True(t, m.HasBakedVAE)
}

func TestDetectSDXLRefiner(t *testing.T) {
	m, err := Detect(build(unet(refinerUNet), vae(kl8VAE), text(refinerG)), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, FamilySDXLRefiner, m.Family)
	assert.Equal(t, 384, m.UNet.ModelChannels)
	assert.Equal(t, []int{1, 2, 4, 4}, m.UNet.ChannelMult)
	assert.Equal(t, []int{0, 4, 4, 0}, m.UNet.TransformerDepth)
	assert.Equal(t, 1280, m.UNet.ContextDim)
	assert.Equal(t, 2560, m.UNet.ADMInChannels)
	require.Len(t, m.TextEncoders, 1)
	assert.Equal(t, KindOpenCLIPG, m.TextEncoders[0].Kind)
	assert.Equal(t, "conditioner.embedders.0.model.", m.TextEncoders[0].Prefix)
	assert.InDelta(t, 0.13025, m.VAE.ScaleFactor, 0)
}

func TestDetectVariants(t *testing.T) {
	inpaint := func(s unetSpec) unetSpec { return with(s, func(s *unetSpec) { s.in = 9 }) }
	bare := func(s unetSpec) unetSpec { return with(s, func(s *unetSpec) { s.prefix = "" }) }
	tests := []struct {
		name    string
		src     *fakeSource
		ov      Overrides
		family  Family
		pred    Prediction
		inpaint bool
		baked   bool
		texts   int
	}{
		{"sd1 without vae", build(unet(sd1UNet), text(sd1Text)), Overrides{}, FamilySD1, PredictEps, false, false, 1},
		{"sd1 inpainting", build(unet(inpaint(sd1UNet)), vae(kl8VAE), text(sd1Text)), Overrides{}, FamilySD1, PredictEps, true, true, 1},
		{"sd1 v by override", build(unet(sd1UNet), text(sd1Text)), Overrides{Prediction: PredictV}, FamilySD1, PredictV, false, false, 1},
		{"sd1 old transformers keys", build(unet(sd1UNet), text(with(sd1Text, func(s *textSpec) { s.prefix = "cond_stage_model.transformer." }))),
			Overrides{}, FamilySD1, PredictEps, false, false, 1},
		{"sd2 512 eps", build(unet(sd2UNet), vae(kl8VAE), text(sd2Text)), Overrides{}, FamilySD2, PredictEps, false, true, 1},
		{"sd2 v marker overridden", build(unet(sd2UNet), text(sd2Text), key("v_pred")), Overrides{Prediction: PredictEps}, FamilySD2, PredictEps, false, false, 1},
		{"sd2 v by modelspec", build(unet(sd2UNet), meta("modelspec.prediction_type", "v")), Overrides{}, FamilySD2, PredictV, false, false, 0},
		{"sd2 v_prediction by modelspec", build(unet(sd2UNet), meta("modelspec.prediction_type", "v_prediction")), Overrides{}, FamilySD2, PredictV, false, false, 0},
		{"sdxl v by kohya metadata", build(unet(sdxlUNet), meta("ss_v_parameterization", "True")), Overrides{}, FamilySDXL, PredictV, false, false, 0},
		{"sdxl eps by modelspec", build(unet(sdxlUNet), meta("modelspec.prediction_type", "epsilon")), Overrides{}, FamilySDXL, PredictEps, false, false, 0},
		{"sd2 inpainting", build(unet(inpaint(sd2UNet)), vae(kl8VAE), text(sd2Text)), Overrides{}, FamilySD2, PredictEps, true, true, 1},
		{"sdxl inpainting", build(unet(inpaint(sdxlUNet)), vae(kl8VAE), text(sdxlL), text(sdxlG)), Overrides{}, FamilySDXL, PredictEps, true, true, 2},
		{"standalone sd1 unet", build(unet(bare(sd1UNet))), Overrides{}, FamilySD1, PredictEps, false, false, 0},
		{"standalone sdxl unet", build(unet(bare(sdxlUNet))), Overrides{}, FamilySDXL, PredictEps, false, false, 0},
		{"standalone refiner unet", build(unet(with(refinerUNet, func(s *unetSpec) { s.prefix = "diffusion_model." }))), Overrides{}, FamilySDXLRefiner, PredictEps, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Detect(tt.src, tt.ov)
			require.NoError(t, err)
			assert.Equal(t, tt.family, m.Family)
			assert.Equal(t, tt.pred, m.Prediction)
			assert.Equal(t, tt.inpaint, m.Inpaint)
			assert.Equal(t, tt.baked, m.HasBakedVAE)
			assert.Equal(t, tt.baked, m.VAE != nil)
			assert.Len(t, m.TextEncoders, tt.texts)
			require.NotNil(t, m.UNet)
			if tt.inpaint {
				assert.Equal(t, 9, m.UNet.InChannels)
			}
		})
	}
}

func TestDetectSD2VByWeightSpread(t *testing.T) {
	// ComfyUI's test: std of the last output block's norm1.bias above 0.09.
	name := "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.norm1.bias"
	spread := func(amp float32) func(*fakeSource) {
		return func(f *fakeSource) {
			v := make([]float32, 320)
			for i := range v {
				v[i] = amp * float32(i%2*2-1) // ±amp: std ≈ amp
			}
			f.data[name] = v
		}
	}
	for _, tt := range []struct {
		amp  float32
		want Prediction
	}{{0.2, PredictV}, {0.01, PredictEps}} {
		m, err := Detect(build(unet(sd2UNet), text(sd2Text), spread(tt.amp)), Overrides{})
		require.NoError(t, err)
		assert.Equal(t, tt.want, m.Prediction, "amp %v", tt.amp)
	}
	// SD 1.x never uses the statistic.
	m, err := Detect(build(unet(sd1UNet), spread(0.2)), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, PredictEps, m.Prediction)
}

func TestDetectStandaloneParts(t *testing.T) {
	t.Run("vae", func(t *testing.T) {
		m, err := Detect(build(vae(with(kl8VAE, func(s *vaeSpec) { s.prefix = "" }))), Overrides{})
		require.NoError(t, err)
		want := wantKL8
		want.Prefix, want.ScaleFactor = "", 0 // family unknown from a VAE alone
		assert.Equal(t, Model{VAE: &want}, m)
	})
	t.Run("decoder-only vae", func(t *testing.T) {
		m, err := Detect(build(vae(with(kl8VAE, func(s *vaeSpec) { s.prefix, s.encoderless = "", true }))), Overrides{})
		require.NoError(t, err)
		require.NotNil(t, m.VAE)
		assert.Equal(t, 128, m.VAE.Channels)
		assert.Equal(t, []int{1, 2, 4, 4}, m.VAE.ChannelMult)
		assert.Equal(t, 2, m.VAE.NumResBlocks)
		assert.Equal(t, 4, m.VAE.ZChannels)
	})
	tests := []struct {
		name string
		spec textSpec
		want TextEncoderConfig
	}{
		{"clip-l transformers layout", textSpec{prefix: "text_model.", layout: LayoutHF, width: 768, vocab: 49408, pos: 77, layers: 12},
			TextEncoderConfig{Kind: KindCLIPL, Layout: LayoutHF, Width: 768, Layers: 12, Heads: 12, VocabSize: 49408, MaxPositions: 77,
				Activation: "quick_gelu", Layer: "last", NormHidden: true, Pad: 49407, Prefix: "text_model."}},
		{"bigG transformers layout with projection", textSpec{prefix: "text_model.", layout: LayoutHF, width: 1280, vocab: 49408, pos: 77, layers: 32, proj: 1280},
			TextEncoderConfig{Kind: KindOpenCLIPG, Layout: LayoutHF, Width: 1280, Layers: 32, Heads: 20, VocabSize: 49408, MaxPositions: 77,
				Activation: "gelu", Layer: "penultimate", Pad: 0, Projection: 1280, Prefix: "text_model."}},
		{"open_clip layout", textSpec{prefix: "", layout: LayoutOpenCLIP, width: 1024, vocab: 49408, pos: 77, layers: 24, proj: 1024},
			TextEncoderConfig{Kind: KindOpenCLIPH, Layout: LayoutOpenCLIP, Width: 1024, Layers: 24, Heads: 16, VocabSize: 49408, MaxPositions: 77,
				Activation: "gelu", Layer: "penultimate", NormHidden: true, Projection: 1024}},
		{"tiny", textSpec{prefix: "text_model.", layout: LayoutHF, width: 64, vocab: 1000, pos: 16, layers: 2},
			TextEncoderConfig{Kind: KindCLIPL, Layout: LayoutHF, Width: 64, Layers: 2, Heads: 1, VocabSize: 1000, MaxPositions: 16,
				Activation: "quick_gelu", Layer: "last", NormHidden: true, Pad: 49407, Prefix: "text_model."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Detect(build(text(tt.spec)), Overrides{})
			require.NoError(t, err)
			assert.Equal(t, Model{TextEncoders: []TextEncoderConfig{tt.want}}, m)
		})
	}
}

// Tiny models with the real layout prove the sizes come from shapes.
func TestDetectTinyModels(t *testing.T) {
	tinyVAE := vaeSpec{prefix: "first_stage_model.", ch: 32, z: 4, mult: []int64{1, 2}, nrb: 1}
	tinyL := func(prefix string) textSpec {
		return textSpec{prefix: prefix, layout: LayoutHF, width: 64, vocab: 49408, pos: 77, layers: 2}
	}
	tinyG := func(prefix string) textSpec {
		return textSpec{prefix: prefix, layout: LayoutOpenCLIP, width: 128, vocab: 49408, pos: 77, layers: 3, proj: 128}
	}
	tests := []struct {
		name   string
		src    *fakeSource
		family Family
		want   UNetConfig
	}{
		{"sd1", build(
			unet(unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 32, mult: []int64{1, 2}, nrb: 1, depth: []int{1, 0}, depthMiddle: 1, ctx: 64}),
			vae(tinyVAE), text(tinyL("cond_stage_model.transformer.text_model."))),
			FamilySD1, UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 32, ChannelMult: []int{1, 2}, NumResBlocks: []int{1, 1},
				TransformerDepth: []int{1, 0}, TransformerDepthOutput: []int{0, 0, 1, 1}, TransformerDepthMiddle: 1, ContextDim: 64, NumHeads: 8,
				Prefix: "model.diffusion_model."}},
		{"sd2 with 3 res blocks and no middle attention", build(
			unet(unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 64, mult: []int64{1, 3}, nrb: 3, depth: []int{2, 1}, ctx: 128, linear: true}),
			text(textSpec{prefix: "cond_stage_model.model.", layout: LayoutOpenCLIP, width: 128, vocab: 49408, pos: 77, layers: 2})),
			FamilySD2, UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 64, ChannelMult: []int{1, 3}, NumResBlocks: []int{3, 3},
				TransformerDepth: []int{2, 1}, TransformerDepthOutput: []int{1, 1, 1, 1, 2, 2, 2, 2}, ContextDim: 128, HeadDim: 64,
				UseLinearProjection: true, Prefix: "model.diffusion_model."}},
		{"sdxl", build(
			unet(unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 32, mult: []int64{1, 2, 4}, nrb: 1, depth: []int{0, 1, 2}, depthMiddle: 2,
				ctx: 64 + 128, linear: true, adm: 128 + 6*256}),
			text(tinyL("conditioner.embedders.0.transformer.text_model.")), text(tinyG("conditioner.embedders.1.model."))),
			FamilySDXL, UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 32, ChannelMult: []int{1, 2, 4}, NumResBlocks: []int{1, 1, 1},
				TransformerDepth: []int{0, 1, 2}, TransformerDepthOutput: []int{2, 2, 1, 1, 0, 0}, TransformerDepthMiddle: 2, ContextDim: 192,
				HeadDim: 64, UseLinearProjection: true, ADMInChannels: 128 + 6*256, Prefix: "model.diffusion_model."}},
		{"sdxl refiner, unet only", build(
			unet(unetSpec{prefix: "", in: 4, out: 4, ch: 48, mult: []int64{1, 4}, nrb: 1, depth: []int{0, 1}, depthMiddle: 1,
				ctx: 128, linear: true, adm: 128 + 5*256})),
			FamilySDXLRefiner, UNetConfig{InChannels: 4, OutChannels: 4, ModelChannels: 48, ChannelMult: []int{1, 4}, NumResBlocks: []int{1, 1},
				TransformerDepth: []int{0, 1}, TransformerDepthOutput: []int{1, 1, 0, 0}, TransformerDepthMiddle: 1, ContextDim: 128,
				HeadDim: 64, UseLinearProjection: true, ADMInChannels: 128 + 5*256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Detect(tt.src, Overrides{})
			require.NoError(t, err)
			assert.Equal(t, tt.family, m.Family)
			assert.Equal(t, &tt.want, m.UNet)
		})
	}
	m, err := Detect(build(vae(tinyVAE)), Overrides{})
	require.NoError(t, err)
	assert.Equal(t, &VAEConfig{Channels: 32, ChannelMult: []int{1, 2}, NumResBlocks: 1, ZChannels: 4, Prefix: "first_stage_model."}, m.VAE)
}

func TestDetectUnsupported(t *testing.T) {
	tests := []struct {
		name string
		src  *fakeSource
		want string
	}{
		{"empty", build(), "no tensors"},
		{"random tensors", build(key("fc.weight", 10, 10)), `no Stable Diffusion UNet, VAE or text encoder among 1 tensors (first "fc.weight")`},
		{"diffusers unet", build(key("conv_in.weight", 320, 4, 3, 3), key("down_blocks.0.resnets.0.conv1.weight", 320, 320, 3, 3)), "diffusers layout"},
		{"diffusers vae", build(key("encoder.down_blocks.0.resnets.0.conv1.weight", 128, 128, 3, 3)), "diffusers layout"},
		{"lora", build(key("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", 4, 320)), "LoRA"},
		{"instruct-pix2pix", build(unet(with(sd1UNet, func(s *unetSpec) { s.in = 8 }))), "takes 8 channels for 4 latent channels"},
		{"unclip", build(unet(with(sd2UNet, func(s *unetSpec) { s.adm = 1024 }))), "not SDXL"},
		{"sd1 unet with sd2 text encoder", build(unet(sd1UNet), text(sd2Text)), "UNet is sd1 but the text encoders are sd2"},
		{"context mismatch", build(unet(with(sd1UNet, func(s *unetSpec) { s.ctx = 1024 })), text(sd1Text)), "context width 1024, text encoders give 768"},
		{"sdxl pooled mismatch", build(unet(with(sdxlUNet, func(s *unetSpec) { s.adm = 2560 })), text(sdxlL), text(sdxlG)), "vector input 2560"},
		{"sdxl missing bigG", build(unet(sdxlUNet), text(sdxlL)), "only its clip_l"},
		{"heads do not split", build(unet(with(sd1UNet, func(s *unetSpec) { s.ch = 36 }))), "does not split into heads"},
		{"missing out conv", build(unet(sd1UNet), func(f *fakeSource) { delete(f.shapes, "model.diffusion_model.out.2.weight") }),
			"missing tensor model.diffusion_model.out.2.weight"},
		{"wrong rank", build(unet(sd1UNet), key("model.diffusion_model.input_blocks.0.0.weight", 320, 4)), "want rank 4"},
		{"zero dimension", build(unet(sd1UNet), key("model.diffusion_model.input_blocks.0.0.weight", 0, 4, 3, 3)), "has shape [0 4 3 3]"},
		{"missing output block", build(unet(sd1UNet), func(f *fakeSource) {
			for n := range f.shapes {
				if strings.Contains(n, "output_blocks.11.") {
					delete(f.shapes, n)
				}
			}
		}), "11 output blocks, its input levels need 12"},
		{"uneven level", build(unet(sd1UNet), key("model.diffusion_model.input_blocks.2.0.out_layers.3.weight", 640, 640, 3, 3)), "input block 2 differs"},
		{"odd vae latent", build(vae(with(kl8VAE, func(s *vaeSpec) { s.prefix = "" })), key("encoder.conv_out.weight", 7, 512, 3, 3)), "mean and log-variance"},
		{"text width not in heads", build(text(textSpec{prefix: "text_model.", layout: LayoutHF, width: 100, vocab: 10, pos: 7, layers: 1})), "not a multiple of the head width"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Detect(tt.src, Overrides{})
			require.ErrorIs(t, err, ErrUnsupportedModel)
			assert.True(t, strings.HasPrefix(err.Error(), "unsupported model: "), err.Error())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDetectRejectsBadOverride(t *testing.T) {
	_, err := Detect(build(unet(sd1UNet)), Overrides{Prediction: "x0"})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnsupportedModel)
	assert.Contains(t, err.Error(), `"x0"`)
}

func TestLatentScale(t *testing.T) {
	for f, want := range map[Family]float64{FamilySD1: 0.18215, FamilySD2: 0.18215, FamilySDXL: 0.13025, FamilySDXLRefiner: 0.13025, "": 0} {
		s, shift := LatentScale(f)
		assert.InDelta(t, want, s, 0, string(f))
		assert.Zero(t, shift)
	}
}

// TestDetectSafetensorsFile runs detection on a real file: a tiny SD 2.x
// 768-v checkpoint whose v-ness is only in its weights.
func TestDetectSafetensorsFile(t *testing.T) {
	f := build(
		unet(unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 64, mult: []int64{1, 2}, nrb: 1, depth: []int{1, 1}, depthMiddle: 1, ctx: 64, linear: true}),
		vae(vaeSpec{prefix: "first_stage_model.", ch: 32, z: 4, mult: []int64{1, 2}, nrb: 1}),
		text(textSpec{prefix: "cond_stage_model.model.", layout: LayoutOpenCLIP, width: 64, vocab: 100, pos: 77, layers: 2, proj: 64}),
	)
	spread := "model.diffusion_model.output_blocks.3.1.transformer_blocks.0.norm1.bias"
	var tensors []safetensors.WriteTensor
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		n := info.Elements()
		data := make([]byte, 4*n)
		if name == spread {
			for i := range n {
				binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(0.5*float32(i%2*2-1)))
			}
		}
		tensors = append(tensors, safetensors.WriteTensor{Name: name, DType: weights.F32, Shape: info.Shape, Data: data})
	}
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, tensors, map[string]string{"modelspec.title": "tiny sd2"}))
	path := filepath.Join(t.TempDir(), "model.bin") // the name says nothing
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))

	src, err := weights.Open(path)
	require.NoError(t, err)
	defer src.Close()
	m, err := Detect(src, Overrides{})
	require.NoError(t, err)
	assert.Equal(t, FamilySD2, m.Family)
	assert.Equal(t, PredictV, m.Prediction)
	assert.Equal(t, 64, m.UNet.ModelChannels)
	assert.Equal(t, []int{1, 2}, m.UNet.ChannelMult)
	assert.True(t, m.HasBakedVAE)
	assert.Equal(t, 32, m.VAE.Channels)
	require.Len(t, m.TextEncoders, 1)
	assert.Equal(t, 64, m.TextEncoders[0].Width)
	assert.Equal(t, 1, m.TextEncoders[0].Heads)
}

// FuzzDetect feeds arbitrary names and shapes ("name d0,d1,…" per line):
// detection must return a model or an error, never panic.
func FuzzDetect(f *testing.F) {
	seed := func(src *fakeSource) string {
		var sb strings.Builder
		for _, n := range src.Names() {
			sb.WriteString(n)
			for i, d := range src.shapes[n] {
				sb.WriteByte(" ,"[min(i, 1)])
				sb.WriteString(strconv.FormatInt(d, 10))
			}
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	f.Add(seed(build(unet(unetSpec{in: 4, out: 4, ch: 8, mult: []int64{1, 2}, nrb: 1, depth: []int{1, 0}, depthMiddle: 1, ctx: 8}))))
	f.Add(seed(build(vae(vaeSpec{ch: 8, z: 4, mult: []int64{1, 2}, nrb: 1}))))
	f.Add(seed(build(text(textSpec{prefix: "text_model.", layout: LayoutHF, width: 64, vocab: 10, pos: 7, layers: 1}))))
	f.Add("input_blocks.0.0.weight 8,4,3,3\nout.2.weight 4,8,3,3\nv_pred\n")
	f.Add("encoder.conv_in.weight 0\n")
	f.Fuzz(func(t *testing.T, spec string) {
		src := newFake()
		for line := range strings.Lines(spec) {
			name, dims, _ := strings.Cut(strings.TrimSpace(line), " ")
			var shape []int64
			for d := range strings.SplitSeq(dims, ",") {
				if v, err := strconv.ParseInt(d, 10, 64); err == nil {
					shape = append(shape, v)
				}
			}
			src.put(name, shape...)
		}
		m, err := Detect(src, Overrides{})
		if err != nil {
			return
		}
		if u := m.UNet; u != nil {
			require.Positive(t, u.ModelChannels)
			require.Len(t, u.ChannelMult, len(u.NumResBlocks))
			require.Len(t, u.TransformerDepth, len(u.NumResBlocks))
			require.Positive(t, u.ContextDim)
		}
		for _, te := range m.TextEncoders {
			require.Positive(t, te.Heads)
		}
	})
}
