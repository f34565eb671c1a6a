package generation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
	"github.com/dreamlayer/dreamlayer/backend/fsutil"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/localengine"
)

// ErrInvalidRequest is wrapped by every error about the form's values; the
// message names the field.
var ErrInvalidRequest = errors.New("invalid request")

// maxUpload bounds one dropped or pasted image.
const maxUpload = 64 << 20

// Request is what the Generate pages submit. Model ids are catalog ids.
type Request struct {
	// Provider is "" or "local" for the local engine (Model is then a
	// catalog id), or a cloud provider ("openai", "ideogram", "bfl") whose
	// model id Model is.
	Provider          string   `json:"provider"`
	Model             string   `json:"model"`
	Mode              string   `json:"mode"` // txt2img, img2img or inpaint
	Prompt            string   `json:"prompt"`
	NegativePrompt    string   `json:"negativePrompt"`
	Sampler           string   `json:"sampler"`
	Scheduler         string   `json:"scheduler"`
	Steps             int      `json:"steps"`
	CFGScale          float64  `json:"cfgScale"`
	Width             int      `json:"width"`
	Height            int      `json:"height"`
	Seed              int64    `json:"seed"` // -1: random
	Subseed           int64    `json:"subseed"`
	SubseedStrength   float64  `json:"subseedStrength"`
	BatchSize         int      `json:"batchSize"`
	BatchCount        int      `json:"batchCount"`
	ClipSkip          int      `json:"clipSkip"`
	VAE               string   `json:"vae"`       // catalog id, "" for the checkpoint's own
	InitImage         string   `json:"initImage"` // a file path (see SaveUpload)
	Strength          float64  `json:"strength"`
	ResizeMode        string   `json:"resizeMode"`
	Mask              string   `json:"mask"` // a file path
	MaskBlur          int      `json:"maskBlur"`
	InpaintFill       string   `json:"inpaintFill"`
	InpaintOnlyMasked bool     `json:"inpaintOnlyMasked"`
	InpaintPadding    int      `json:"inpaintPadding"`
	Hires             *Hires   `json:"hires"`
	Refiner           *Refiner `json:"refiner"`
	Loras             []Lora   `json:"loras"`
	// Cloud models: size ("1024x1024") or aspect ratio ("16:9"), and
	// model options (quality, style, …). BatchSize is the image count.
	Size        string            `json:"size"`
	AspectRatio string            `json:"aspectRatio"`
	Options     map[string]string `json:"options"`
}

// Hires is the form's hires-fix section.
type Hires struct {
	Scale    float64 `json:"scale"`
	Upscaler string  `json:"upscaler"`
	Steps    int     `json:"steps"`
	Denoise  float64 `json:"denoise"`
}

// Refiner is the form's SDXL refiner section; Model is a catalog id.
type Refiner struct {
	Model    string  `json:"model"`
	SwitchAt float64 `json:"switchAt"`
}

// Lora is one LoRA by catalog file name and strength.
type Lora struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// TokenCount is a prompt's length as A1111 counts it.
type TokenCount struct {
	Tokens int `json:"tokens"`
	Chunks int `json:"chunks"`
}

// Catalog is the part of the model catalog the service needs.
type Catalog interface {
	Get(id string) (catalog.Model, bool)
}

// Submitter is the part of the job queue the service needs.
type Submitter interface {
	Submit(ctx context.Context, req jobs.Request) (jobs.Job, error)
}

// Service builds jobs from form requests.
type Service struct {
	// Cloud lists the cloud providers; empty means local models only.
	Cloud Cloud
	// Pattern names the images (the filenamePattern setting); nil or ""
	// leaves the engine's default.
	Pattern func() string

	catalog   Catalog
	queue     Submitter
	uploadDir string
	tokenizer func() (*clip.Tokenizer, error)
}

// New returns a service that keeps uploads under uploadDir.
func New(cat Catalog, queue Submitter, uploadDir string) *Service {
	// Building the BPE tables takes ~50 ms: only when first asked, once.
	return &Service{catalog: cat, queue: queue, uploadDir: uploadDir, tokenizer: sync.OnceValues(clip.NewTokenizer)}
}

// Submit queues a generation job, local or cloud.
func (s *Service) Submit(ctx context.Context, r Request) (jobs.Job, error) {
	if r.Provider != "" && r.Provider != localengine.ProviderName {
		return s.submitCloud(ctx, r)
	}
	req, err := s.engineRequest(r)
	if err != nil {
		return jobs.Job{}, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("encode request: %w", err)
	}
	var params map[string]any
	if err := json.Unmarshal(raw, &params); err != nil {
		return jobs.Job{}, fmt.Errorf("encode request: %w", err)
	}
	return s.queue.Submit(ctx, jobs.Request{
		Provider:       localengine.ProviderName,
		Model:          req.Model,
		Mode:           req.Mode,
		Prompt:         req.Prompt,
		NegativePrompt: req.NegativePrompt,
		Params:         params,
	})
}

