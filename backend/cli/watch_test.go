package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

// syncBuffer is a bytes.Buffer safe for the catalog's goroutines to write to
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestModelsWatchPrintsEventsAsFilesComeAndGo(t *testing.T) {
	h := newHarness(t)
	layout, err := paths.ResolveFrom(func(k string) string {
		if k == paths.HomeEnv {
			return h.home
		}
		return ""
	}, "linux", h.home)
	require.NoError(t, err)
	var out, errOut syncBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Open: studio.Open, StudioOptions: studio.Options{Layout: &layout}}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- Run(ctx, env, []string{"models", "watch"}) }()
	waitFor := func(buf *syncBuffer, want string) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Contains(buf.String(), want) }, 10*time.Second, 20*time.Millisecond, "waiting for %q in %q", want, buf.String())
	}
	waitFor(&errOut, "watching")

	file := filepath.Join(h.home, "models", "checkpoints", "tiny.safetensors")
	writeSD1Checkpoint(t, file)
	waitFor(&out, "added")
	broken := filepath.Join(h.home, "models", "loras", "broken.safetensors")
	require.NoError(t, os.WriteFile(broken, []byte("not a model at all"), 0o644))
	waitFor(&out, "unreadable:")
	require.NoError(t, os.Remove(file))
	waitFor(&out, "removed")
	cancel()
	assert.Equal(t, 0, <-done)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var added []string
	for _, l := range lines {
		if strings.HasPrefix(l, "added") {
			added = append(added, l)
		}
	}
	require.Len(t, added, 2, "each file is reported once: %q", lines)
	assert.Contains(t, added[0]+added[1], "sd1")
}
