package gallery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/history"
)

const (
	outputsPrefix = "/media/outputs/"
	thumbsPrefix  = "/media/thumbs/"
)

// contentType names the image types outputs come in; "" leaves the rest to
// http.ServeContent, which goes by extension and then sniffs.
func contentType(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	}
	return ""
}

// Handler serves GET/HEAD /media/outputs/<id> (the file) and
// /media/thumbs/<id> (a thumbnail fitting 384×384). The id is looked up in
// the database and only the recorded path is ever opened, so no URL can
// reach any other file. Unknown ids, malformed ids and missing files are 404.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(s.serveMedia)
}

func (s *Service) serveMedia(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var id string
	var thumbs bool
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, outputsPrefix):
		id = strings.TrimPrefix(p, outputsPrefix)
	case strings.HasPrefix(p, thumbsPrefix):
		id, thumbs = strings.TrimPrefix(p, thumbsPrefix), true
	default:
		http.NotFound(w, r)
		return
	}
	if !validID(id) {
		http.NotFound(w, r)
		return
	}
	rec, err := s.db.GetOutput(r.Context(), id)
	if errors.Is(err, history.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.logger.Error("media lookup", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Files are never overwritten, but an id can be deleted: let the web
	// view cache and revalidate (cheap: Last-Modified/ETag on localhost).
	w.Header().Set("Cache-Control", "no-cache")
	if thumbs {
		s.serveThumb(w, r, rec)
		return
	}
	s.serveFile(w, r, rec)
}

func (s *Service) serveFile(w http.ResponseWriter, r *http.Request, rec history.OutputRecord) {
	f, err := os.Open(rec.Path)
	if err != nil {
		s.fileError(w, r, rec, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if ct := contentType(rec.Path); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	http.ServeContent(w, r, filepath.Base(rec.Path), fi.ModTime(), f)
}

func (s *Service) serveThumb(w http.ResponseWriter, r *http.Request, rec history.OutputRecord) {
	t, err := s.thumbnail(r.Context(), rec)
	if errors.Is(err, errUnsupportedImage) {
		// WebP from a cloud API, or a giant upscale: the web view can scale
		// the original itself.
		s.serveFile(w, r, rec)
		return
	}
	if err != nil {
		s.fileError(w, r, rec, err)
		return
	}
	w.Header().Set("Content-Type", t.contentType)
	w.Header().Set("ETag", fmt.Sprintf(`"%s-%x-%x"`, rec.ID, t.modTime.UnixNano(), t.size))
	http.ServeContent(w, r, "", t.modTime, bytes.NewReader(t.data))
}

func (s *Service) fileError(w http.ResponseWriter, r *http.Request, rec history.OutputRecord, err error) {
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if errors.Is(err, context.Canceled) {
		return // the web view navigated away
	}
	s.logger.Error("serve media", "id", rec.ID, "path", rec.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// thumbnail returns the output's thumbnail from memory, the cache dir, or by
// decoding the file, in that order.
func (s *Service) thumbnail(ctx context.Context, rec history.OutputRecord) (*thumb, error) {
	fi, err := os.Stat(rec.Path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", rec.Path, fs.ErrNotExist)
	}
	if t, ok := s.thumbs.get(rec.ID); ok && t.fresh(fi.ModTime(), fi.Size()) {
		return t, nil
	}
	if t, ok := s.readThumbDir(rec.ID, fi); ok {
		s.thumbs.put(t)
		return t, nil
	}

	select {
	case s.thumbSlots <- struct{}{}:
		defer func() { <-s.thumbSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f, err := os.Open(rec.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, ct, err := makeThumb(f)
	if err != nil {
		// Whatever the cause (format, size, corrupt data), the caller
		// falls back to the original file.
		if !errors.Is(err, errUnsupportedImage) {
			err = fmt.Errorf("%w: %w", errUnsupportedImage, err)
		}
		return nil, fmt.Errorf("thumbnail %s: %w", rec.Path, err)
	}
	t := &thumb{id: rec.ID, data: data, contentType: ct, modTime: fi.ModTime(), size: fi.Size()}
	s.thumbs.put(t)
	s.writeThumbDir(t)
	return t, nil
}

// thumbFile names a cached thumbnail after the source's id, mod time and
// size, so a changed source never matches a stale thumbnail.
func (s *Service) thumbFile(id string, modTime time.Time, size int64, ext string) string {
	return filepath.Join(s.thumbDir, fmt.Sprintf("%s-%x-%x%s", id, modTime.UnixNano(), size, ext))
}

func (s *Service) readThumbDir(id string, fi fs.FileInfo) (*thumb, bool) {
	if s.thumbDir == "" {
		return nil, false
	}
	for _, ext := range []string{".jpg", ".png"} {
		ct := contentType(ext)
		data, err := os.ReadFile(s.thumbFile(id, fi.ModTime(), fi.Size(), ext))
		if err == nil && len(data) > 0 {
			return &thumb{id: id, data: data, contentType: ct, modTime: fi.ModTime(), size: fi.Size()}, true
		}
	}
	return nil, false
}

// writeThumbDir stores t in the cache dir (temp file, then rename, so a
// crash never leaves half a thumbnail). Failure only costs a re-decode.
func (s *Service) writeThumbDir(t *thumb) {
	if s.thumbDir == "" {
		return
	}
	ext := ".jpg"
	if t.contentType == "image/png" {
		ext = ".png"
	}
	if err := os.MkdirAll(s.thumbDir, 0o755); err != nil {
		s.logger.Warn("thumbnail cache dir", "dir", s.thumbDir, "err", err)
		return
	}
	final := s.thumbFile(t.id, t.modTime, t.size, ext)
	tmp, err := os.CreateTemp(s.thumbDir, ".thumb-*")
	if err != nil {
		s.logger.Warn("write thumbnail", "err", err)
		return
	}
	_, werr := tmp.Write(t.data)
	cerr := tmp.Close()
	if werr == nil && cerr == nil {
		werr = os.Rename(tmp.Name(), final)
	}
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		s.logger.Warn("write thumbnail", "path", final, "err", errors.Join(werr, cerr))
	}
}

// validID accepts the ids history assigns (hex) and any other plain token;
// it rejects everything that could mean a path: '/', '\', '.', '%', NUL.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
