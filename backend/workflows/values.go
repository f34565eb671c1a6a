package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// checkpoint is a loaded model file. Its weights are shared by every
// MODEL and CLIP value that came from it; LoRAs are patched in lazily, for
// the set the node about to compute asks for, so cached values never see
// another branch's patches.
type checkpoint struct {
	path     string
	det      detect.Model
	unet     *unet.UNet
	vae      *vae.VAE
	encoders []*clip.TextEncoder
	schedule *sampling.Discrete
	dev      compute.Device

	mu      sync.Mutex
	reg     *nn.Registry
	patcher *lora.Patcher
	applied []lora.Spec
}

// modelValue is a MODEL: a checkpoint's UNet with the LoRAs to apply.
type modelValue struct {
	ck    *checkpoint
	loras []lora.Spec
}

// clipValue is a CLIP: the text encoders, LoRAs and the CLIP skip
// (pipeline convention: 1 = last layer, 0 = the family's default).
type clipValue struct {
	ck    *checkpoint
	loras []lora.Spec
	skip  int
}

// vaeValue is a VAE.
type vaeValue struct{ v *vae.VAE }

// condEntry is one conditioning of a CONDITIONING list: the text
// encoder's hidden states [tokens, width] on the host, SDXL's pooled
// vector, and the part of the run it applies to (fractions of the
// schedule, ConditioningSetTimestepRange).
type condEntry struct {
	hidden        []float32
	tokens, width int
	pooled        []float32
	start, end    float64
}

// Conditioning is a CONDITIONING: entries averaged at each step as
// ComfyUI does for conditionings without areas.
type Conditioning []condEntry

// Latent is a LATENT: samples [B, C, H, W] in the model's (scaled) space,
// and an optional noise mask [H, W] (1 = resample).
type Latent struct {
	Samples    []float32
	B, C, H, W int
	NoiseMask  []float32
}

// Images is an IMAGE batch.
type Images []imageops.RGB

// loadCheckpoint reads a checkpoint: detect → CLIP, UNet, VAE.
func loadCheckpoint(ctx context.Context, dev compute.Device, path string) (*checkpoint, error) {
	src, err := weights.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	det, err := detect.Detect(src, detect.Overrides{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if det.UNet == nil || len(det.TextEncoders) == 0 {
		return nil, fmt.Errorf("%s: %w: not a full checkpoint (no UNet or text encoder)", path, detect.ErrUnsupportedModel)
	}
	w := nn.NewWeights(src, dev)
	ck := &checkpoint{path: path, det: det, dev: dev, reg: w.Registry()}
	for _, tc := range det.TextEncoders {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		te, err := clip.Load(w, tc)
		if err != nil {
			return nil, fmt.Errorf("%s: text encoder %s: %w", path, tc.Kind, err)
		}
		ck.encoders = append(ck.encoders, te)
	}
	if ck.unet, err = unet.Load(w.Sub(strings.TrimSuffix(det.UNet.Prefix, ".")), *det.UNet); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if det.VAE != nil && det.HasBakedVAE {
		cfg := *det.VAE
		if cfg.ScaleFactor == 0 {
			cfg.ScaleFactor, cfg.ShiftFactor = detect.LatentScale(det.Family)
		}
		if ck.vae, err = vae.Load(w, cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	fam := sampling.FamilySD1
	if det.Family == detect.FamilySDXL || det.Family == detect.FamilySDXLRefiner {
		fam = sampling.FamilySDXL
	}
	ck.schedule = sampling.StableDiffusion(fam)
	return ck, nil
}

// loadVAE reads a standalone VAE. The latent scale cannot be told from a
// VAE file, so SD 1.x's is used (ComfyUI keeps it on the model instead).
func loadVAE(dev compute.Device, path string) (*vae.VAE, error) {
	src, err := weights.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer src.Close()
	det, err := detect.Detect(src, detect.Overrides{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if det.VAE == nil {
		return nil, fmt.Errorf("%s: %w: no VAE in the file", path, detect.ErrUnsupportedModel)
	}
	cfg := *det.VAE
	cfg.ScaleFactor, cfg.ShiftFactor = detect.LatentScale(det.Family)
	if cfg.ScaleFactor == 0 {
		cfg.ScaleFactor, cfg.ShiftFactor = detect.LatentScale(detect.FamilySD1)
	}
	return vae.Load(nn.NewWeights(src, dev), cfg)
}

// withLoras patches exactly specs into the checkpoint (restoring the
// originals first) unless that set is already in, then runs fn.
func (c *checkpoint) withLoras(ctx context.Context, specs []lora.Spec, fn func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.EqualFunc(c.applied, specs, specEqual) {
		if c.patcher == nil {
			c.patcher = lora.NewPatcher(c.dev, c.reg)
		}
		c.applied = nil
		if _, err := c.patcher.Apply(ctx, specs); err != nil {
			return fmt.Errorf("apply LoRAs: %w", err)
		}
		c.applied = slices.Clone(specs)
	}
	return fn()
}

func specEqual(a, b lora.Spec) bool {
	return a.Path == b.Path && a.Weight == b.Weight && (a.TEWeight == nil) == (b.TEWeight == nil) &&
		(a.TEWeight == nil || *a.TEWeight == *b.TEWeight)
}
