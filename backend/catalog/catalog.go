package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

// EventType says what happened to a model.
type EventType string

// Event types.
const (
	Added   EventType = "added"
	Changed EventType = "changed"
	Removed EventType = "removed"
)

// Event is the payload of events.CatalogChanged.
type Event struct {
	Type  EventType `json:"type"`
	Model Model     `json:"model"`
}

// Config configures a Catalog. DefaultConfig fills the defaults.
type Config struct {
	// Roots are the model folders to scan and watch.
	Roots []string
	// CachePath is the JSON file caching hashes by path, size and mtime; ""
	// keeps hashes in memory only.
	CachePath string
	// StableFor is how long a new or modified file's size and mtime must stay
	// unchanged before it is read, so copies in progress are not reported
	// (default 500ms).
	StableFor time.Duration
	// PollEvery is how often settling files are checked (default 200ms).
	PollEvery time.Duration
	// Emitter receives events.CatalogChanged events (default events.Nop).
	Emitter events.Emitter
	// Logger receives warnings about unreadable folders and the like.
	Logger *slog.Logger
	// Hash enables background SHA-256 hashing.
	Hash bool
}

// DefaultConfig returns a Config with hashing on and the default timings.
func DefaultConfig(roots ...string) Config {
	return Config{Roots: roots, StableFor: 500 * time.Millisecond, PollEvery: 200 * time.Millisecond, Hash: true}
}

// Catalog is the live index of model files. Build it with New, then Start.
type Catalog struct {
	cfg     Config
	log     *slog.Logger
	emitter events.Emitter
	cache   *hashCache

	// hashFile computes a file's SHA-256; tests wrap it to count calls.
	hashFile func(ctx context.Context, path string) (string, error)

	// opMu serialises the scanner's state: roots, watches and settling files.
	// Lock order: opMu, then emitMu, then mu.
	opMu    sync.Mutex
	roots   []string
	started bool
	closed  bool
	watcher *fsnotify.Watcher
	dirs    map[string]string // watched directory → its real path
	reals   map[string]string // real path → watched directory (symlink loop guard)
	pending map[string]*settling

	// emitMu keeps events in the same order as the changes to models.
	emitMu sync.Mutex
	mu     sync.RWMutex
	models map[string]Model  // by path
	byID   map[string]string // id → path

	hq hashQueue

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds a Catalog; nothing is read until Start.
func New(cfg Config) *Catalog {
	if cfg.StableFor <= 0 {
		cfg.StableFor = 500 * time.Millisecond
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 200 * time.Millisecond
	}
	c := &Catalog{
		cfg:      cfg,
		log:      cfg.Logger,
		emitter:  cfg.Emitter,
		cache:    newHashCache(cfg.CachePath),
		hashFile: sha256File,
		roots:    normalizeRoots(cfg.Roots),
		dirs:     make(map[string]string),
		reals:    make(map[string]string),
		pending:  make(map[string]*settling),
		models:   make(map[string]Model),
		byID:     make(map[string]string),
		hq:       newHashQueue(),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.emitter == nil {
		c.emitter = events.Nop{}
	}
	return c
}

func normalizeRoots(roots []string) []string {
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		if r == "" {
			continue
		}
		if abs, err := filepath.Abs(r); err == nil {
			r = abs
		}
		r = filepath.Clean(r)
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Start scans the roots, emitting Added for every model, and then watches
// them. It returns once the initial scan is indexed; hashing goes on in the
// background until Close or until ctx is cancelled.
func (c *Catalog) Start(ctx context.Context) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if c.started {
		return errors.New("catalog: already started")
	}
	if c.closed {
		return errors.New("catalog: closed")
	}
	c.started = true
	if err := c.cache.load(); err != nil {
		// A corrupt cache only costs re-hashing; it must not stop the catalog.
		c.log.Warn("catalog: ignoring hash cache", "path", c.cfg.CachePath, "err", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		c.log.Warn("catalog: live updates unavailable", "err", err)
	} else {
		c.watcher = w
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	// The background work stops on Close or when the caller's ctx ends.
	stop := context.AfterFunc(ctx, cancel)

	if err := c.rescan(ctx, c.roots); err != nil {
		stop()
		cancel()
		c.closeWatcher()
		return fmt.Errorf("catalog: initial scan: %w", err)
	}
	c.wg.Add(2)
	go func() { defer c.wg.Done(); defer stop(); c.watchLoop(bg) }()
	go func() { defer c.wg.Done(); c.hashLoop(bg) }()
	return nil
}

// Close stops watching and hashing and waits for the background goroutines.
func (c *Catalog) Close() error {
	c.opMu.Lock()
	if c.closed {
		c.opMu.Unlock()
		return nil
	}
	c.closed = true
	cancel := c.cancel
	c.opMu.Unlock()
	if cancel != nil {
		cancel()
	}
	c.wg.Wait()
	c.opMu.Lock()
	defer c.opMu.Unlock()
	return c.closeWatcher()
}

func (c *Catalog) closeWatcher() error {
	if c.watcher == nil {
		return nil
	}
	err := c.watcher.Close()
	c.watcher = nil
	if err != nil {
		return fmt.Errorf("catalog: close watcher: %w", err)
	}
	return nil
}

// List returns every model, sorted by kind, then name, then path.
func (c *Catalog) List() []Model {
	c.mu.RLock()
	out := make([]Model, 0, len(c.models))
	for _, m := range c.models {
		out = append(out, m)
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b Model) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Path, b.Path))
	})
	return out
}

// Get returns the model with the given id.
func (c *Catalog) Get(id string) (Model, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.byID[id]
	if !ok {
		return Model{}, false
	}
	m, ok := c.models[p]
	return m, ok
}

// Roots returns the configured roots (absolute, cleaned).
func (c *Catalog) Roots() []string {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	return slices.Clone(c.roots)
}

// SetRoots replaces the roots after a settings change. Once started, it
// rescans: models no longer under a root are Removed, new ones Added.
func (c *Catalog) SetRoots(ctx context.Context, roots []string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.roots = normalizeRoots(roots)
	if !c.started || c.closed {
		return nil
	}
	if err := c.rescan(ctx, c.roots); err != nil {
		return fmt.Errorf("catalog: set roots: %w", err)
	}
	return nil
}

// apply changes the model map under the locks and emits the resulting events
// in order. The emitter runs without mu held, so it may call List or Get.
func (c *Catalog) apply(change func() []Event) {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.mu.Lock()
	evs := change()
	c.mu.Unlock()
	for _, ev := range evs {
		c.emitter.Emit(events.CatalogChanged, ev)
	}
}

// put stores m; call only inside apply.
func (c *Catalog) put(m Model) Event {
	typ := Added
	if _, ok := c.models[m.Path]; ok {
		typ = Changed
	}
	c.models[m.Path] = m
	c.byID[m.ID] = m.Path
	return Event{Type: typ, Model: m}
}

// drop deletes the model at path; call only inside apply.
func (c *Catalog) drop(path string) (Event, bool) {
	m, ok := c.models[path]
	if !ok {
		return Event{}, false
	}
	delete(c.models, path)
	delete(c.byID, m.ID)
	return Event{Type: Removed, Model: m}, true
}

func (c *Catalog) modelAt(path string) (Model, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, ok := c.models[path]
	return m, ok
}
