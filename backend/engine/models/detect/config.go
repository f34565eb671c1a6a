package detect

import "errors"

// ErrUnsupportedModel marks weights that are not a model this engine runs;
// errors wrapping it read "unsupported model: <reason>".
var ErrUnsupportedModel = errors.New("unsupported model")

// Family is a model family; it decides the defaults shapes cannot tell.
type Family string

// Families.
const (
	FamilySD1         Family = "sd1"
	FamilySD2         Family = "sd2"
	FamilySDXL        Family = "sdxl"
	FamilySDXLRefiner Family = "sdxl_refiner"
)

// Prediction is what the UNet predicts.
type Prediction string

// Predictions.
const (
	PredictEps Prediction = "eps" // the noise ε
	PredictV   Prediction = "v"   // v = α·ε − σ·x₀ (Salimans & Ho 2022)
)

// UNetConfig describes an LDM UNet (openaimodel.UNetModel).
type UNetConfig struct {
	InChannels, OutChannels, ModelChannels int
	// ChannelMult is each level's width as a multiple of ModelChannels.
	ChannelMult []int
	// NumResBlocks is the residual blocks per level on the way down; the
	// way up has one more per level.
	NumResBlocks []int
	// TransformerDepth is the transformer blocks after each residual block
	// of a level on the way down; 0 means the level has no attention.
	TransformerDepth []int
	// TransformerDepthOutput is the same per output block (output_blocks.N,
	// deepest level first, NumResBlocks[level]+1 blocks per level).
	TransformerDepthOutput []int
	// TransformerDepthMiddle is the middle block's transformer depth (0:
	// resblocks only).
	TransformerDepthMiddle int
	// ContextDim is the cross-attention context width (text embeddings).
	ContextDim int
	// Exactly one of NumHeads (a fixed count, SD 1.x) and HeadDim (a fixed
	// head width, SD 2.x and SDXL) is non-zero.
	NumHeads, HeadDim int
	// UseLinearProjection: transformer proj_in/proj_out are linear layers
	// rather than 1×1 convolutions.
	UseLinearProjection bool
	// ADMInChannels is the width of the extra vector conditioning
	// (label_emb, SDXL's pooled text + size embeddings); 0 when absent.
	ADMInChannels int
	// Prefix is prepended to the UNet's tensor names
	// ("model.diffusion_model.").
	Prefix string
}

// VAEConfig describes an LDM AutoencoderKL.
type VAEConfig struct {
	Channels     int
	ChannelMult  []int
	NumResBlocks int // per encoder level (the decoder has one more)
	ZChannels    int // latent channels
	// ScaleFactor and ShiftFactor map VAE latents to the UNet's:
	// unet = (vae − shift) × scale. Zero for a standalone VAE file, whose
	// family cannot be told from shapes; see LatentScale.
	ScaleFactor float64
	ShiftFactor float64
	Prefix      string // "first_stage_model." in checkpoints, "" standalone
}

// Text encoder kinds.
const (
	KindCLIPL     = "clip_l"     // OpenAI CLIP ViT-L/14 text model
	KindOpenCLIPH = "openclip_h" // OpenCLIP ViT-H/14 (SD 2.x)
	KindOpenCLIPG = "openclip_g" // OpenCLIP ViT-bigG/14 (SDXL)
)

// Text encoder key layouts.
const (
	// LayoutHF is transformers' CLIPTextModel: text_model.embeddings.*,
	// text_model.encoder.layers.N.self_attn.q_proj.*, …, and
	// text_projection.weight beside text_model.
	LayoutHF = "hf"
	// LayoutOpenCLIP is open_clip's: token_embedding.weight,
	// positional_embedding, transformer.resblocks.N.attn.in_proj_weight, …,
	// ln_final.*, text_projection.
	LayoutOpenCLIP = "openclip"
)

