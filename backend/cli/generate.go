package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	_ "github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu" // registers "cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/embeddings"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/studio"
	"github.com/dreamlayer/dreamlayer/backend/version"
)

const generateSummary = "generate images (--model PATH|NAME --prompt TEXT [--negative] [--steps] [--cfg] [--sampler] [--scheduler] [--seed] [--rng cpu|gpu] [--width --height] [--batch-size] [--batch-count] [--init-image F --strength S] [--mask F] [--lora NAME:W]… [--vae] [--clip-skip] [--hires-scale --hires-steps --hires-denoise] [--out DIR] [--device NAME] [--threads N])"

// genFlags are the options generate and bench generate share.
type genFlags struct {
	fs                                   *flag.FlagSet
	model, prompt, negative              string
	sampler, scheduler, rng              string
	steps, width, height, batch, count   int
	cfg, strength                        float64
	seed, subseed                        int64
	subseedStrength                      float64
	initImage, mask, inpaintFill, vae    string
	maskBlur, clipSkip, threads, padding int
	onlyMasked                           bool
	loras                                loraFlags
	hiresScale, hiresDenoise             float64
	hiresSteps, hiresWidth, hiresHeight  int
	hiresUpscaler, refiner, out, pattern string
	device                               string
	refinerSwitch                        float64
	resizeMode                           string
	asJSON                               bool
}

func newGenFlags(env *Env, name string) *genFlags {
	g := &genFlags{fs: newFlags(env, name)}
	fs := g.fs
	fs.StringVar(&g.model, "model", "", "checkpoint file, or its name under the model folders")
	fs.StringVar(&g.prompt, "prompt", "", "prompt (A1111 syntax)")
	fs.StringVar(&g.negative, "negative", "", "negative prompt")
	fs.IntVar(&g.steps, "steps", 20, "sampling steps")
	fs.Float64Var(&g.cfg, "cfg", 7, "CFG scale (1 skips the unconditional pass)")
	fs.StringVar(&g.sampler, "sampler", "Euler", "sampler (A1111 or ComfyUI name)")
	fs.StringVar(&g.scheduler, "scheduler", "", "schedule (karras, exponential, …; empty: the sampler's default)")
	fs.Int64Var(&g.seed, "seed", -1, "seed (-1: random)")
	fs.Int64Var(&g.subseed, "subseed", 0, "variation seed")
	fs.Float64Var(&g.subseedStrength, "subseed-strength", 0, "variation strength 0…1")
	fs.StringVar(&g.rng, "rng", "cpu", "noise source: cpu (ComfyUI) or gpu (A1111)")
	fs.IntVar(&g.width, "width", 0, "width in pixels (0: the model's size)")
	fs.IntVar(&g.height, "height", 0, "height in pixels (0: the model's size)")
	fs.IntVar(&g.batch, "batch-size", 1, "images per batch (one batched pass)")
	fs.IntVar(&g.count, "batch-count", 1, "batches")
	fs.StringVar(&g.initImage, "init-image", "", "img2img/inpaint source image")
	fs.Float64Var(&g.strength, "strength", 0.75, "img2img denoising strength")
	fs.StringVar(&g.resizeMode, "resize-mode", "", "just_resize, crop_and_resize or resize_and_fill")
	fs.StringVar(&g.mask, "mask", "", "inpainting mask (white repaints)")
	fs.IntVar(&g.maskBlur, "mask-blur", 4, "mask blur radius")
	fs.StringVar(&g.inpaintFill, "inpaint-fill", "", "fill, original, latent_noise or latent_nothing")
	fs.BoolVar(&g.onlyMasked, "only-masked", false, "inpaint only the masked region")
	fs.IntVar(&g.padding, "only-masked-padding", 32, "padding around the masked region")
	fs.Var(&g.loras, "lora", "LoRA as NAME:WEIGHT (repeatable)")
	fs.StringVar(&g.vae, "vae", "", "VAE file or name replacing the checkpoint's")
	fs.IntVar(&g.clipSkip, "clip-skip", 0, "CLIP skip (1: last layer; 0: the model's default)")
	fs.Float64Var(&g.hiresScale, "hires-scale", 0, "hires fix: upscale factor (0: off)")
	fs.IntVar(&g.hiresWidth, "hires-width", 0, "hires fix: target width")
	fs.IntVar(&g.hiresHeight, "hires-height", 0, "hires fix: target height")
	fs.IntVar(&g.hiresSteps, "hires-steps", 0, "hires fix: steps (0: same as --steps)")
	fs.Float64Var(&g.hiresDenoise, "hires-denoise", 0.7, "hires fix: denoising strength")
	fs.StringVar(&g.hiresUpscaler, "hires-upscaler", "", "hires fix: latent or lanczos")
	fs.StringVar(&g.refiner, "refiner", "", "SDXL refiner checkpoint file or name")
	fs.Float64Var(&g.refinerSwitch, "refiner-switch", 0.8, "fraction of steps before the refiner takes over")
	fs.StringVar(&g.out, "out", "", "output folder (default: the studio's outputs)")
	fs.StringVar(&g.pattern, "filename-pattern", "", "file name pattern ([seed] [model_name] [prompt_words] [date] [time] …)")
	fs.StringVar(&g.device, "device", "cpu", "compute device ("+strings.Join(compute.Names(), ", ")+")")
	fs.IntVar(&g.threads, "threads", 0, "CPU threads (0: all cores)")
	fs.BoolVar(&g.asJSON, "json", false, "print the result as JSON")
	return g
}

