package ideogram

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/providers/providertest"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// testKey is long enough for providers.Scrub to act on it.
const testKey = "ideo-test-key-0123456789abcdef"

// pngBytes encodes a tiny real PNG so the MIME sniffing sees a real file.
func pngBytes(t *testing.T, shade uint8) []byte { return providertest.PNG(t, shade) }

// fixture is a provider pointed at a stand-in server, with the HTTP
// layer's waits recorded instead of slept.
type fixture struct {
	p    *Provider
	srv  *httptest.Server
	env  *providertest.Env
	logs *providertest.LockedBuffer
}

func (f *fixture) sleeps() []time.Duration { return f.env.Sleeps() }

// newFixture serves h and builds a provider whose key is key ("" means no
// key stored). Logs go, at debug level, to f.logs.
func newFixture(t *testing.T, key string, h http.HandlerFunc) *fixture {
	t.Helper()
	env := providertest.New(t, Name, secrets.Ideogram, key, h)
	p, err := New(env.Config)
	require.NoError(t, err)
	return &fixture{p: p, srv: env.Server, env: env, logs: env.Logs}
}

func seed(v int64) *int64 { return &v }
