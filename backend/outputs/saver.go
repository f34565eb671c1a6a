package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/fsutil"
	"github.com/dreamlayer/dreamlayer/backend/gallery"
	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// ChangeAdded is the gallery.Change type of a newly saved image.
const ChangeAdded = "added"

// DefaultPattern names cloud images: date, time and model, since most cloud
// APIs report no seed.
const DefaultPattern = "[date]-[time]-[model_name]-[prompt_words]"

// Saver writes provider images. It is safe for concurrent use.
type Saver struct {
	dir     func() string
	db      *history.DB
	emitter events.Emitter
	log     *slog.Logger
	// Pattern names files (see pnginfo.FormatFilename), asked per image so
	// a changed setting applies at once; nil or "" means DefaultPattern.
	Pattern func() string
	// Now stamps file names and records; nil means time.Now.
	Now func() time.Time
}

var _ providers.Saver = (*Saver)(nil)

// NewSaver makes a Saver writing into dir() (read on every save, so a
// changed output folder takes effect at once). db may be nil to skip the
// history (it is then the caller's job); emitter and logger may be nil.
func NewSaver(dir func() string, db *history.DB, emitter events.Emitter, logger *slog.Logger) *Saver {
	if emitter == nil {
		emitter = events.Nop{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Saver{dir: dir, db: db, emitter: emitter, log: logger}
}

// Save converts img to PNG, embeds its metadata, writes it under a new name
// and records it. The returned record has the file's path and size; its ID
// is empty when there is no database.
func (s *Saver) Save(ctx context.Context, meta providers.Meta, img providers.Image) (history.OutputRecord, error) {
	if err := ctx.Err(); err != nil {
		return history.OutputRecord{}, err
	}
	dir := s.dir()
	if dir == "" {
		return history.OutputRecord{}, errors.New("save image: no output folder")
	}
	pngData, w, h, err := ToPNG(img.Data)
	if err != nil {
		return history.OutputRecord{}, fmt.Errorf("save %s/%s image: %w", meta.Provider, meta.Request.Model, err)
	}
	seed := seedOf(meta, img)
	r := meta.Request
	params := pnginfo.Parameters{
		Prompt: r.Prompt, NegativePrompt: r.NegativePrompt,
		Model: meta.Provider + "/" + r.Model, Width: w, Height: h,
		Extra: []pnginfo.KV{{Key: "Provider", Value: meta.Provider}},
	}
	if seed != nil {
		params.Seed = *seed
	}
	if img.RevisedPrompt != "" {
		params.Extra = append(params.Extra, pnginfo.KV{Key: "Revised prompt", Value: img.RevisedPrompt})
	}
	if r.AspectRatio != "" {
		params.Extra = append(params.Extra, pnginfo.KV{Key: "Aspect ratio", Value: r.AspectRatio})
	}
	for _, k := range sortedKeys(r.Options) {
		params.Extra = append(params.Extra, pnginfo.KV{Key: k, Value: r.Options[k]})
	}
	record := requestRecord(meta, img, seed)
	js, err := json.Marshal(record)
	if err != nil {
		return history.OutputRecord{}, fmt.Errorf("save image: encode metadata: %w", err)
	}
	data, err := pnginfo.Embed(pngData, map[string]string{pnginfo.KeyParameters: pnginfo.FormatA1111(params)},
		map[string]string{pnginfo.KeyDreamLayer: string(js)})
	if err != nil {
		return history.OutputRecord{}, fmt.Errorf("save image: %w", err)
	}

	now := s.now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return history.OutputRecord{}, fmt.Errorf("save image: output folder: %w", err)
	}
	var pattern string
	if s.Pattern != nil {
		pattern = s.Pattern()
	}
	if pattern == "" {
		pattern = DefaultPattern
	}
	var seedV int64
	if seed != nil {
		seedV = *seed
	}
	base := pnginfo.FormatFilename(pattern, pnginfo.FilenameValues{
		Seed: seedV, ModelName: r.Model, Prompt: r.Prompt, Time: now, Width: w, Height: h,
	})
	path, err := pnginfo.UniquePath(dir, base, ".png")
	if err != nil {
		return history.OutputRecord{}, fmt.Errorf("save image: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		_ = os.Remove(path) // the empty reservation
		return history.OutputRecord{}, fmt.Errorf("save image %s: %w", path, err)
	}

	out := history.OutputRecord{
		JobID: meta.JobID, Path: path, Provider: meta.Provider, Model: r.Model,
		Prompt: r.Prompt, NegativePrompt: r.NegativePrompt, Seed: seedV, Width: w, Height: h,
		Params: historyParams(record), CreatedAt: now,
	}
	if s.db == nil {
		s.log.Info("saved image", "path", path, "provider", meta.Provider, "model", r.Model)
		return out, nil
	}
	rec, err := s.db.AddOutput(ctx, out)
	if err != nil {
		// The file is written and stays: the image is the user's even if
		// the history missed it.
		return out, fmt.Errorf("record %s: %w", path, err)
	}
	s.log.Info("saved image", "path", path, "id", rec.ID, "provider", meta.Provider, "model", r.Model)
	s.emitter.Emit(events.GalleryChanged, gallery.Change{Type: ChangeAdded, ID: rec.ID})
	return rec, nil
}

func (s *Saver) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// seedOf prefers the seed the provider reports, then the one asked for.
func seedOf(meta providers.Meta, img providers.Image) *int64 {
	if img.Seed != nil {
		return img.Seed
	}
	return meta.Request.Seed
}

// Record is the "dreamlayer" iTXt JSON of a cloud image.
type Record struct {
	Provider       string            `json:"provider"`
	Model          string            `json:"model"`
	Prompt         string            `json:"prompt"`
	NegativePrompt string            `json:"negative_prompt,omitempty"`
	RevisedPrompt  string            `json:"revised_prompt,omitempty"`
	Seed           *int64            `json:"seed,omitempty"`
	Size           string            `json:"size,omitempty"`
	AspectRatio    string            `json:"aspect_ratio,omitempty"`
	N              int               `json:"n,omitempty"`
	Options        map[string]string `json:"options,omitempty"`
	// Edit says the image was made from input images (not saved).
	Edit bool `json:"edit,omitempty"`
	// SourceMIME is the format the provider delivered before conversion.
	SourceMIME string `json:"source_mime,omitempty"`
}

func requestRecord(meta providers.Meta, img providers.Image, seed *int64) Record {
	r := meta.Request
	mime := img.MIME
	if mime == "" {
		mime = providers.SniffMIME(img.Data)
	}
	return Record{
		Provider: meta.Provider, Model: r.Model, Prompt: r.Prompt, NegativePrompt: r.NegativePrompt,
		RevisedPrompt: img.RevisedPrompt, Seed: seed, Size: r.Size, AspectRatio: r.AspectRatio,
		N: r.Images(), Options: r.Options, Edit: r.IsEdit(), SourceMIME: mime,
	}
}

// historyParams is the record as the history's params map (the gallery's
// detail view lists them).
func historyParams(rec Record) map[string]any {
	p := map[string]any{}
	if rec.RevisedPrompt != "" {
		p["revisedPrompt"] = rec.RevisedPrompt
	}
	if rec.Size != "" {
		p["size"] = rec.Size
	}
	if rec.AspectRatio != "" {
		p["aspectRatio"] = rec.AspectRatio
	}
	if rec.Seed != nil {
		p["seed"] = strconv.FormatInt(*rec.Seed, 10)
	}
	if len(rec.Options) > 0 {
		p["options"] = rec.Options
	}
	if rec.Edit {
		p["edit"] = true
	}
	return p
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
