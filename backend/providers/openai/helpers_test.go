package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// testKey looks like an OpenAI key; no test output may contain it.
const testKey = "sk-proj-TESTKEY0123456789abcdefXYZ"

// seen is one request as the stand-in received it.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// standIn is an httptest server answering OpenAI's paths from a handler,
// recording every request.
type standIn struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newStandIn(t *testing.T, h http.HandlerFunc) *standIn {
	t.Helper()
	s := &standIn{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{r.Method, r.URL.Path, r.Header.Clone(), b})
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *standIn) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// rig is a provider pointed at a stand-in, with recorded sleeps and logs.
type rig struct {
	p      *Provider
	sleeps []time.Duration
	logs   *bytes.Buffer
}

func newRig(t *testing.T, s *standIn, key string) *rig {
	t.Helper()
	r := &rig{logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: r.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := providers.Config{
		BaseURLs: map[string]string{providerID: s.srv.URL + "/v1"},
		Getenv:   func(string) string { return "" },
		HTTP: &httpx.Client{Logger: log, Sleep: func(ctx context.Context, d time.Duration) error {
			r.sleeps = append(r.sleeps, d)
			return ctx.Err()
		}},
		Keys: providers.KeyFunc(func(_ context.Context, p secrets.Provider) (string, error) {
			if p != secrets.OpenAI {
				t.Errorf("asked for the %s key", p)
			}
			if key == "" {
				return "", secrets.ErrNotFound
			}
			return key, nil
		}),
		Logger: log,
	}
	p, err := New(cfg)
	require.NoError(t, err)
	r.p = p.(*Provider)
	return r
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// tinyPNG encodes a w×h image whose pixels depend on tag, so different
// results are different bytes.
func tinyPNG(t *testing.T, w, h int, tag uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		img.Set(i%w, i/w, color.NRGBA{R: tag, G: uint8(i), B: 7, A: 255})
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
