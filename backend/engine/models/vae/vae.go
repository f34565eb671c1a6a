package vae

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Config is the autoencoder's shape as detect reads it from the weights.
// ScaleFactor must be set (detect leaves it zero for a standalone VAE file,
// whose family shapes cannot tell: the caller takes it from the checkpoint
// it pairs the VAE with, detect.LatentScale).
type Config = detect.VAEConfig

// Architecture constants of LDM's autoencoder (ldm/modules/diffusionmodules/model.py).
const (
	// normGroups, normEps: Normalize() is GroupNorm(32, eps=1e-6, affine).
	normGroups = 32
	normEps    = 1e-6
	// imageChannels: in_channels and out_ch are RGB.
	imageChannels = 3
	// logVarMin, logVarMax: DiagonalGaussianDistribution clamps the
	// log-variance to [-30, 20] before exponentiating.
	logVarMin, logVarMax = -30, 20
)

// Noise returns standard-normal values for a tensor of the given shape, in
// row-major order; Encode draws its posterior sample from it, so the caller
// decides the generator (and its seed).
type Noise func(shape tensor.Shape) ([]float32, error)

// VAE is an AutoencoderKL. Encoder or Decoder is nil when the file holds
// only the other half (decoder-only VAEs are common for previews and
// distillations).
type VAE struct {
	Encoder       *Encoder
	Decoder       *Decoder
	QuantConv     *nn.Conv2D // nil when the model has none (FLUX-style VAEs)
	PostQuantConv *nn.Conv2D // likewise

	dev     compute.Device
	cfg     Config
	latents int // embed_dim: channels of the latent the diffusion model sees
	factor  int // spatial downscale, 2^(levels−1)
}

// Load reads the autoencoder described by c from w (the checkpoint's root
// view; c.Prefix scopes it, "first_stage_model." or "" for a standalone file).
func Load(w *nn.Weights, c Config) (*VAE, error) {
	if err := validate(c); err != nil {
		return nil, err
	}
	if p := strings.TrimSuffix(c.Prefix, "."); p != "" {
		w = w.Sub(p)
	}
	v := &VAE{dev: w.Device(), cfg: c, latents: c.ZChannels, factor: 1 << (len(c.ChannelMult) - 1)}
	hasEnc, hasDec := w.Has("encoder.conv_in.weight"), w.Has("decoder.conv_in.weight")
	if !hasEnc && !hasDec {
		return nil, fmt.Errorf("vae: %s: %w", w.Key("encoder.conv_in.weight"), nn.ErrMissing)
	}
	// quant_conv maps the encoder's 2·z moments to 2·embed_dim; embed_dim
	// equals z in every released model, but the shape says so.
	if s, ok := w.Shape("quant_conv.weight"); ok && len(s) == 4 && s[0]%2 == 0 {
		v.latents = s[0] / 2
	} else if s, ok := w.Shape("post_quant_conv.weight"); ok && len(s) == 4 {
		v.latents = s[1]
	}
	var err error
	if hasEnc {
		if v.Encoder, err = LoadEncoder(w.Sub("encoder"), c); err != nil {
			return nil, fmt.Errorf("vae encoder: %w", err)
		}
		if w.Has("quant_conv.weight") {
			if v.QuantConv, err = nn.LoadConv2D(w.Sub("quant_conv"), 2*c.ZChannels, 2*v.latents, 1, 1, 0, true); err != nil {
				return nil, fmt.Errorf("vae: %w", err)
			}
		}
	}
	if hasDec {
		if v.Decoder, err = LoadDecoder(w.Sub("decoder"), c); err != nil {
			return nil, fmt.Errorf("vae decoder: %w", err)
		}
		if w.Has("post_quant_conv.weight") {
			if v.PostQuantConv, err = nn.LoadConv2D(w.Sub("post_quant_conv"), v.latents, c.ZChannels, 1, 1, 0, true); err != nil {
				return nil, fmt.Errorf("vae: %w", err)
			}
		}
	}
	return v, nil
}

func validate(c Config) error {
	switch {
	case c.Channels <= 0 || c.ZChannels <= 0 || c.NumResBlocks <= 0 || len(c.ChannelMult) == 0:
		return fmt.Errorf("vae: config %+v: widths, blocks and levels must be positive", c)
	case len(c.ChannelMult) > 8:
		return fmt.Errorf("vae: config has %d levels, at most 8 supported", len(c.ChannelMult))
	case !(c.ScaleFactor > 0) || math.IsInf(c.ScaleFactor, 0) || math.IsNaN(c.ShiftFactor) || math.IsInf(c.ShiftFactor, 0):
		return fmt.Errorf("vae: latent scale %v, shift %v: a standalone VAE needs the scale of the model it serves (detect.LatentScale)", c.ScaleFactor, c.ShiftFactor)
	}
	for i, m := range c.ChannelMult {
		if m <= 0 || (c.Channels*m)%normGroups != 0 {
			return fmt.Errorf("vae: level %d width %d·%d does not split into %d groups", i, c.Channels, m, normGroups)
		}
	}
	return nil
}

// Config is the configuration the model was loaded with.
func (v *VAE) Config() Config { return v.cfg }

// LatentChannels is the channel count of the latents Encode returns.
func (v *VAE) LatentChannels() int { return v.latents }

// Factor is the spatial downscale between image and latent (8 for SD).
func (v *VAE) Factor() int { return v.factor }

