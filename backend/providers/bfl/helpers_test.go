package bfl

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
	"github.com/stretchr/testify/require"
)

// testKey is long enough for providers.Scrub to act on it.
const testKey = "bfl-test-key-0123456789abcdef"

// pngBytes encodes a tiny real PNG so the MIME sniffing sees a real file.
func pngBytes(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	img.SetGray(0, 0, color.Gray{Y: shade})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// fixture is a provider pointed at a stand-in server, with the HTTP
// layer's waits recorded instead of slept.
type fixture struct {
	p      *Provider
	srv    *httptest.Server
	mu     sync.Mutex
	delays []time.Duration
	logs   *lockedWriter
}

func (f *fixture) sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.delays...)
}

// newFixture serves h and builds a provider whose key is key ("" means no
// key stored). Logs go, at debug level, to f.logs.
func newFixture(t *testing.T, key string, h http.HandlerFunc) *fixture {
	return newFixtureOpts(t, key, Options{PollInterval: time.Millisecond, MaxPollInterval: 2 * time.Millisecond}, h)
}

func newFixtureOpts(t *testing.T, key string, o Options, h http.HandlerFunc) *fixture {
	t.Helper()
	f := &fixture{logs: &lockedWriter{w: new(bytes.Buffer)}}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := &httpx.Client{
		Timeout: 5 * time.Second,
		Logger:  logger,
		Jitter:  func(max time.Duration) time.Duration { return max },
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			f.delays = append(f.delays, d)
			f.mu.Unlock()
			return ctx.Err()
		},
	}
	cfg := providers.Config{
		BaseURLs: map[string]string{Name: f.srv.URL},
		Getenv:   func(string) string { return "" },
		HTTP:     client,
		Logger:   logger,
		Keys: providers.KeyFunc(func(_ context.Context, p secrets.Provider) (string, error) {
			if p != secrets.BFL {
				t.Errorf("key asked for %q", p)
			}
			if key == "" {
				return "", secrets.ErrNotFound
			}
			return key, nil
		}),
	}
	p, err := New(cfg, o)
	require.NoError(t, err)
	f.p = p
	return f
}

// lockedWriter serialises writes from the handler goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func seed(v int64) *int64 { return &v }

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
