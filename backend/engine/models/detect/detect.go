package detect

import (
	"fmt"
	"math"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// Detect recognises the model in src from its tensor names and shapes (and,
// for ε vs v, marker keys, metadata and one weight statistic). Anything it
// cannot run is an error wrapping ErrUnsupportedModel.
func Detect(src weights.Source, ov Overrides) (Model, error) {
	switch ov.Prediction {
	case "", PredictEps, PredictV:
	default:
		return Model{}, fmt.Errorf("detect: prediction override %q, want %q or %q", ov.Prediction, PredictEps, PredictV)
	}
	x := newIndex(src)
	var m Model

	slots, textFamily, err := findTextEncoders(x)
	if err != nil {
		return Model{}, err
	}
	if p, ok := findUNet(x); ok {
		if m.UNet, err = unetFromShapes(x, p); err != nil {
			return Model{}, err
		}
		if m.Family, err = classify(m.UNet, textFamily); err != nil {
			return Model{}, err
		}
		if err := unetDefaults(m.UNet, m.Family); err != nil {
			return Model{}, err
		}
		switch u := m.UNet; {
		case u.InChannels == u.OutChannels:
		case u.InChannels == 2*u.OutChannels+1: // latent, mask, masked-image latent
			m.Inpaint = true
		default:
			return Model{}, unsupported("UNet takes %d channels for %d latent channels (not txt2img or inpainting)", u.InChannels, u.OutChannels)
		}
		if m.Prediction, err = prediction(x, m, ov); err != nil {
			return Model{}, err
		}
	} else {
		m.Family = textFamily
	}

	for _, s := range slots {
		c, err := textFromShapes(x, s)
		if err != nil {
			return Model{}, err
		}
		textDefaults(&c, m.Family)
		m.TextEncoders = append(m.TextEncoders, c)
	}
	if m.UNet != nil && len(m.TextEncoders) > 0 {
		if err := checkConditioning(m); err != nil {
			return Model{}, err
		}
	}

	if p, ok := findVAE(x); ok {
		if m.VAE, err = vaeFromShapes(x, p); err != nil {
			return Model{}, err
		}
		m.VAE.ScaleFactor, m.VAE.ShiftFactor = LatentScale(m.Family)
		m.HasBakedVAE = m.UNet != nil
	}

	if m.UNet == nil && m.VAE == nil && len(m.TextEncoders) == 0 {
		return Model{}, unsupported("%s", unknownReason(x))
	}
	return m, nil
}

// classify names the family from the UNet's structure, never its widths,
// so tiny models classify like full ones. Text-encoder locations, when the
// file has them, must agree; they also settle SDXL base vs refiner.
//
//   - no label_emb: SD 1.x uses conv proj_in, SD 2.x linear;
//   - label_emb, linear, no attention at the first level: SDXL. The
//     refiner's vector input is its pooled OpenCLIP-G output (as wide as
//     its context) plus 5 size embeddings; the base's has 6.
func classify(u *UNetConfig, textFamily Family) (Family, error) {
	var f Family
	switch {
	case u.ADMInChannels == 0 && u.UseLinearProjection:
		f = FamilySD2
	case u.ADMInChannels == 0:
		f = FamilySD1
	case !u.UseLinearProjection || u.TransformerDepth[0] != 0:
		return "", unsupported("class-conditioned UNet (label_emb %d) that is not SDXL, such as unCLIP", u.ADMInChannels)
	case textFamily == FamilySDXL || textFamily == FamilySDXLRefiner:
		f = textFamily
	case u.ADMInChannels == u.ContextDim+sdxlRefineSizeEmbed*sizeEmbedDim:
		f = FamilySDXLRefiner
	case u.ADMInChannels > sdxlBaseSizeEmbeds*sizeEmbedDim:
		f = FamilySDXL
	default:
		return "", unsupported("SDXL-like UNet with label_emb width %d", u.ADMInChannels)
	}
	if textFamily != "" && textFamily != f {
		return "", unsupported("UNet is %s but the text encoders are %s", f, textFamily)
	}
	return f, nil
}

// unetDefaults sets attention heads from the family and checks every
// attention width splits into them.
func unetDefaults(u *UNetConfig, f Family) error {
	split := attnHeadDim
	if f == FamilySD1 {
		u.NumHeads, split = sd1Heads, sd1Heads
	} else {
		u.HeadDim = attnHeadDim
	}
	for i, d := range u.TransformerDepth {
		if w := u.ModelChannels * u.ChannelMult[i]; d > 0 && w%split != 0 {
			return unsupported("%s attention width %d at level %d does not split into heads", f, w, i)
		}
	}
	return nil
}

// checkConditioning checks the UNet's context and vector widths against
// the text encoders, which catches files mixing parts of two models.
func checkConditioning(m Model) error {
	u, te := m.UNet, m.TextEncoders
	ctx := 0
	for _, t := range te {
		ctx += t.Width // SDXL concatenates CLIP-L and OpenCLIP-G features
	}
	if ctx != u.ContextDim {
		return unsupported("UNet context width %d, text encoders give %d", u.ContextDim, ctx)
	}
	last := te[len(te)-1]
	embeds := sdxlBaseSizeEmbeds
	if m.Family == FamilySDXLRefiner {
		embeds = sdxlRefineSizeEmbed
	}
	if u.ADMInChannels > 0 && last.Projection > 0 && u.ADMInChannels != last.Projection+embeds*sizeEmbedDim {
		return unsupported("UNet vector input %d, pooled text %d + %d size embeddings give %d",
			u.ADMInChannels, last.Projection, embeds, last.Projection+embeds*sizeEmbedDim)
	}
	return nil
}

// prediction decides ε vs v: the override, a "v_pred" marker tensor,
// modelspec/kohya metadata, then for SD 2.x ComfyUI's weight statistic.
func prediction(x *index, m Model, ov Overrides) (Prediction, error) {
	if ov.Prediction != "" {
		return ov.Prediction, nil
	}
	if x.has("v_pred") {
		return PredictV, nil
	}
	md := x.src.Metadata()
	switch strings.ToLower(md["modelspec.prediction_type"]) {
	case "v", "v_prediction", "v-prediction":
		return PredictV, nil
	case "eps", "epsilon":
		return PredictEps, nil
	}
	if strings.EqualFold(md["ss_v_parameterization"], "true") {
		return PredictV, nil
	}
	if m.Family == FamilySD2 && !m.Inpaint {
		// ComfyUI reads output_blocks.11, the last block of SD 2.x; use the
		// last block so tiny models work alike.
		u := m.UNet
		last := len(u.TransformerDepthOutput) - 1
		name := fmt.Sprintf("%soutput_blocks.%d.1.transformer_blocks.0.norm1.bias", u.Prefix, last)
		if u.TransformerDepthOutput[last] > 0 && x.has(name) {
			// Check the shape first: the read allocates what it claims.
			if _, err := x.shape(name, 1); err != nil {
				return "", err
			}
			v, err := x.src.Float32(name)
			if err != nil {
				return "", fmt.Errorf("detect prediction: %w", err)
			}
			if stdDev(v) > vStdThreshold {
				return PredictV, nil
			}
		}
	}
	return PredictEps, nil
}

// stdDev is torch.std: the unbiased (n−1) standard deviation.
func stdDev(v []float32) float64 {
	if len(v) < 2 {
		return 0
	}
	var sum float64
	for _, f := range v {
		sum += float64(f)
	}
	mean := sum / float64(len(v))
	var ss float64
	for _, f := range v {
		d := float64(f) - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(v)-1))
}

// unknownReason explains a file with no recognised part.
func unknownReason(x *index) string {
	switch {
	case len(x.names) == 0:
		return "no tensors"
	case x.has("conv_in.weight") && x.hasPrefix("down_blocks."),
		x.hasPrefix("encoder.down_blocks."), x.hasPrefix("decoder.up_blocks."):
		return "diffusers layout (convert to a single-file LDM checkpoint)"
	case x.hasPrefix("lora_unet_") || x.hasPrefix("lora_te"):
		return "a LoRA, not a model"
	}
	return fmt.Sprintf("no Stable Diffusion UNet, VAE or text encoder among %d tensors (first %q)", len(x.names), x.names[0])
}
