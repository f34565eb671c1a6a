package pipeline

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
	"github.com/dreamlayer/dreamlayer/backend/engine/rng"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
)

// Modes of a Request.
const (
	ModeTxt2Img = "txt2img"
	ModeImg2Img = "img2img"
	ModeInpaint = "inpaint"
)

// Resize modes for an init image whose size differs from the request's
// (A1111's img2img "Resize mode").
const (
	ResizeJust    = "just_resize"     // stretch to the target size
	ResizeCrop    = "crop_and_resize" // cover the target, crop the overflow
	ResizeFill    = "resize_and_fill" // fit inside, fill the borders from the edges
	ResizeDefault = ResizeJust
)

// Inpaint fills: what the masked area starts from (A1111's "Masked content").
const (
	FillFill          = "fill"           // the masked pixels painted with the surrounding colours
	FillOriginal      = "original"       // the image as it is
	FillLatentNoise   = "latent_noise"   // fresh noise in the masked latent
	FillLatentNothing = "latent_nothing" // zeros in the masked latent
)

// Hires-fix upscalers.
const (
	UpscaleLatent  = "latent"  // bilinear in latent space (A1111 "Latent")
	UpscaleLanczos = "lanczos" // decode, Lanczos in pixels, encode again
)

// Limits that keep a request from asking for absurd work or memory.
const (
	maxSteps  = 1000
	maxSide   = 8192
	maxBatch  = 64
	maxCount  = 10000
	maxCFG    = 100
	maxLoras  = 32
	maxThread = 1024
)

// ErrInvalidRequest is wrapped by every validation error; the message names
// the offending field.
var ErrInvalidRequest = errors.New("invalid request")

// Request is one generation job. The zero value of every optional field means
// "the default" (documented per field); pointers mark fields where the zero
// value is itself a meaningful choice.
type Request struct {
	// Model is the checkpoint file (.safetensors, .ckpt).
	Model string `json:"model"`
	// VAE optionally replaces the checkpoint's VAE with a standalone file.
	VAE string `json:"vae,omitempty"`
	// Prompt and NegativePrompt use A1111's syntax: (x:1.2), [x], BREAK,
	// [a:b:when], [a|b], <lora:name:weight>.
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negative_prompt,omitempty"`
	// Steps is the number of sampling steps (default 20).
	Steps int `json:"steps"`
	// CFGScale is the classifier-free guidance scale (nil: 7). At exactly 1
	// the unconditional pass is skipped.
	CFGScale *float64 `json:"cfg_scale,omitempty"`
	// Sampler is a sampler's A1111 display name ("DPM++ 2M"), ComfyUI id or
	// DreamLayer id (default "Euler").
	Sampler string `json:"sampler"`
	// Scheduler is the sigma schedule ("karras", "Karras"…); empty or
	// "Automatic" takes the sampler's default.
	Scheduler string `json:"scheduler,omitempty"`
	// Seed is the first image's seed; nil or −1 picks a random one, which
	// Result reports.
	Seed *int64 `json:"seed,omitempty"`
	// Subseed and SubseedStrength are A1111's variation seed: the noise is
	// slerped towards Subseed's by SubseedStrength in [0, 1].
	Subseed         int64   `json:"subseed,omitempty"`
	SubseedStrength float32 `json:"subseed_strength,omitempty"`
	// RNG is the noise source: "cpu" (torch CPU, ComfyUI; the default) or
	// "gpu" (A1111's Philox imitation of CUDA).
	RNG string `json:"rng,omitempty"`
	// Width and Height are the image size in pixels, multiples of 8
	// (0: the family's native size, 512 for SD 1.x, 768 for SD 2.x v,
	// 1024 for SDXL).
	Width  int `json:"width"`
	Height int `json:"height"`
	// BatchSize images are sampled together in one batched UNet pass;
	// BatchCount batches run one after another (both default 1). Image i
	// of the job uses seed+i.
	BatchSize  int `json:"batch_size"`
	BatchCount int `json:"batch_count"`
	// ClipSkip is A1111's "Clip skip": 1 uses the last text-encoder layer,
	// 2 the penultimate… 0 keeps the family's default.
	ClipSkip int `json:"clip_skip,omitempty"`
	// Mode is txt2img, img2img or inpaint; empty infers it from InitImage
	// and Mask.
	Mode string `json:"mode"`
	// InitImage is the img2img/inpaint source image: a file path, or the
	// encoded bytes in InitImageData (which wins when set).
	InitImage     string `json:"init_image,omitempty"`
	InitImageData []byte `json:"-"`
	// Strength is img2img's denoising strength in [0, 1] (nil: 0.75).
	Strength *float64 `json:"strength,omitempty"`
	// ResizeMode says how an init image of another size is fitted
	// (ResizeJust, ResizeCrop, ResizeFill; default ResizeJust).
	ResizeMode string `json:"resize_mode,omitempty"`
	// Mask is the inpainting mask (white = repaint), a path or bytes in
	// MaskData (which wins when set). Any image format; luminance is used.
	Mask     string `json:"mask,omitempty"`
	MaskData []byte `json:"-"`
	// MaskBlur is the mask's Gaussian blur radius in pixels (nil: 4).
	MaskBlur *int `json:"mask_blur,omitempty"`
	// InpaintFill is what the masked area starts from (Fill… constants;
	// default FillOriginal).
	InpaintFill string `json:"inpaint_fill,omitempty"`
	// InpaintOnlyMasked repaints only the mask's bounding box, grown by
	// InpaintPadding pixels (nil: 32), at the full request size, and pastes
	// it back.
	InpaintOnlyMasked bool `json:"inpaint_only_masked,omitempty"`
	InpaintPadding    *int `json:"inpaint_padding,omitempty"`
	// Hires runs a second pass at a larger size (nil: off).
	Hires *Hires `json:"hires,omitempty"`
	// Refiner hands the last part of sampling to an SDXL refiner (nil: off).
	Refiner *Refiner `json:"refiner,omitempty"`
	// Loras are applied besides those the prompt names with <lora:…>.
	Loras []Lora `json:"loras,omitempty"`
	// OutputDir receives the PNGs; empty keeps them in memory only
	// (Image.PNG).
	OutputDir string `json:"output_dir,omitempty"`
	// FilenamePattern names the files ([seed] [model_name] [prompt_words]
	// [date] [time] [width] [height] [steps]; default "[seed]").
	FilenamePattern string `json:"filename_pattern,omitempty"`
	// Threads is the CPU worker threads the job asks for (0: all cores).
	// The device is built by the Engine's owner, so the CLI and the worker
	// apply it when they create the device; Generate only validates it.
	Threads int `json:"threads,omitempty"`
}