// openDevice opens the --device device. A name nobody registered is a
// usage error; the message lists the devices this binary has (cuda only in
// the CUDA worker).
func (g *genFlags) openDevice() (compute.Device, error) {
	dev, err := compute.Open(g.device, compute.Options{Threads: g.threads})
	if errors.Is(err, compute.ErrUnknownDevice) {
		return nil, usageErr("--device: %v", err)
	}
	return dev, err
}

// loraFlags collects repeated --lora NAME:WEIGHT values.
type loraFlags []pipeline.Lora

func (l *loraFlags) String() string { return fmt.Sprint(*l) }

func (l *loraFlags) Set(v string) error {
	name, w, found := strings.Cut(v, ":")
	if i := strings.LastIndex(v, ":"); i >= 0 {
		name, w, found = v[:i], v[i+1:], true
	}
	weight := 1.0
	if found {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return fmt.Errorf("weight %q is not a number", w)
		}
		weight = f
	}
	if name == "" {
		return errors.New("want NAME:WEIGHT")
	}
	*l = append(*l, pipeline.Lora{Name: name, Weight: weight})
	return nil
}

// request builds the engine request; model names are resolved by resolve.
func (g *genFlags) request(resolve func(name, kind string) (string, error)) (pipeline.Request, error) {
	var err error
	r := pipeline.Request{
		Prompt: g.prompt, NegativePrompt: g.negative, Steps: g.steps, CFGScale: &g.cfg,
		Sampler: g.sampler, Scheduler: g.scheduler, Seed: &g.seed, Subseed: g.subseed,
		SubseedStrength: float32(g.subseedStrength), RNG: g.rng, Width: g.width, Height: g.height,
		BatchSize: g.batch, BatchCount: g.count, ClipSkip: g.clipSkip, InitImage: g.initImage,
		Mask: g.mask, ResizeMode: g.resizeMode, FilenamePattern: g.pattern, Threads: g.threads,
	}
	if g.steps <= 0 {
		return r, usageErr("--steps must be at least 1")
	}
	if g.model == "" {
		return r, usageErr("--model PATH|NAME is required")
	}
	if r.Model, err = resolve(g.model, catalog.KindCheckpoint); err != nil {
		return r, err
	}
	if g.vae != "" {
		if r.VAE, err = resolve(g.vae, catalog.KindVAE); err != nil {
			return r, err
		}
	}
	if g.initImage != "" {
		r.Strength = &g.strength
	}
	if g.mask != "" {
		r.MaskBlur, r.InpaintFill, r.InpaintOnlyMasked, r.InpaintPadding = &g.maskBlur, g.inpaintFill, g.onlyMasked, &g.padding
	}
	if g.hiresScale > 0 || g.hiresWidth > 0 || g.hiresHeight > 0 {
		r.Hires = &pipeline.Hires{Scale: g.hiresScale, Width: g.hiresWidth, Height: g.hiresHeight,
			Upscaler: g.hiresUpscaler, Steps: g.hiresSteps, Denoise: &g.hiresDenoise}
	}
	if g.refiner != "" {
		path, err := resolve(g.refiner, catalog.KindCheckpoint)
		if err != nil {
			return r, err
		}
		r.Refiner = &pipeline.Refiner{Model: path, SwitchAt: g.refinerSwitch}
	}
	for _, l := range g.loras {
		if l.Path, err = resolve(l.Name, catalog.KindLoRA); err != nil {
			return r, err
		}
		r.Loras = append(r.Loras, l)
	}
	return r, nil
}

