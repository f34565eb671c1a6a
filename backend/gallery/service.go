package gallery

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/history"
)

const (
	defaultPageSize = 50
	maxPageSize     = 200
	// defaultThumbCacheBytes holds a few hundred thumbnails (~20–40 KB each).
	defaultThumbCacheBytes = 32 << 20
)

// Change types carried by events.GalleryChanged.
const (
	ChangeDeleted = "deleted"
)

// ErrFileMissing: the output's record exists but its file is gone.
var ErrFileMissing = errors.New("output file is missing")

// Item is one gallery entry: the history record plus what the UI needs to
// show it. The record's fields are embedded so the JSON stays flat.
type Item struct {
	history.OutputRecord
	Exists   bool   `json:"exists"`   // the file is still on disk
	URL      string `json:"url"`      // /media/outputs/<id>
	ThumbURL string `json:"thumbUrl"` // /media/thumbs/<id>
}

// Page is one page of a listing and the number of matches in all.
type Page struct {
	Items []Item `json:"items"`
	Total int    `json:"total"`
}

// Change is the payload of events.GalleryChanged.
type Change struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Opener shows files in the OS: Open with the default app, Reveal in the file
// manager. SystemOpener is the real one.
type Opener interface {
	Open(path string) error
	Reveal(path string) error
}

// Service is the gallery. It is safe for concurrent use.
type Service struct {
	db      *history.DB
	opener  Opener
	emitter events.Emitter
	logger  *slog.Logger

	thumbs     *thumbCache
	thumbDir   string        // optional on-disk thumbnail cache
	thumbSlots chan struct{} // bounds concurrent decodes: each holds a full image in RAM
}

// Option configures a Service.
type Option func(*Service)

// WithThumbCacheDir keeps generated thumbnails in dir as well as in memory,
// so they survive restarts. The directory is created when needed.
func WithThumbCacheDir(dir string) Option { return func(s *Service) { s.thumbDir = dir } }

// WithThumbCacheBytes sets the in-memory thumbnail cache size (default 32 MiB).
func WithThumbCacheBytes(n int64) Option {
	return func(s *Service) { s.thumbs = newThumbCache(n) }
}