// TextEncoderConfig describes one CLIP text transformer.
type TextEncoderConfig struct {
	Kind                                          string // KindCLIPL, KindOpenCLIPH or KindOpenCLIPG
	Layout                                        string // LayoutHF or LayoutOpenCLIP
	Width, Layers, Heads, VocabSize, MaxPositions int
	Activation                                    string // "quick_gelu" or "gelu"
	// Layer is the hidden state the UNet is conditioned on: "last" or
	// "penultimate".
	Layer string
	// NormHidden: the final layer norm is applied to that hidden state
	// (SD 1.x and 2.x do; SDXL's encoders do not).
	NormHidden bool
	// Pad is the token id filling the 77-token window after the end token.
	Pad int
	// Projection is the pooled-output projection width (0: none in file).
	Projection int
	// Prefix is prepended to the layout's names
	// ("cond_stage_model.transformer.text_model.").
	Prefix string
}

// Model is what Detect found in a weight file. A checkpoint has a UNet and
// usually text encoders and a VAE; a standalone file has one part and, for
// a VAE or text encoder alone, an empty Family.
type Model struct {
	Family       Family
	Prediction   Prediction // empty without a UNet
	Inpaint      bool       // UNet takes latent + mask + masked latent
	UNet         *UNetConfig
	VAE          *VAEConfig
	TextEncoders []TextEncoderConfig // in conditioning order
	// HasBakedVAE: a checkpoint (with a UNet) that also carries a VAE.
	HasBakedVAE bool
}

// Overrides are user choices that win over detection.
type Overrides struct {
	// Prediction forces ε or v; empty keeps what was detected.
	Prediction Prediction
}

// Family defaults: facts of the released models that shapes cannot tell.
const (
	// sd1Heads: SD 1.x attention uses 8 heads at every width
	// (v1-inference.yaml num_heads: 8).
	sd1Heads = 8
	// attnHeadDim: SD 2.x and SDXL fix the head width instead
	// (num_head_channels: 64); CLIP and OpenCLIP text models use 64 too.
	attnHeadDim = 64
	// sizeEmbedDim: SDXL embeds each size/crop/aesthetic number with a
	// 256-wide Fourier embedding (sgm ConcatTimestepEmbedderND outdim 256);
	// the base has 6 of them, the refiner 5, after the pooled text.
	sizeEmbedDim        = 256
	sdxlBaseSizeEmbeds  = 6
	sdxlRefineSizeEmbed = 5
	// clipEndToken pads CLIP-L windows; OpenCLIP pads with 0.
	clipEndToken = 49407
	// vStdThreshold: ComfyUI (supported_models.SD20.model_type) tells a
	// 768-v SD 2.x UNet by the spread of
	// output_blocks.11.1.transformer_blocks.0.norm1.bias, std > 0.09.
	vStdThreshold = 0.09
)

// LatentScale is the VAE latent scale and shift of a family (0, 0 when
// unknown): SD 1.x/2.x 0.18215 (LDM's kl-f8 scale_factor), SDXL 0.13025
// (sgm's SDXL config).
func LatentScale(f Family) (scale, shift float64) {
	switch f {
	case FamilySD1, FamilySD2:
		return 0.18215, 0
	case FamilySDXL, FamilySDXLRefiner:
		return 0.13025, 0
	}
	return 0, 0
}

// standaloneKind names a text encoder found outside a checkpoint, where
// only its width can tell the released models apart.
func standaloneKind(layout string, width int) string {
	switch width {
	case 768:
		return KindCLIPL
	case 1024:
		return KindOpenCLIPH
	case 1280:
		return KindOpenCLIPG
	}
	if layout == LayoutOpenCLIP {
		return KindOpenCLIPH
	}
	return KindCLIPL
}

// textDefaults fills what a text encoder's shapes cannot say, from its kind
// and the family it conditions (ComfyUI sd1_clip, sd2_clip, sdxl_clip).
func textDefaults(c *TextEncoderConfig, f Family) {
	c.Heads = c.Width / attnHeadDim
	switch c.Kind {
	case KindCLIPL:
		c.Activation, c.Pad = "quick_gelu", clipEndToken
		if f == FamilySDXL {
			c.Layer, c.NormHidden = "penultimate", false
		} else {
			c.Layer, c.NormHidden = "last", true
		}
	case KindOpenCLIPH:
		c.Activation, c.Pad = "gelu", 0
		c.Layer, c.NormHidden = "penultimate", true
	case KindOpenCLIPG:
		c.Activation, c.Pad = "gelu", 0
		c.Layer, c.NormHidden = "penultimate", false
	}
}