// Hires is A1111's hires fix: upscale the first pass and run img2img on it.
type Hires struct {
	// Scale multiplies the size; Width/Height, when set, give the target
	// directly (one of them alone keeps the aspect ratio).
	Scale  float64 `json:"scale,omitempty"`
	Width  int     `json:"width,omitempty"`
	Height int     `json:"height,omitempty"`
	// Upscaler is UpscaleLatent (default) or UpscaleLanczos.
	Upscaler string `json:"upscaler,omitempty"`
	// Steps of the second pass (0: the request's Steps).
	Steps int `json:"steps,omitempty"`
	// Denoise is the second pass's denoising strength (nil: 0.7).
	Denoise *float64 `json:"denoise,omitempty"`
}

// Refiner hands sampling over to a second (SDXL refiner) model.
type Refiner struct {
	// Model is the refiner checkpoint.
	Model string `json:"model"`
	// SwitchAt is the fraction of steps after which the refiner takes
	// over, in (0, 1) (0: 0.8).
	SwitchAt float64 `json:"switch_at,omitempty"`
}

// Lora is one LoRA/LyCORIS file with its strength.
type Lora struct {
	// Name is the file name (without folder or extension) the prompt tag
	// uses; Path is the file. One of them is required.
	Name   string  `json:"name,omitempty"`
	Path   string  `json:"path,omitempty"`
	Weight float64 `json:"weight"`
}

// invalid builds a validation error naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidRequest, field, fmt.Sprintf(format, args...))
}

