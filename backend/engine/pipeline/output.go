package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/fsutil"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// a1111Samplers are A1111's display names of the sampler ids, for the
// "Sampler" metadata (names.go in sampling maps names to samplers; this is
// the way back for writing).
var a1111Samplers = map[string]string{
	"euler": "Euler", "euler_a": "Euler a", "heun": "Heun", "dpm_2": "DPM2", "dpm_2_a": "DPM2 a",
	"dpmpp_2s_a": "DPM++ 2S a", "dpmpp_2m": "DPM++ 2M", "dpmpp_2m_sde": "DPM++ 2M SDE",
	"dpmpp_2m_sde_heun": "DPM++ 2M SDE Heun", "dpmpp_3m_sde": "DPM++ 3M SDE", "dpmpp_sde": "DPM++ SDE",
	"lms": "LMS", "ddim": "DDIM", "plms": "PLMS", "uni_pc": "UniPC", "lcm": "LCM",
}

// a1111Schedules are A1111's "Schedule type" labels of the schedule ids.
var a1111Schedules = map[string]string{
	"normal": "Normal", "karras": "Karras", "exponential": "Exponential", "sgm_uniform": "SGM Uniform",
	"simple": "Simple", "ddim_uniform": "DDIM", "beta": "Beta", "beta_a1111": "Beta",
	"kl_optimal": "KL Optimal", "align_your_steps": "Align Your Steps", "align_your_steps_a1111": "Align Your Steps",
}

// samplerLabel is the A1111 name of the request's sampler.
func (j *job) samplerLabel() string {
	if n, ok := a1111Samplers[j.hint.ID]; ok {
		return n
	}
	return j.r.Sampler
}

// scheduleLabel is the A1111 label of the schedule the run used.
func (j *job) scheduleLabel() string {
	id := j.hint.Schedule
	if id == "" {
		s := strings.TrimSpace(j.r.Scheduler)
		if s == "" || strings.EqualFold(s, "automatic") {
			id = j.hint.Default
		} else {
			for k, label := range a1111Schedules {
				if strings.EqualFold(s, k) || strings.EqualFold(s, label) {
					id = k
					break
				}
			}
			if id == "" {
				return s
			}
		}
	}
	if l, ok := a1111Schedules[id]; ok {
		return l
	}
	return "Normal"
}

// parameters builds the A1111 metadata of one image.
func (j *job) parameters(ctx context.Context, seed, subseed int64, w, h int) (pnginfo.Parameters, error) {
	r := j.r
	hash, err := j.ck.hash.autoV2(ctx)
	if err != nil {
		return pnginfo.Parameters{}, err
	}
	p := pnginfo.Parameters{
		Prompt: r.Prompt, NegativePrompt: r.NegativePrompt, Steps: r.Steps,
		Sampler: j.samplerLabel(), Schedule: j.scheduleLabel(), CFGScale: *r.CFGScale,
		Seed: seed, Width: r.Width, Height: r.Height, ModelHash: hash, Model: stem(r.Model),
		ClipSkip: r.ClipSkip,
	}
	if r.Strength != nil {
		p.DenoisingStrength = r.Strength
	}
	add := func(k, v string) { p.Extra = append(p.Extra, pnginfo.KV{Key: k, Value: v}) }
	if r.SubseedStrength > 0 {
		add("Variation seed", strconv.FormatInt(subseed, 10))
		add("Variation seed strength", fmtFloat(float64(r.SubseedStrength)))
	}
	if r.RNG != "cpu" {
		add("RNG", "NV")
	}
	if r.VAE != "" {
		add("VAE", filepath.Base(r.VAE))
	}
	if r.Mode == ModeInpaint {
		add("Mask blur", strconv.Itoa(*r.MaskBlur))
		if r.InpaintOnlyMasked {
			add("Inpaint area", "Only masked")
			add("Masked area padding", strconv.Itoa(*r.InpaintPadding))
		}
	}
	if hr := r.Hires; hr != nil {
		p.DenoisingStrength = hr.Denoise
		if hr.Width > 0 || hr.Height > 0 {
			add("Hires resize", fmt.Sprintf("%dx%d", w, h))
		} else {
			add("Hires upscale", fmtFloat(hr.Scale))
		}
		if hr.Steps > 0 {
			add("Hires steps", strconv.Itoa(hr.Steps))
		}
		up := "Latent"
		if hr.Upscaler == UpscaleLanczos {
			up = "Lanczos"
		}
		add("Hires upscaler", up)
	}
	if rf := r.Refiner; rf != nil {
		add("Refiner", stem(rf.Model))
		add("Refiner switch at", fmtFloat(rf.SwitchAt))
	}
	if h := j.loraHashes(); h != "" {
		add("Lora hashes", h)
	}
	if j.e.opts.Version != "" {
		add("Version", j.e.opts.Version)
	}
	return p, nil
}

// save encodes one image as PNG with its metadata and writes it when the
// request has an output folder: under a name from the pattern, reserved so
// nothing is overwritten, written atomically.
func (j *job) save(ctx context.Context, img imageops.RGB, seed, subseed int64) (Image, error) {
	r := j.r
	p, err := j.parameters(ctx, seed, subseed, img.W, img.H)
	if err != nil {
		return Image{}, err
	}
	text := pnginfo.FormatA1111(p)
	// Where the file goes and how many threads made it are not part of
	// what was generated; leaving them out keeps equal requests' files
	// byte-identical wherever they are written.
	rec := r
	rec.OutputDir, rec.Threads = "", 0
	reqJSON, err := json.Marshal(rec)
	if err != nil {
		return Image{}, fmt.Errorf("request json: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img.ToNRGBA()); err != nil {
		return Image{}, fmt.Errorf("encode png: %w", err)
	}
	data, err := pnginfo.Embed(buf.Bytes(), map[string]string{pnginfo.KeyParameters: text},
		map[string]string{pnginfo.KeyDreamLayer: string(reqJSON)})
	if err != nil {
		return Image{}, fmt.Errorf("png metadata: %w", err)
	}
	out := Image{PNG: data, Seed: seed, Subseed: subseed, Width: img.W, Height: img.H, Parameters: text}
	if r.OutputDir == "" {
		return out, nil
	}
	if err := os.MkdirAll(r.OutputDir, 0o755); err != nil {
		return out, fmt.Errorf("output folder: %w", err)
	}
	base := pnginfo.FormatFilename(r.FilenamePattern, pnginfo.FilenameValues{
		Seed: seed, ModelName: r.Model, Prompt: r.Prompt, Time: j.e.opts.Now(),
		Width: img.W, Height: img.H, Steps: r.Steps,
	})
	path, err := pnginfo.UniquePath(r.OutputDir, base, ".png")
	if err != nil {
		return out, fmt.Errorf("output file: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		os.Remove(path) // drop the empty reservation
		return out, fmt.Errorf("write %s: %w", path, err)
	}
	out.Path = path
	return out, nil
}

func stem(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// loraHashes is A1111's "Lora hashes" value ("name: hash, …"), computed once
// per job.
func (j *job) loraHashes() string {
	if j.loraHash == nil {
		var hashes []string
		for _, l := range j.loras {
			h, err := lora.Hash(l.Path)
			if err != nil {
				continue // the metadata loses one entry, the image is fine
			}
			hashes = append(hashes, stem(l.Path)+": "+h)
		}
		j.loraHash = ptr(strings.Join(hashes, ", "))
	}
	return *j.loraHash
}