// resolver finds model files: an existing path is used as is; any other
// name is looked up in the catalog by file name or name without extension.
// The studio is opened on first need.
type resolver struct {
	env    *Env
	ctx    context.Context
	studio *studio.Studio
	models []catalog.Model
	// embeddings caches lookups by lower-case word (nil: not an embedding).
	embeddings map[string]*embeddings.Embedding
}

func (r *resolver) open() (*studio.Studio, error) {
	if r.studio == nil {
		s, err := openStudio(r.env)
		if err != nil {
			return nil, err
		}
		r.studio = s
	}
	return r.studio, nil
}

// list scans the model folders once per command.
func (r *resolver) list() error {
	if r.models != nil {
		return nil
	}
	s, err := r.open()
	if err != nil {
		return err
	}
	if err := s.StartCatalog(r.ctx); err != nil {
		return err
	}
	r.models = s.Catalog.List()
	return nil
}

func (r *resolver) resolve(name, kind string) (string, error) {
	if st, err := os.Stat(name); err == nil && !st.IsDir() {
		return name, nil
	}
	if err := r.list(); err != nil {
		return "", err
	}
	var found []catalog.Model
	for _, m := range r.models {
		if m.Kind == kind && (strings.EqualFold(m.FileName, name) || strings.EqualFold(m.Name, name) ||
			filepath.ToSlash(filepath.Join(m.Folder, m.FileName)) == filepath.ToSlash(name)) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no %s named %q (not a file, and not under %s)", kind, name, strings.Join(r.studio.ModelRoots(), ", "))
	case 1:
		return found[0].Path, nil
	}
	return "", fmt.Errorf("%q names %d %s files (%s, %s…); give the path", name, len(found), kind, found[0].Path, found[1].Path)
}

// findLora resolves a prompt's <lora:name:w> through the catalog.
func (r *resolver) findLora(name string) (string, error) { return r.resolve(name, catalog.KindLoRA) }

// findEmbedding resolves a prompt word to a textual-inversion embedding in
// the catalog's embeddings folders by file stem, ignoring case as A1111 does.
// Only the catalog is consulted: a word must never be read as a file path.
func (r *resolver) findEmbedding(word string) (*embeddings.Embedding, bool) {
	key := strings.ToLower(word)
	if e, ok := r.embeddings[key]; ok {
		return e, e != nil
	}
	if r.embeddings == nil {
		r.embeddings = map[string]*embeddings.Embedding{}
	}
	r.embeddings[key] = nil
	if err := r.list(); err != nil {
		return nil, false
	}
	for _, m := range r.models {
		if m.Kind != catalog.KindEmbedding || !strings.EqualFold(m.Name, word) {
			continue
		}
		e, err := embeddings.Load(m.Path)
		if err != nil {
			fmt.Fprintf(r.env.Stderr, "warning: embedding %s: %v\n", m.Path, err)
			return nil, false
		}
		r.embeddings[key] = e
		return e, true
	}
	return nil, false
}