// normalize validates r and returns a copy with every default filled in
// except those that depend on the model (size, clip skip), which stay zero.
func normalize(r Request) (Request, error) {
	if strings.TrimSpace(r.Model) == "" {
		return r, invalid("Model", "a checkpoint path is required")
	}
	if len(r.Prompt) > prompt.MaxPromptBytes {
		return r, invalid("Prompt", "longer than %d bytes", prompt.MaxPromptBytes)
	}
	if len(r.NegativePrompt) > prompt.MaxPromptBytes {
		return r, invalid("NegativePrompt", "longer than %d bytes", prompt.MaxPromptBytes)
	}
	switch {
	case r.Steps == 0:
		r.Steps = 20
	case r.Steps < 0 || r.Steps > maxSteps:
		return r, invalid("Steps", "%d is outside 1…%d", r.Steps, maxSteps)
	}
	if r.CFGScale == nil {
		r.CFGScale = ptr(7.0)
	} else if c := *r.CFGScale; !(c >= 0 && c <= maxCFG) {
		return r, invalid("CFGScale", "%g is outside 0…%d", c, maxCFG)
	}
	if r.Sampler == "" {
		r.Sampler = "Euler"
	}
	_, hint, err := sampling.LookupSampler(r.Sampler)
	if err != nil {
		return r, invalid("Sampler", "%v", err)
	}
	if _, err := sampling.ResolveSchedule(r.Scheduler, hint); err != nil {
		return r, invalid("Scheduler", "%v", err)
	}
	if r.Seed != nil && *r.Seed < -1 {
		return r, invalid("Seed", "%d: want −1 (random) or a non-negative seed", *r.Seed)
	}
	if !(r.SubseedStrength >= 0 && r.SubseedStrength <= 1) {
		return r, invalid("SubseedStrength", "%g is outside 0…1", r.SubseedStrength)
	}
	if r.Subseed < 0 {
		return r, invalid("Subseed", "%d is negative", r.Subseed)
	}
	if r.RNG == "" {
		r.RNG = "cpu"
	}
	if _, err := rng.ParseKind(r.RNG); err != nil {
		return r, invalid("RNG", "%q: want cpu or gpu", r.RNG)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"Width", r.Width}, {"Height", r.Height}} {
		if s.v < 0 || s.v > maxSide || s.v%8 != 0 {
			return r, invalid(s.name, "%d: want a multiple of 8 up to %d (0: the model's size)", s.v, maxSide)
		}
	}
	if r.BatchSize == 0 {
		r.BatchSize = 1
	}
	if r.BatchSize < 0 || r.BatchSize > maxBatch {
		return r, invalid("BatchSize", "%d is outside 1…%d", r.BatchSize, maxBatch)
	}
	if r.BatchCount == 0 {
		r.BatchCount = 1
	}
	if r.BatchCount < 0 || r.BatchCount > maxCount {
		return r, invalid("BatchCount", "%d is outside 1…%d", r.BatchCount, maxCount)
	}
	if r.ClipSkip < 0 || r.ClipSkip > 12 {
		return r, invalid("ClipSkip", "%d is outside 0…12", r.ClipSkip)
	}
	if r.Threads < 0 || r.Threads > maxThread {
		return r, invalid("Threads", "%d is outside 0…%d", r.Threads, maxThread)
	}
	if err := normalizeImageInputs(&r); err != nil {
		return r, err
	}
	if r.Hires != nil {
		h := *r.Hires
		if err := normalizeHires(&h); err != nil {
			return r, err
		}
		r.Hires = &h
	}
	if r.Refiner != nil {
		rf := *r.Refiner
		if strings.TrimSpace(rf.Model) == "" {
			return r, invalid("Refiner.Model", "a checkpoint path is required")
		}
		if rf.SwitchAt == 0 {
			rf.SwitchAt = 0.8
		}
		if !(rf.SwitchAt > 0 && rf.SwitchAt < 1) {
			return r, invalid("Refiner.SwitchAt", "%g is outside (0, 1)", rf.SwitchAt)
		}
		r.Refiner = &rf
	}
	if len(r.Loras) > maxLoras {
		return r, invalid("Loras", "%d LoRAs; at most %d", len(r.Loras), maxLoras)
	}
	for i, l := range r.Loras {
		if l.Name == "" && l.Path == "" {
			return r, invalid(fmt.Sprintf("Loras[%d]", i), "a name or path is required")
		}
		if math.IsNaN(l.Weight) || math.Abs(l.Weight) > 100 {
			return r, invalid(fmt.Sprintf("Loras[%d].Weight", i), "%g is outside −100…100", l.Weight)
		}
	}
	if r.FilenamePattern == "" {
		r.FilenamePattern = "[seed]"
	}
	return r, nil
}

