package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settling is a file seen being created or written, waiting for its size and
// mtime to hold still for StableFor before it is read.
type settling struct {
	size  int64
	mod   time.Time
	since time.Time
	root  string
}

type foundFile struct {
	root string
	st   fs.FileInfo
}

// rescan walks roots from scratch, re-adding every watch, and reconciles the
// model map with what it found. Call with opMu held.
func (c *Catalog) rescan(ctx context.Context, roots []string) error {
	for d := range c.dirs {
		c.unwatch(d)
	}
	clear(c.dirs)
	clear(c.reals)
	found := make(map[string]foundFile)
	for _, r := range roots {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := os.Stat(r)
		if err != nil || !st.IsDir() {
			c.log.Warn("catalog: model root unavailable", "root", r, "err", err)
			continue
		}
		err = c.scanDir(ctx, r, func(p string, st fs.FileInfo) {
			if _, ok := found[p]; !ok {
				found[p] = foundFile{root: rootFor(roots, p), st: st}
			}
		})
		if err != nil {
			return err
		}
	}
	for p := range c.pending {
		if _, ok := found[p]; !ok {
			delete(c.pending, p)
		}
	}

	c.mu.RLock()
	var gone []string
	for p := range c.models {
		if _, ok := found[p]; !ok {
			gone = append(gone, p)
		}
	}
	c.mu.RUnlock()
	slices.Sort(gone)
	c.apply(func() []Event {
		evs := make([]Event, 0, len(gone))
		for _, p := range gone {
			if ev, ok := c.drop(p); ok {
				evs = append(evs, ev)
			}
		}
		return evs
	})

	paths := make([]string, 0, len(found))
	for p := range found {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	now := time.Now()
	for _, p := range paths {
		f := found[p]
		if old, ok := c.modelAt(p); !ok || !sameStat(old, f.st) || old.Root != f.root {
			c.index(p, f.root, f.st)
		}
		// A file modified moments ago may still be growing: keep an eye on
		// it, so its final state is reported once it settles.
		if now.Sub(f.st.ModTime()) < c.cfg.StableFor {
			c.pending[p] = &settling{size: f.st.Size(), mod: f.st.ModTime(), since: now, root: f.root}
		}
	}
	return nil
}

func sameStat(m Model, st fs.FileInfo) bool {
	return m.Size == st.Size() && m.ModTime.Equal(st.ModTime())
}

// rootFor returns the longest root containing path, or "".
func rootFor(roots []string, path string) string {
	best := ""
	for _, r := range roots {
		if within(r, path) && len(r) > len(best) {
			best = r
		}
	}
	return best
}

// within reports whether path is dir or inside it.
func within(dir, path string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}

// scanDir watches dir and everything below it, following symlinked folders
// but never the same real folder twice (so a link loop ends), and calls onFile
// for each model file. Unreadable folders are logged and skipped. Call with
// opMu held.
func (c *Catalog) scanDir(ctx context.Context, dir string, onFile func(string, fs.FileInfo)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		c.log.Warn("catalog: skipping folder", "dir", dir, "err", err)
		return nil
	}
	if _, seen := c.reals[real]; seen {
		return nil
	}
	c.reals[real] = dir
	c.dirs[dir] = real
	// Watch before listing, so a file created in between is not missed.
	if c.watcher != nil {
		if err := c.watcher.Add(dir); err != nil {
			c.log.Warn("catalog: cannot watch folder", "dir", dir, "err", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		c.log.Warn("catalog: cannot read folder", "dir", dir, "err", err)
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		isDir := e.IsDir()
		var st fs.FileInfo
		if e.Type()&fs.ModeSymlink != 0 {
			if st, err = os.Stat(p); err != nil {
				continue // dangling link
			}
			isDir = st.IsDir()
		}
		if isDir {
			if err := c.scanDir(ctx, p, onFile); err != nil {
				return err
			}
			continue
		}
		if !isModelFile(name) {
			continue
		}
		if st == nil {
			if st, err = e.Info(); err != nil {
				continue // removed while listing
			}
		}
		if st.Mode().IsRegular() {
			onFile(p, st)
		}
	}
	return nil
}

func (c *Catalog) unwatch(dir string) {
	if c.watcher != nil {
		// The watch may already be gone with its folder; that is fine.
		_ = c.watcher.Remove(dir)
	}
}

// watchLoop turns file-system events into settling files and settled files
// into catalog changes.
func (c *Catalog) watchLoop(ctx context.Context) {
	var evCh <-chan fsnotify.Event
	var errCh <-chan error
	c.opMu.Lock()
	if c.watcher != nil {
		evCh, errCh = c.watcher.Events, c.watcher.Errors
	}
	c.opMu.Unlock()
	tick := time.NewTicker(c.cfg.PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-evCh:
			if !ok {
				evCh = nil
				continue
			}
			c.opMu.Lock()
			c.handle(ctx, ev)
			c.opMu.Unlock()
		case err, ok := <-errCh:
			if !ok {
				errCh = nil
				continue
			}
			// Usually an event-queue overflow: events were lost, so look again.
			c.log.Warn("catalog: watcher error; rescanning", "err", err)
			c.opMu.Lock()
			if err := c.rescan(ctx, c.roots); err != nil && ctx.Err() == nil {
				c.log.Warn("catalog: rescan failed", "err", err)
			}
			c.opMu.Unlock()
		case <-tick.C:
			c.opMu.Lock()
			c.poll(time.Now())
			c.opMu.Unlock()
		}
	}
}

// handle reacts to one fsnotify event. Call with opMu held.
func (c *Catalog) handle(ctx context.Context, ev fsnotify.Event) {
	path := filepath.Clean(ev.Name)
	root := rootFor(c.roots, path)
	if root == "" || strings.HasPrefix(filepath.Base(path), ".") {
		return
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A rename reports the old name; the new name arrives as Create.
		c.forget(path)
		return
	}
	// Chmod counts too: cp -p and rsync set the final mtime with utimes
	// after the last write.
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) && !ev.Has(fsnotify.Chmod) {
		return
	}
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	if st.IsDir() {
		if ev.Has(fsnotify.Create) {
			// Files in a folder that appears (created or moved in) may still
			// be written, so they settle like any new file.
			now := time.Now()
			err := c.scanDir(ctx, path, func(p string, st fs.FileInfo) {
				c.settle(p, rootFor(c.roots, p), st, now)
			})
			if err != nil && ctx.Err() == nil {
				c.log.Warn("catalog: scan new folder", "dir", path, "err", err)
			}
		}
		return
	}
	if !st.Mode().IsRegular() || !isModelFile(filepath.Base(path)) {
		return
	}
	c.settle(path, root, st, time.Now())
}