// New builds the gallery service. emitter and logger may be nil.
func New(db *history.DB, opener Opener, emitter events.Emitter, logger *slog.Logger, opts ...Option) *Service {
	s := &Service{db: db, opener: opener, emitter: emitter, logger: logger}
	if s.emitter == nil {
		s.emitter = events.Nop{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	for _, o := range opts {
		o(s)
	}
	if s.thumbs == nil {
		s.thumbs = newThumbCache(defaultThumbCacheBytes)
	}
	s.thumbSlots = make(chan struct{}, min(4, max(1, runtime.NumCPU()/2)))
	return s
}

// Filter narrows a gallery listing. Every set field must match; the zero
// Filter lists everything.
type Filter struct {
	// Text is what the user typed in the search box (any text; see
	// history.ListOutputs).
	Text     string `json:"text"`
	Model    string `json:"model"`    // exact model as recorded; "" any
	Provider string `json:"provider"` // exact provider id; "" any
	// SinceMs and UntilMs bound the creation time to [SinceMs, UntilMs) in
	// Unix milliseconds; 0 is unbounded. The UI computes them, because
	// "today" depends on the user's time zone.
	SinceMs int64 `json:"sinceMs"`
	UntilMs int64 `json:"untilMs"`
}

// Facets are the filter choices the gallery offers, from the recorded outputs.
type Facets = history.Facets

// List returns one page of outputs matching query (any text; see
// history.ListOutputs), newest first. limit ≤ 0 means 50; at most 200.
func (s *Service) List(ctx context.Context, query string, offset, limit int) (Page, error) {
	return s.ListFiltered(ctx, Filter{Text: query}, offset, limit)
}

// ListFiltered returns one page of outputs matching f, newest first, and the
// number of matches in all. limit ≤ 0 means 50; at most 200.
func (s *Service) ListFiltered(ctx context.Context, f Filter, offset, limit int) (Page, error) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	limit = min(limit, maxPageSize)
	if f.SinceMs < 0 || f.UntilMs < 0 {
		return Page{}, fmt.Errorf("gallery list: negative date bound (since %d, until %d)", f.SinceMs, f.UntilMs)
	}
	q := history.Query{Text: f.Text, Model: f.Model, Provider: f.Provider, Limit: limit, Offset: max(offset, 0)}
	if f.SinceMs > 0 {
		q.Since = time.UnixMilli(f.SinceMs)
	}
	if f.UntilMs > 0 {
		q.Until = time.UnixMilli(f.UntilMs)
	}
	recs, total, err := s.db.ListOutputs(ctx, q)
	if err != nil {
		return Page{}, fmt.Errorf("gallery list: %w", err)
	}
	items := make([]Item, len(recs))
	for i, r := range recs {
		items[i] = toItem(r)
	}
	return Page{Items: items, Total: total}, nil
}

// Facets lists the models and providers that have outputs, most used first,
// and the range of creation dates, for the gallery's filter menus.
func (s *Service) Facets(ctx context.Context) (Facets, error) {
	f, err := s.db.OutputFacets(ctx)
	if err != nil {
		return Facets{}, fmt.Errorf("gallery facets: %w", err)
	}
	return f, nil
}

// Get returns one item; errors.Is(err, history.ErrNotFound) for unknown ids.
func (s *Service) Get(ctx context.Context, id string) (Item, error) {
	r, err := s.db.GetOutput(ctx, id)
	if err != nil {
		return Item{}, fmt.Errorf("gallery get: %w", err)
	}
	return toItem(r), nil
}

// Open shows the output in the OS's default image viewer.
func (s *Service) Open(ctx context.Context, id string) error {
	path, err := s.existingPath(ctx, id)
	if err != nil {
		return fmt.Errorf("gallery open: %w", err)
	}
	if err := s.opener.Open(path); err != nil {
		return fmt.Errorf("gallery open %s: %w", id, err)
	}
	return nil
}

// Reveal shows the output in the OS file manager.
func (s *Service) Reveal(ctx context.Context, id string) error {
	path, err := s.existingPath(ctx, id)
	if err != nil {
		return fmt.Errorf("gallery reveal: %w", err)
	}
	if err := s.opener.Reveal(path); err != nil {
		return fmt.Errorf("gallery reveal %s: %w", id, err)
	}
	return nil
}

// Delete removes the output's file (already missing is fine), its record and
// its cached thumbnails, then tells the UI.
func (s *Service) Delete(ctx context.Context, id string) error {
	r, err := s.db.GetOutput(ctx, id)
	if err != nil {
		return fmt.Errorf("gallery delete: %w", err)
	}
	if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("gallery delete %s: %w", id, err)
	}
	if err := s.db.DeleteOutput(ctx, id); err != nil {
		return fmt.Errorf("gallery delete: %w", err)
	}
	s.forgetThumb(id)
	s.logger.Info("output deleted", "id", id, "path", r.Path)
	s.emitter.Emit(events.GalleryChanged, Change{Type: ChangeDeleted, ID: id})
	return nil
}

func (s *Service) existingPath(ctx context.Context, id string) (string, error) {
	r, err := s.db.GetOutput(ctx, id)
	if err != nil {
		return "", err
	}
	if !fileExists(r.Path) {
		return "", fmt.Errorf("%s (%s): %w", id, r.Path, ErrFileMissing)
	}
	return r.Path, nil
}

func toItem(r history.OutputRecord) Item {
	return Item{
		OutputRecord: r,
		Exists:       fileExists(r.Path),
		URL:          "/media/outputs/" + r.ID,
		ThumbURL:     "/media/thumbs/" + r.ID,
	}
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// forgetThumb drops a deleted output's thumbnails from both caches.
func (s *Service) forgetThumb(id string) {
	s.thumbs.remove(id)
	if s.thumbDir == "" || !validID(id) {
		return
	}
	matches, _ := filepath.Glob(filepath.Join(s.thumbDir, id+"-*"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			s.logger.Warn("remove cached thumbnail", "path", m, "err", err)
		}
	}
}