// Encode maps img [N, 3, H, W] in [-1, 1] (H, W multiples of Factor) to the
// diffusion latent (z − shift)·scale [N, LatentChannels, H/f, W/f]. With
// sample set, z is drawn from the posterior, mean + σ·noise; otherwise z is
// the mean (the posterior's mode), which is what img2img usually wants.
func (v *VAE) Encode(ctx context.Context, img tensor.Tensor, sample bool, noise Noise) (tensor.Tensor, error) {
	mom, shape, err := v.moments(ctx, img)
	if err != nil {
		return tensor.Tensor{}, err
	}
	return v.finish(mom, shape, sample, noise)
}

// moments runs the encoder and quant_conv and returns the Gaussian's
// moments on the host, with their shape [N, 2·latents, h, w].
func (v *VAE) moments(ctx context.Context, img tensor.Tensor) ([]float32, tensor.Shape, error) {
	if v.Encoder == nil {
		return nil, nil, errors.New("vae encode: the weights hold no encoder")
	}
	if img.Rank() != 4 || img.Dim(1) != imageChannels || img.Dim(2)%v.factor != 0 || img.Dim(3)%v.factor != 0 {
		return nil, nil, fmt.Errorf("vae encode: image %v: %w: want [N, %d, H, W] with H and W multiples of %d", img.Shape(), tensor.ErrShape, imageChannels, v.factor)
	}
	d := v.dev
	h, err := v.Encoder.Forward(ctx, d, img)
	if err != nil {
		return nil, nil, fmt.Errorf("vae encode: %w", err)
	}
	if v.QuantConv != nil {
		q, err := v.QuantConv.Forward(d, h)
		nn.Free(d, h)
		if err != nil {
			return nil, nil, fmt.Errorf("vae quant_conv: %w", err)
		}
		h = q
	}
	// The posterior's sampling needs exp, which the device interface lacks;
	// the moments are 1/f² of the image's size, so the host does it.
	data, err := d.Download(h)
	shape := h.Shape()
	nn.Free(d, h)
	if err != nil {
		return nil, nil, fmt.Errorf("vae encode: %w", err)
	}
	return data, shape, nil
}

// finish turns host moments [N, 2·e, h, w] into the scaled latent on the
// device (DiagonalGaussianDistribution.sample or .mode, then the family's
// scale and shift).
func (v *VAE) finish(mom []float32, shape tensor.Shape, sample bool, noise Noise) (tensor.Tensor, error) {
	n, e, hw := shape[0], shape[1]/2, shape[2]*shape[3]
	out := tensor.Shape{n, e, shape[2], shape[3]}
	var eps []float32
	if sample {
		if noise == nil {
			return tensor.Tensor{}, errors.New("vae encode: sampling needs a noise source")
		}
		var err error
		if eps, err = noise(out); err != nil {
			return tensor.Tensor{}, fmt.Errorf("vae encode noise: %w", err)
		}
		if len(eps) != out.Numel() {
			return tensor.Tensor{}, fmt.Errorf("vae encode: noise gave %d values for %v", len(eps), out)
		}
	}
	scale, shift := v.cfg.ScaleFactor, v.cfg.ShiftFactor
	z := make([]float32, out.Numel())
	for b := range n {
		for c := range e {
			mean := mom[(b*2*e+c)*hw:][:hw]
			logVar := mom[(b*2*e+e+c)*hw:][:hw]
			dst := z[(b*e+c)*hw:][:hw]
			for i := range dst {
				val := float64(mean[i])
				if sample {
					lv := min(max(float64(logVar[i]), logVarMin), logVarMax)
					val += math.Exp(0.5*lv) * float64(eps[(b*e+c)*hw+i])
				}
				dst[i] = float32((val - shift) * scale)
			}
		}
	}
	t, err := v.dev.Upload(out, z)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae encode: %w", err)
	}
	return t, nil
}

// Decode maps a diffusion latent [N, LatentChannels, h, w] to an image
// [N, 3, h·f, w·f] in about [-1, 1] (not clamped), undoing the scale and
// shift first: z = latent/scale + shift.
func (v *VAE) Decode(ctx context.Context, latent tensor.Tensor) (tensor.Tensor, error) {
	if v.Decoder == nil {
		return tensor.Tensor{}, errors.New("vae decode: the weights hold no decoder")
	}
	if latent.Rank() != 4 || latent.Dim(1) != v.latents {
		return tensor.Tensor{}, fmt.Errorf("vae decode: latent %v: %w: want [N, %d, h, w]", latent.Shape(), tensor.ErrShape, v.latents)
	}
	d := v.dev
	// Unscale.
	z, err := d.Scale(latent, float32(1/v.cfg.ScaleFactor))
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode: %w", err)
	}
	if v.cfg.ShiftFactor != 0 {
		s, err := d.Upload(tensor.Shape{1}, []float32{float32(v.cfg.ShiftFactor)})
		if err != nil {
			nn.Free(d, z)
			return tensor.Tensor{}, fmt.Errorf("vae decode: %w", err)
		}
		shifted, err := d.Add(z, s)
		nn.Free(d, z, s)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("vae decode shift: %w", err)
		}
		z = shifted
	}
	// post_quant_conv, decoder.
	if v.PostQuantConv != nil {
		p, err := v.PostQuantConv.Forward(d, z)
		nn.Free(d, z)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("vae post_quant_conv: %w", err)
		}
		z = p
	}
	img, err := v.Decoder.Forward(ctx, d, z)
	nn.Free(d, z)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("vae decode: %w", err)
	}
	return img, nil
}
