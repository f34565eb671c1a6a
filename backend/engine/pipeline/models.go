package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/taesd"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// fileKey identifies one version of a file: a model is reloaded when the
// file is replaced or rewritten.
type fileKey struct {
	path  string
	size  int64
	mtime time.Time
}

func statKey(path string) (fileKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileKey{}, err
	}
	if st.IsDir() {
		return fileKey{}, fmt.Errorf("%s is a directory", path)
	}
	return fileKey{path: path, size: st.Size(), mtime: st.ModTime()}, nil
}

// checkpoint is a loaded model: its parts live on the device, the weight
// file itself is closed.
type checkpoint struct {
	key      fileKey
	det      detect.Model
	unet     *unet.UNet
	vae      *vae.VAE // nil when the file has none
	encoders []*clip.TextEncoder
	schedule *sampling.Discrete
	hash     *fileHash
	// reg records every loaded weight, so LoRAs can be patched in and
	// taken out again without a reload; patcher is built on first use and
	// applied holds the set currently patched in.
	reg     *nn.Registry
	patcher *lora.Patcher
	applied []lora.Spec
}

// loadCheckpoint reads a checkpoint onto dev: detect → CLIP, UNet, VAE. The
// weight source is closed before returning so its mapped pages are given
// back: the device holds its own copies.
func loadCheckpoint(ctx context.Context, dev compute.Device, key fileKey) (*checkpoint, error) {
	src, err := weights.Open(key.path)
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", key.path, err)
	}
	defer src.Close()
	det, err := detect.Detect(src, detect.Overrides{})
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", key.path, err)
	}
	if det.UNet == nil {
		return nil, fmt.Errorf("model %s: %w: no UNet (a standalone VAE or text encoder?)", key.path, detect.ErrUnsupportedModel)
	}
	if len(det.TextEncoders) == 0 {
		return nil, fmt.Errorf("model %s: %w: no text encoder in the file", key.path, detect.ErrUnsupportedModel)
	}
	w := nn.NewWeights(src, dev)
	ck := &checkpoint{key: key, det: det, hash: newFileHash(key), reg: w.Registry()}
	for _, tc := range det.TextEncoders {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		te, err := clip.Load(w, tc)
		if err != nil {
			return nil, fmt.Errorf("model %s: text encoder %s: %w", key.path, tc.Kind, err)
		}
		ck.encoders = append(ck.encoders, te)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ck.unet, err = unet.Load(w.Sub(strings.TrimSuffix(det.UNet.Prefix, ".")), *det.UNet); err != nil {
		return nil, fmt.Errorf("model %s: %w", key.path, err)
	}
	if det.VAE != nil && det.HasBakedVAE {
		cfg := *det.VAE
		if cfg.ScaleFactor == 0 {
			cfg.ScaleFactor, cfg.ShiftFactor = detect.LatentScale(det.Family)
		}
		if ck.vae, err = vae.Load(w, cfg); err != nil {
			return nil, fmt.Errorf("model %s: %w", key.path, err)
		}
	}
	ck.schedule = sampling.StableDiffusion(samplingFamily(det.Family))
	return ck, nil
}

// loadVAE reads a standalone VAE file, scaled for the family it decodes.
func loadVAE(dev compute.Device, path string, family detect.Family) (*vae.VAE, error) {
	src, err := weights.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open vae %s: %w", path, err)
	}
	defer src.Close()
	det, err := detect.Detect(src, detect.Overrides{})
	if err != nil {
		return nil, fmt.Errorf("vae %s: %w", path, err)
	}
	if det.VAE == nil {
		return nil, fmt.Errorf("vae %s: %w: no VAE in the file", path, detect.ErrUnsupportedModel)
	}
	cfg := *det.VAE
	cfg.ScaleFactor, cfg.ShiftFactor = detect.LatentScale(family)
	v, err := vae.Load(nn.NewWeights(src, dev), cfg)
	if err != nil {
		return nil, fmt.Errorf("vae %s: %w", path, err)
	}
	return v, nil
}

// loadTAESD reads a TAESD decoder for previews.
func loadTAESD(dev compute.Device, path string) (*taesd.Decoder, error) {
	src, err := weights.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open taesd %s: %w", path, err)
	}
	defer src.Close()
	w := nn.NewWeights(src, dev)
	// Standalone decoder files are a bare Sequential; full TAESD files keep
	// it under "decoder.layers".
	if w.Has("decoder.layers.1.weight") {
		w = w.Sub("decoder.layers")
	}
	d, err := taesd.LoadDecoder(w)
	if err != nil {
		return nil, fmt.Errorf("taesd %s: %w", path, err)
	}
	return d, nil
}

// samplingFamily picks the schedule tables (Align Your Steps) of a family.
func samplingFamily(f detect.Family) sampling.Family {
	if f == detect.FamilySDXL || f == detect.FamilySDXLRefiner {
		return sampling.FamilySDXL
	}
	return sampling.FamilySD1
}

// fileHash is a model file's SHA-256, computed once in the background; A1111
// shows its first 10 hex digits as the "Model hash" (AutoV2).
type fileHash struct {
	once sync.Once
	key  fileKey
	sum  string
	err  error
	done chan struct{}
}

func newFileHash(key fileKey) *fileHash {
	return &fileHash{key: key, done: make(chan struct{})}
}

// start hashes the file in a goroutine (reading a few GB takes seconds, so it
// overlaps sampling instead of delaying the first step).
func (h *fileHash) start() {
	h.once.Do(func() {
		go func() {
			defer close(h.done)
			h.sum, h.err = sha256File(h.key.path)
		}()
	})
}

// autoV2 waits for the hash and returns its first 10 hex digits ("" when the
// file could not be read again, which only loses the metadata field).
func (h *fileHash) autoV2(ctx context.Context) (string, error) {
	h.start()
	select {
	case <-h.done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if h.err != nil || len(h.sum) < 10 {
		return "", nil
	}
	return h.sum[:10], nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(s.Sum(nil)), nil
}

// applyLoras patches exactly specs into the checkpoint's weights (restoring
// the originals first, so a job without LoRAs runs the plain model). The set
// patched in is remembered, so repeating it costs nothing.
func (c *checkpoint) applyLoras(ctx context.Context, dev compute.Device, specs []lora.Spec) error {
	if loraSetsEqual(c.applied, specs) {
		return nil
	}
	if c.patcher == nil {
		if len(specs) == 0 {
			return nil
		}
		c.patcher = lora.NewPatcher(dev, c.reg)
	}
	c.applied = nil
	if len(specs) == 0 {
		return c.patcher.Restore()
	}
	if _, err := c.patcher.Apply(ctx, specs); err != nil {
		return err
	}
	c.applied = specs
	return nil
}

func loraSetsEqual(a, b []lora.Spec) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Path != b[i].Path || a[i].Weight != b[i].Weight || (a[i].TEWeight == nil) != (b[i].TEWeight == nil) ||
			a[i].TEWeight != nil && *a[i].TEWeight != *b[i].TEWeight {
			return false
		}
	}
	return true
}