func (c *Catalog) settle(path, root string, st fs.FileInfo, now time.Time) {
	if _, ok := c.pending[path]; ok {
		return // already settling; poll notices further changes
	}
	c.pending[path] = &settling{size: st.Size(), mod: st.ModTime(), since: now, root: root}
}

// poll re-stats settling files and indexes those that held still for
// StableFor. Call with opMu held.
func (c *Catalog) poll(now time.Time) {
	for path, s := range c.pending {
		st, err := os.Stat(path)
		if err != nil {
			delete(c.pending, path)
			if errors.Is(err, fs.ErrNotExist) {
				c.forget(path)
			}
			continue
		}
		if !st.Mode().IsRegular() {
			delete(c.pending, path)
			continue
		}
		if st.Size() != s.size || !st.ModTime().Equal(s.mod) {
			s.size, s.mod, s.since = st.Size(), st.ModTime(), now
			continue
		}
		if now.Sub(s.since) < c.cfg.StableFor {
			continue
		}
		delete(c.pending, path)
		if old, ok := c.modelAt(path); ok && sameStat(old, st) && old.Root == s.root {
			continue
		}
		c.index(path, s.root, st)
	}
}

// forget drops everything at or below path: settling files, watches and
// models. Call with opMu held.
func (c *Catalog) forget(path string) {
	for p := range c.pending {
		if within(path, p) {
			delete(c.pending, p)
		}
	}
	for d, real := range c.dirs {
		if within(path, d) {
			c.unwatch(d)
			delete(c.dirs, d)
			delete(c.reals, real)
		}
	}
	c.apply(func() []Event {
		var gone []string
		for p := range c.models {
			if within(path, p) {
				gone = append(gone, p)
			}
		}
		slices.Sort(gone)
		evs := make([]Event, 0, len(gone))
		for _, p := range gone {
			if ev, ok := c.drop(p); ok {
				evs = append(evs, ev)
			}
		}
		return evs
	})
}

// index reads a settled file and stores it, reusing a known hash when the
// file is unchanged and queueing hashing otherwise. Call with opMu held.
func (c *Catalog) index(path, root string, st fs.FileInfo) {
	m := describe(path, root, st)
	queue := false
	if c.cfg.Hash {
		if old, ok := c.modelAt(path); ok && old.SHA256 != "" && sameStat(old, st) {
			m.SHA256, m.AutoV2 = old.SHA256, old.AutoV2
		} else if sum, ok := c.cache.get(path, st.Size(), st.ModTime()); ok {
			m.SHA256, m.AutoV2 = sum, sum[:10]
		} else {
			m.Hashing, queue = true, true
		}
	}
	c.apply(func() []Event { return []Event{c.put(m)} })
	// Queued only after the model is stored, so the hasher always finds it.
	if queue {
		c.hq.push(hashJob{path: path, size: st.Size(), mod: st.ModTime()})
	}
}
