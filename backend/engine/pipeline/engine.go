package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"github.com/dreamlayer/dreamlayer/backend/engine/embeddings"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/taesd"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
)

// Options configure an Engine.
type Options struct {
	// MaxModels is how many checkpoints stay loaded between jobs (0: 2, so
	// an SDXL base and its refiner both stay).
	MaxModels int
	// TAESD and TAESDXL are optional TAESD decoder files for live previews
	// of SD 1.x/2.x and SDXL; without them previews use a linear
	// latent→RGB projection.
	TAESD, TAESDXL string
	// Version is written as the metadata's "Version" (empty: none).
	Version string
	// Logger receives load and timing logs (nil: slog.Default()).
	Logger *slog.Logger
	// Now stamps [date]/[time] in file names (nil: time.Now).
	Now func() time.Time
	// FindLora resolves a LoRA name (a prompt's <lora:name:w>, or a
	// Request.Loras entry without a Path) to its file; nil means names
	// cannot be resolved and only paths work.
	FindLora func(name string) (string, error)
	// FindEmbedding resolves a prompt word to a textual-inversion embedding
	// (A1111 matches file names, ignoring case); nil means no embeddings.
	FindEmbedding func(word string) (*embeddings.Embedding, bool)
	// RandomSeed picks the seed for a request without one (nil: crypto/rand,
	// below 2^32 as A1111's random seeds are).
	RandomSeed func() int64
}

// Engine generates images on one device. It keeps recently used models
// loaded; Generate calls are serialised (a device runs one job at a time).
type Engine struct {
	dev  compute.Device
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	tok      *clip.Tokenizer
	models   []*checkpoint // most recently used first
	vaes     map[vaeKey]*vae.VAE
	previews map[string]*taesd.Decoder
}

type vaeKey struct {
	file   fileKey
	family detect.Family
}

// New returns an Engine running on dev. The caller keeps ownership of dev.
func New(dev compute.Device, opts Options) *Engine {
	if opts.MaxModels <= 0 {
		opts.MaxModels = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RandomSeed == nil {
		opts.RandomSeed = randomSeed
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Engine{dev: dev, opts: opts, log: log, vaes: map[vaeKey]*vae.VAE{}, previews: map[string]*taesd.Decoder{}}
}

// Unload drops every cached model so its memory can be reclaimed.
func (e *Engine) Unload() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.models {
		m.free()
	}
	e.models = nil
	e.vaes = map[vaeKey]*vae.VAE{}
	e.previews = map[string]*taesd.Decoder{}
}

func randomSeed() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return time.Now().UnixNano() & 0xffffffff
	}
	return int64(binary.LittleEndian.Uint64(b[:]) % 4294967294)
}

// tokenizer builds the CLIP tokenizer once (parsing the vocabulary takes a
// moment).
func (e *Engine) tokenizer() (*clip.Tokenizer, error) {
	if e.tok == nil {
		t, err := clip.NewTokenizer()
		if err != nil {
			return nil, err
		}
		e.tok = t
	}
	return e.tok, nil
}

// checkpoint returns the loaded model at path, loading it when it is not
// cached or the file changed; the least recently used one beyond MaxModels
// is dropped.
func (e *Engine) checkpoint(ctx context.Context, path string) (*checkpoint, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	key, err := statKey(abs)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	for i, m := range e.models {
		if m.key == key {
			copy(e.models[1:i+1], e.models[:i])
			e.models[0] = m
			return m, nil
		}
	}
	// Free what will be evicted before loading, so two big models never
	// sit in memory together with a third.
	for len(e.models) >= e.opts.MaxModels {
		last := e.models[len(e.models)-1]
		last.free()
		e.models = e.models[:len(e.models)-1]
	}
	for i, m := range e.models {
		if m.key.path == abs { // the file changed on disk
			m.free()
			e.models = append(e.models[:i], e.models[i+1:]...)
			break
		}
	}
	start := time.Now()
	ck, err := loadCheckpoint(ctx, e.dev, key)
	if err != nil {
		return nil, err
	}
	e.log.Info("model loaded", "path", abs, "family", ck.det.Family, "prediction", ck.det.Prediction,
		"inpaint", ck.det.Inpaint, "seconds", time.Since(start).Seconds())
	e.models = append([]*checkpoint{ck}, e.models...)
	return ck, nil
}

// vaeFor returns the VAE a job decodes with: the override file when given,
// else the checkpoint's own.
func (e *Engine) vaeFor(ck *checkpoint, path string) (*vae.VAE, error) {
	if path == "" {
		if ck.vae == nil {
			return nil, invalid("VAE", "the checkpoint has no VAE; give a VAE file")
		}
		return ck.vae, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	key, err := statKey(abs)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	k := vaeKey{file: key, family: ck.det.Family}
	if v, ok := e.vaes[k]; ok {
		return v, nil
	}
	v, err := loadVAE(e.dev, abs, ck.det.Family)
	if err != nil {
		return nil, err
	}
	e.vaes = map[vaeKey]*vae.VAE{k: v} // one override at a time is plenty
	return v, nil
}

// previewDecoder returns the configured TAESD decoder for a family, or nil.
func (e *Engine) previewDecoder(f detect.Family) *taesd.Decoder {
	path := e.opts.TAESD
	if f == detect.FamilySDXL || f == detect.FamilySDXLRefiner {
		path = e.opts.TAESDXL
	}
	if path == "" {
		return nil
	}
	if d, ok := e.previews[path]; ok {
		return d
	}
	d, err := loadTAESD(e.dev, path)
	if err != nil {
		// Previews are a nicety: fall back to the linear projection.
		e.log.Warn("taesd preview decoder unavailable", "path", path, "err", err)
	}
	e.previews[path] = d
	return d
}

// free drops the references to a checkpoint's device tensors. Text encoders
// free theirs now; the UNet and VAE are released with their last reference.
func (c *checkpoint) free() {
	for _, te := range c.encoders {
		te.Free()
	}
	c.encoders, c.unet, c.vae = nil, nil, nil
}

// defaultSize is the family's native resolution.
func defaultSize(m detect.Model) int {
	switch {
	case m.Family == detect.FamilySDXL || m.Family == detect.FamilySDXLRefiner:
		return 1024
	case m.Family == detect.FamilySD2 && m.Prediction == detect.PredictV:
		return 768
	}
	return 512
}