// engineRequest maps the form onto the engine's request, resolving ids.
func (s *Service) engineRequest(r Request) (pipeline.Request, error) {
	model, err := s.file(r.Model, "model", catalog.KindCheckpoint)
	if err != nil {
		return pipeline.Request{}, err
	}
	req := pipeline.Request{
		Model:             model,
		Prompt:            r.Prompt,
		NegativePrompt:    r.NegativePrompt,
		Steps:             r.Steps,
		CFGScale:          &r.CFGScale,
		Sampler:           r.Sampler,
		Scheduler:         r.Scheduler,
		Seed:              &r.Seed,
		Subseed:           r.Subseed,
		SubseedStrength:   float32(r.SubseedStrength),
		Width:             r.Width,
		Height:            r.Height,
		BatchSize:         r.BatchSize,
		BatchCount:        r.BatchCount,
		ClipSkip:          r.ClipSkip,
		Mode:              cmpOr(r.Mode, pipeline.ModeTxt2Img),
		InitImage:         r.InitImage,
		ResizeMode:        r.ResizeMode,
		Mask:              r.Mask,
		InpaintFill:       r.InpaintFill,
		InpaintOnlyMasked: r.InpaintOnlyMasked,
	}
	if s.Pattern != nil {
		req.FilenamePattern = s.Pattern()
	}
	if r.Seed < 0 {
		req.Seed = nil // the engine picks, and records, a random seed
	}
	if r.Subseed < 0 {
		// A1111's -1 variation seed: a random one, only when it is used.
		req.Subseed = 0
		if r.SubseedStrength > 0 {
			req.Subseed = rand.Int64N(1 << 32)
		}
	}
	if req.Mode != pipeline.ModeTxt2Img {
		req.Strength = &r.Strength
		req.MaskBlur = &r.MaskBlur
		req.InpaintPadding = &r.InpaintPadding
	}
	if r.VAE != "" {
		if req.VAE, err = s.file(r.VAE, "vae", catalog.KindVAE); err != nil {
			return pipeline.Request{}, err
		}
	}
	if r.Hires != nil && r.Hires.Scale > 0 {
		req.Hires = &pipeline.Hires{Scale: r.Hires.Scale, Upscaler: r.Hires.Upscaler, Steps: r.Hires.Steps, Denoise: &r.Hires.Denoise}
	}
	if r.Refiner != nil && r.Refiner.Model != "" {
		path, err := s.file(r.Refiner.Model, "refiner.model", catalog.KindCheckpoint)
		if err != nil {
			return pipeline.Request{}, err
		}
		req.Refiner = &pipeline.Refiner{Model: path, SwitchAt: r.Refiner.SwitchAt}
	}
	for _, l := range r.Loras {
		req.Loras = append(req.Loras, pipeline.Lora{Name: l.Name, Weight: l.Weight})
	}
	return req, nil
}

// file resolves a catalog id to a model file of the wanted kind.
func (s *Service) file(id, field, kind string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: %s: choose a model", ErrInvalidRequest, field)
	}
	m, ok := s.catalog.Get(id)
	if !ok {
		return "", fmt.Errorf("%w: %s: no model with id %q (was the file removed?)", ErrInvalidRequest, field, id)
	}
	if m.Kind != kind {
		return "", fmt.Errorf("%w: %s: %s is a %s, not a %s", ErrInvalidRequest, field, m.FileName, m.Kind, kind)
	}
	if m.Status != catalog.StatusOK {
		return "", fmt.Errorf("%w: %s: %s is unreadable: %s", ErrInvalidRequest, field, m.FileName, m.Error)
	}
	return m.Path, nil
}

// CountTokens counts a prompt's CLIP tokens and 75-token chunks as A1111
// shows them under the prompt box.
func (s *Service) CountTokens(text string) (TokenCount, error) {
	tok, err := s.tokenizer()
	if err != nil {
		return TokenCount{}, err
	}
	p, err := prompt.Parse(text)
	if err != nil {
		return TokenCount{}, err
	}
	n, chunks := prompt.CountTokens(p.Text, tok.Encode)
	return TokenCount{Tokens: n, Chunks: max(chunks, 1)}, nil
}

// SaveUpload keeps a dropped or pasted image as a file the engine worker can
// read, named by its content so the same image is stored once.
func (s *Service) SaveUpload(name string, data []byte) (string, error) {
	if len(data) == 0 {
		return "", fmt.Errorf("%w: upload %q is empty", ErrInvalidRequest, name)
	}
	if len(data) > maxUpload {
		return "", fmt.Errorf("%w: upload %q is %d MiB, more than %d MiB", ErrInvalidRequest, name, len(data)>>20, maxUpload>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".png", ".jpg", ".jpeg", ".gif":
	default:
		ext = ".png"
	}
	sum := sha256.Sum256(data)
	path := filepath.Join(s.uploadDir, hex.EncodeToString(sum[:12])+ext)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(s.uploadDir, 0o755); err != nil {
		return "", fmt.Errorf("save upload: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		return "", fmt.Errorf("save upload: %w", err)
	}
	return path, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
