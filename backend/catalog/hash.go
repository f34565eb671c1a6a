package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/fsutil"
)

// hashCacheVersion changes when the cache layout does; an old cache is ignored.
const hashCacheVersion = 1

type cacheEntry struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"modTime"` // Unix nanoseconds
	SHA256  string `json:"sha256"`
}

type cacheFile struct {
	Version int                   `json:"version"`
	Files   map[string]cacheEntry `json:"files"`
}

// hashCache remembers hashes by path; an entry counts only while the file's
// size and mtime are those it was hashed at.
type hashCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]cacheEntry
}

func newHashCache(path string) *hashCache {
	return &hashCache{path: path, entries: make(map[string]cacheEntry)}
}

func (h *hashCache) load() error {
	if h.path == "" {
		return nil
	}
	data, err := os.ReadFile(h.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read hash cache: %w", err)
	}
	var cf cacheFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return fmt.Errorf("parse hash cache: %w", err)
	}
	if cf.Version != hashCacheVersion {
		return fmt.Errorf("hash cache version %d, want %d", cf.Version, hashCacheVersion)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for p, e := range cf.Files {
		if validSum(e.SHA256) {
			h.entries[p] = e
		}
	}
	return nil
}

func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

func (h *hashCache) get(path string, size int64, mod time.Time) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.entries[path]
	if !ok || e.Size != size || e.ModTime != mod.UnixNano() {
		return "", false
	}
	return e.SHA256, true
}

func (h *hashCache) put(path string, size int64, mod time.Time, sum string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries[path] = cacheEntry{Size: size, ModTime: mod.UnixNano(), SHA256: sum}
}

// save writes the cache atomically, so a crash mid-write leaves the old one.
func (h *hashCache) save() error {
	if h.path == "" {
		return nil
	}
	h.mu.Lock()
	data, err := json.Marshal(cacheFile{Version: hashCacheVersion, Files: h.entries})
	h.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode hash cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o755); err != nil {
		return fmt.Errorf("save hash cache: %w", err)
	}
	if err := fsutil.WriteFileAtomic(h.path, data, 0o644); err != nil {
		return fmt.Errorf("save hash cache: %w", err)
	}
	return nil
}

type hashJob struct {
	path string
	size int64
	mod  time.Time
}

// hashQueue is an unbounded FIFO of files to hash, one entry per path (a
// newer job replaces an older one for the same file).
type hashQueue struct {
	mu    sync.Mutex
	order []string
	jobs  map[string]hashJob
	ready chan struct{}
}

func newHashQueue() hashQueue {
	return hashQueue{jobs: make(map[string]hashJob), ready: make(chan struct{}, 1)}
}

func (q *hashQueue) push(j hashJob) {
	q.mu.Lock()
	if _, ok := q.jobs[j.path]; !ok {
		q.order = append(q.order, j.path)
	}
	q.jobs[j.path] = j
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *hashQueue) pop() (hashJob, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.order) > 0 {
		p := q.order[0]
		q.order = q.order[1:]
		if j, ok := q.jobs[p]; ok {
			delete(q.jobs, p)
			return j, true
		}
	}
	return hashJob{}, false
}

// hashLoop is the single hashing worker: one file at a time, so hashing a
// folder of checkpoints does not saturate the disk the UI also reads from.
func (c *Catalog) hashLoop(ctx context.Context) {
	for {
		j, ok := c.hq.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-c.hq.ready:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		c.hashOne(ctx, j)
	}
}

func (c *Catalog) hashOne(ctx context.Context, j hashJob) {
	if m, ok := c.modelAt(j.path); !ok || m.Size != j.size || !m.ModTime.Equal(j.mod) {
		return // gone or changed since queued; a newer job covers it
	}
	sum, err := c.hashFile(ctx, j.path)
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		// Discard a hash of a file that changed while being read.
		st, serr := os.Stat(j.path)
		if serr != nil || st.Size() != j.size || !st.ModTime().Equal(j.mod) {
			return
		}
		c.cache.put(j.path, j.size, j.mod, sum)
		if serr := c.cache.save(); serr != nil {
			c.log.Warn("catalog: cannot save hash cache", "err", serr)
		}
	} else {
		c.log.Warn("catalog: hash failed", "path", j.path, "err", err)
	}
	c.apply(func() []Event {
		m, ok := c.models[j.path]
		if !ok || m.Size != j.size || !m.ModTime.Equal(j.mod) {
			return nil
		}
		m.Hashing = false
		if err == nil {
			m.SHA256, m.AutoV2 = sum, sum[:10]
		}
		return []Event{c.put(m)}
	})
}
