package gallery

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/history"
)

// fakeOpener records what the service asked the OS to open.
type fakeOpener struct {
	mu      sync.Mutex
	opened  []string
	reveals []string
	err     error
}

func (f *fakeOpener) Open(path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened = append(f.opened, path)
	return f.err
}

func (f *fakeOpener) Reveal(path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reveals = append(f.reveals, path)
	return f.err
}

// eventLog records emitted events.
type eventLog struct {
	mu     sync.Mutex
	events []any
	names  []string
}

func (e *eventLog) Emit(name string, payload any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.names = append(e.names, name)
	e.events = append(e.events, payload)
}

type fixture struct {
	db     *history.DB
	svc    *Service
	opener *fakeOpener
	events *eventLog
	dir    string
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := history.Open(filepath.Join(dir, "history.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	f := &fixture{db: db, opener: &fakeOpener{}, events: &eventLog{}, dir: dir}
	f.svc = New(db, f.opener, f.events, nil, opts...)
	return f
}

// writePNG writes a w×h opaque PNG with a horizontal gradient and returns its path.
func writePNG(t *testing.T, dir, name string, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / max(1, w-1)), G: 100, B: uint8(y % 256), A: 255})
		}
	}
	return writeImage(t, dir, name, img)
}

func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return path
}

func (f *fixture) add(t *testing.T, path, prompt string, i int) history.OutputRecord {
	t.Helper()
	o, err := f.db.AddOutput(t.Context(), history.OutputRecord{
		Path: path, Prompt: prompt, Provider: "local", Model: "sd15", Width: 64, Height: 32,
		CreatedAt: time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC),
	})
	require.NoError(t, err)
	return o
}

func TestList(t *testing.T) {
	f := newFixture(t)
	a := f.add(t, writePNG(t, f.dir, "a.png", 64, 32), "a red fox", 1)
	b := f.add(t, filepath.Join(f.dir, "gone.png"), "a red car", 2)
	f.add(t, writePNG(t, f.dir, "c.png", 8, 8), "blue sky", 3)

	page, err := f.svc.List(t.Context(), "red", 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 2, page.Total)
	require.Len(t, page.Items, 2)
	assert.Equal(t, b.ID, page.Items[0].ID)
	assert.False(t, page.Items[0].Exists)
	assert.Equal(t, a.ID, page.Items[1].ID)
	assert.True(t, page.Items[1].Exists)
	assert.Equal(t, "/media/outputs/"+a.ID, page.Items[1].URL)
	assert.Equal(t, "/media/thumbs/"+a.ID, page.Items[1].ThumbURL)

	page, err = f.svc.List(t.Context(), "", 1, 1)
	require.NoError(t, err)
	assert.Equal(t, 3, page.Total)
	require.Len(t, page.Items, 1)
	assert.Equal(t, b.ID, page.Items[0].ID)

	page, err = f.svc.List(t.Context(), "nothing-matches", 0, 10)
	require.NoError(t, err)
	assert.NotNil(t, page.Items, "an empty page is [] in JSON, not null")
	assert.Empty(t, page.Items)
}

func TestListLimitClamped(t *testing.T) {
	f := newFixture(t)
	for i := range maxPageSize + 5 {
		f.add(t, fmt.Sprintf("/nowhere/%d.png", i), "x", i)
	}
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"too many", 10_000, maxPageSize},
		{"zero means default", 0, defaultPageSize},
		{"negative means default", -3, defaultPageSize},
		{"in range", 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.svc.List(t.Context(), "", 0, tt.limit)
			require.NoError(t, err)
			assert.Len(t, page.Items, tt.want)
			assert.Equal(t, maxPageSize+5, page.Total)
		})
	}
}

func TestItemJSONIsFlat(t *testing.T) {
	f := newFixture(t)
	o := f.add(t, writePNG(t, f.dir, "a.png", 4, 4), "p", 1)
	it, err := f.svc.Get(t.Context(), o.ID)
	require.NoError(t, err)
	b, err := json.Marshal(it)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"id", "jobId", "path", "prompt", "negativePrompt", "seed", "width", "height", "createdAt", "exists", "url", "thumbUrl"} {
		assert.Contains(t, m, k)
	}
	assert.NotContains(t, m, "OutputRecord")
}

func TestGetUnknown(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.Get(t.Context(), "nope")
	require.ErrorIs(t, err, history.ErrNotFound)
}

func TestOpenAndReveal(t *testing.T) {
	f := newFixture(t)
	path := writePNG(t, f.dir, "a.png", 4, 4)
	o := f.add(t, path, "p", 1)
	missing := f.add(t, filepath.Join(f.dir, "missing.png"), "p", 2)

	require.NoError(t, f.svc.Open(t.Context(), o.ID))
	require.NoError(t, f.svc.Reveal(t.Context(), o.ID))
	assert.Equal(t, []string{path}, f.opener.opened)
	assert.Equal(t, []string{path}, f.opener.reveals)

	require.ErrorIs(t, f.svc.Open(t.Context(), missing.ID), ErrFileMissing)
	require.ErrorIs(t, f.svc.Reveal(t.Context(), missing.ID), ErrFileMissing)
	require.ErrorIs(t, f.svc.Open(t.Context(), "unknown"), history.ErrNotFound)
	assert.Len(t, f.opener.opened, 1, "the OS is never asked about a missing file")

	f.opener.err = errors.New("no desktop")
	err := f.svc.Open(t.Context(), o.ID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no desktop")
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	path := writePNG(t, f.dir, "a.png", 4, 4)
	o := f.add(t, path, "p", 1)
	gone := f.add(t, filepath.Join(f.dir, "already-gone.png"), "p", 2)

	require.NoError(t, f.svc.Delete(t.Context(), o.ID))
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = f.svc.Get(t.Context(), o.ID)
	require.ErrorIs(t, err, history.ErrNotFound)

	require.NoError(t, f.svc.Delete(t.Context(), gone.ID), "a missing file is fine")
	require.ErrorIs(t, f.svc.Delete(t.Context(), o.ID), history.ErrNotFound)

	assert.Equal(t, []string{events.GalleryChanged, events.GalleryChanged}, f.events.names)
	assert.Equal(t, []any{Change{Type: "deleted", ID: o.ID}, Change{Type: "deleted", ID: gone.ID}}, f.events.events)
}

func TestDeleteKeepsRecordWhenFileCannotBeRemoved(t *testing.T) {
	f := newFixture(t)
	// A non-empty directory at the recorded path: os.Remove fails.
	dir := filepath.Join(f.dir, "adir.png")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "child"), 0o755))
	o := f.add(t, dir, "p", 1)
	require.Error(t, f.svc.Delete(t.Context(), o.ID))
	_, err := f.svc.Get(t.Context(), o.ID)
	require.NoError(t, err)
	assert.Empty(t, f.events.names)
}
