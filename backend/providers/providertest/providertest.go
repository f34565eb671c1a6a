// Package providertest holds what cloud-provider tests share: a loopback
// stand-in server wired into a providers.Config whose HTTP client records
// its backoff waits instead of sleeping, logs captured at debug level (so a
// test can scan them for the key), and a tiny real PNG.
package providertest

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
)

// Env is one provider's test surroundings.
type Env struct {
	Server *httptest.Server
	Config providers.Config
	Logs   *LockedBuffer

	mu     sync.Mutex
	delays []time.Duration
}

// New serves h on loopback and returns a Config for the provider name whose
// key getter answers key for provider ("" means no key stored) and reports
// a question about any other provider as a test error.
func New(t *testing.T, name string, provider secrets.Provider, key string, h http.Handler) *Env {
	t.Helper()
	e := &Env{Logs: &LockedBuffer{}}
	e.Server = httptest.NewServer(h)
	t.Cleanup(e.Server.Close)
	logger := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := &httpx.Client{
		Timeout: 5 * time.Second,
		Logger:  logger,
		Jitter:  func(max time.Duration) time.Duration { return max },
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.mu.Lock()
			e.delays = append(e.delays, d)
			e.mu.Unlock()
			return ctx.Err()
		},
	}
	e.Config = providers.Config{
		BaseURLs: map[string]string{name: e.Server.URL},
		Getenv:   func(string) string { return "" },
		HTTP:     client,
		Logger:   logger,
		Keys: providers.KeyFunc(func(_ context.Context, p secrets.Provider) (string, error) {
			if p != provider {
				t.Errorf("key asked for %q", p)
			}
			if key == "" {
				return "", secrets.ErrNotFound
			}
			return key, nil
		}),
	}
	return e
}

// Sleeps returns the backoff waits the client asked for, in order.
func (e *Env) Sleeps() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.delays...)
}

// LockedBuffer is a log sink safe for the server's and client's goroutines.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LockedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// PNG encodes a tiny real PNG, so MIME sniffing sees a real file.
func PNG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	img.SetGray(0, 0, color.Gray{Y: shade})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