func normalizeImageInputs(r *Request) error {
	hasInit := r.InitImage != "" || len(r.InitImageData) > 0
	hasMask := r.Mask != "" || len(r.MaskData) > 0
	if r.Mode == "" {
		switch {
		case hasMask:
			r.Mode = ModeInpaint
		case hasInit:
			r.Mode = ModeImg2Img
		default:
			r.Mode = ModeTxt2Img
		}
	}
	switch r.Mode {
	case ModeTxt2Img:
		if hasInit || hasMask {
			return invalid("Mode", "txt2img takes no InitImage or Mask")
		}
	case ModeImg2Img, ModeInpaint:
		if !hasInit {
			return invalid("InitImage", "%s needs an init image", r.Mode)
		}
		if r.Mode == ModeInpaint && !hasMask {
			return invalid("Mask", "inpaint needs a mask")
		}
		if r.Mode == ModeImg2Img && hasMask {
			return invalid("Mask", "img2img takes no mask (use mode inpaint)")
		}
	default:
		return invalid("Mode", "%q: want txt2img, img2img or inpaint", r.Mode)
	}
	if r.Mode != ModeTxt2Img {
		if r.Strength == nil {
			r.Strength = ptr(0.75)
		} else if s := *r.Strength; !(s >= 0 && s <= 1) {
			return invalid("Strength", "%g is outside 0…1", s)
		}
	} else if r.Strength != nil {
		return invalid("Strength", "only img2img and inpaint take a denoising strength")
	}
	switch r.ResizeMode {
	case "":
		r.ResizeMode = ResizeDefault
	case ResizeJust, ResizeCrop, ResizeFill:
	default:
		return invalid("ResizeMode", "%q: want %s, %s or %s", r.ResizeMode, ResizeJust, ResizeCrop, ResizeFill)
	}
	if r.Mode == ModeInpaint {
		if r.MaskBlur == nil {
			r.MaskBlur = ptr(4)
		} else if *r.MaskBlur < 0 || *r.MaskBlur > 256 {
			return invalid("MaskBlur", "%d is outside 0…256", *r.MaskBlur)
		}
		switch r.InpaintFill {
		case "":
			r.InpaintFill = FillOriginal
		case FillFill, FillOriginal, FillLatentNoise, FillLatentNothing:
		default:
			return invalid("InpaintFill", "%q: want fill, original, latent_noise or latent_nothing", r.InpaintFill)
		}
		if r.InpaintPadding == nil {
			r.InpaintPadding = ptr(32)
		} else if *r.InpaintPadding < 0 || *r.InpaintPadding > maxSide {
			return invalid("InpaintPadding", "%d is outside 0…%d", *r.InpaintPadding, maxSide)
		}
	}
	return nil
}

func normalizeHires(h *Hires) error {
	if h.Scale == 0 && h.Width == 0 && h.Height == 0 {
		h.Scale = 2
	}
	if !(h.Scale >= 0 && h.Scale <= 8) {
		return invalid("Hires.Scale", "%g is outside 1…8", h.Scale)
	}
	if h.Scale != 0 && h.Scale < 1 {
		return invalid("Hires.Scale", "%g is below 1", h.Scale)
	}
	for _, s := range []struct {
		name string
		v    int
	}{{"Hires.Width", h.Width}, {"Hires.Height", h.Height}} {
		if s.v < 0 || s.v > maxSide || s.v%8 != 0 {
			return invalid(s.name, "%d: want a multiple of 8 up to %d", s.v, maxSide)
		}
	}
	switch h.Upscaler {
	case "":
		h.Upscaler = UpscaleLatent
	case UpscaleLatent, UpscaleLanczos:
	default:
		return invalid("Hires.Upscaler", "%q: want latent or lanczos", h.Upscaler)
	}
	if h.Steps < 0 || h.Steps > maxSteps {
		return invalid("Hires.Steps", "%d is outside 0…%d", h.Steps, maxSteps)
	}
	if h.Denoise == nil {
		h.Denoise = ptr(0.7)
	} else if d := *h.Denoise; !(d >= 0 && d <= 1) {
		return invalid("Hires.Denoise", "%g is outside 0…1", d)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