func (r *resolver) close() {
	if r.studio != nil {
		r.studio.Close()
	}
}

func runGenerate(ctx context.Context, env *Env, args []string) error {
	if p := providerArg(args); p != "" && p != "local" {
		return runCloudGenerate(ctx, env, "", args)
	}
	g := newGenFlags(env, "generate")
	if rest, err := parseInterleaved(g.fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	res := &resolver{env: env, ctx: ctx}
	defer res.close()
	req, err := g.request(res.resolve)
	if err != nil {
		return err
	}
	req.OutputDir = g.out
	if req.OutputDir == "" || req.FilenamePattern == "" {
		s, err := res.open()
		if err != nil {
			return err
		}
		if req.OutputDir == "" {
			req.OutputDir = s.OutputDir()
		}
		if req.FilenamePattern == "" {
			req.FilenamePattern = s.Settings.Get().FilenamePattern
		}
	}
	tightenGC()
	dev, err := g.openDevice()
	if err != nil {
		return err
	}
	defer dev.Close()
	eng := pipeline.New(dev, pipeline.Options{Version: "DreamLayer " + version.Get().Version, FindLora: res.findLora, FindEmbedding: res.findEmbedding})
	bar := newProgressBar(env.Stderr)
	result, err := eng.Generate(ctx, req, bar.update)
	bar.done()
	if err != nil {
		if errors.Is(err, pipeline.ErrInvalidRequest) {
			return usageErr("%v", err)
		}
		return err
	}
	if g.asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(result)
	}
	for _, img := range result.Images {
		fmt.Fprintln(env.Stdout, img.Path)
	}
	return nil
}

// progressBar draws sampling progress: a redrawn bar with ETA on a
// terminal, one line per step otherwise.
type progressBar struct {
	w        io.Writer
	terminal bool
	start    time.Time
	stage    string
	drawn    bool
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, terminal: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func (b *progressBar) update(p pipeline.Progress) {
	if p.Stage != b.stage {
		if b.drawn && b.terminal {
			fmt.Fprintln(b.w)
		}
		b.stage, b.start, b.drawn = p.Stage, time.Now(), false
	}
	if p.Total == 0 {
		if !b.terminal {
			fmt.Fprintf(b.w, "%s (batch %d)\n", p.Stage, p.Batch+1)
		}
		return
	}
	elapsed := time.Since(b.start)
	eta := time.Duration(0)
	if p.Step > 0 {
		eta = elapsed / time.Duration(p.Step) * time.Duration(p.Total-p.Step)
	}
	if !b.terminal {
		fmt.Fprintf(b.w, "%s %d/%d (batch %d) elapsed %s eta %s\n", p.Stage, p.Step, p.Total, p.Batch+1,
			elapsed.Round(time.Second), eta.Round(time.Second))
		return
	}
	const width = 30
	filled := width * p.Step / p.Total
	fmt.Fprintf(b.w, "\r%-7s [%s%s] %d/%d  %s elapsed, ETA %s ", p.Stage,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Step, p.Total,
		elapsed.Round(time.Second), eta.Round(time.Second))
	b.drawn = true
}

func (b *progressBar) done() {
	if b.drawn && b.terminal {
		fmt.Fprintln(b.w)
	}
}

// tightenGC lowers the collector's target for generation commands unless
// GOGC is set: the model's weights are gigabytes of live heap, and the
// default target (100%) would let the same again pile up as garbage between
// collections (peak RSS for SD 1.5 at 512²: 5.4 GB at GOGC=100, 4.1 GB at 20).
func tightenGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(20)
	}
}

// providerArg finds --provider in a command line before the flags are
// parsed: cloud and local generation take different flags.
func providerArg(args []string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "provider" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
