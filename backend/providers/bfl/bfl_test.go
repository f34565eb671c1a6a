package bfl

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standIn is a scripted BFL API: submits answer {id, polling_url}, polls
// walk through statuses (the last one repeats), and /img/out serves the
// result.
type standIn struct {
	t        *testing.T
	f        *fixture
	statuses []string
	// submit, when set, answers the submit instead of the default.
	submit func(w http.ResponseWriter, n int32) bool
	// pollingURL, when set, is put in the submit answer.
	pollingURL string
	download   int // status of /img/out; 0 means 200

	mu         sync.Mutex
	paths      []string
	bodies     []map[string]any
	keys       []string // x-key of every API call (submits and polls)
	downloadKs []string
	submits    atomic.Int32
	polls      atomic.Int32
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.URL.Path == "/img/out":
		s.downloadKs = append(s.downloadKs, r.Header.Get("x-key"))
		if s.download != 0 {
			w.WriteHeader(s.download)
			return
		}
		_, _ = w.Write(pngBytes(s.t, 3))
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/"):
		n := s.submits.Add(1)
		s.paths = append(s.paths, r.Method+" "+r.URL.Path)
		s.keys = append(s.keys, r.Header.Get("x-key"))
		assert.Equal(s.t, "application/json", r.Header.Get("Content-Type"))
		var body map[string]any
		assert.NoError(s.t, json.NewDecoder(r.Body).Decode(&body))
		s.bodies = append(s.bodies, body)
		if s.submit != nil && s.submit(w, n) {
			return
		}
		pu := s.pollingURL
		if pu == "" {
			pu = s.f.srv.URL + "/v1/get_result?id=task-1"
		}
		fmt.Fprintf(w, `{"id":"task-1","polling_url":%q}`, pu)
	case r.Method == http.MethodGet && r.URL.Path == getResultPath:
		n := int(s.polls.Add(1))
		s.paths = append(s.paths, "GET "+r.URL.Path+"?"+r.URL.RawQuery)
		s.keys = append(s.keys, r.Header.Get("x-key"))
		st := s.statuses[min(n, len(s.statuses))-1]
		if st == statusReady {
			fmt.Fprintf(w, `{"id":"task-1","status":"Ready","result":{"sample":"%s/img/out","prompt":"a fox","seed":77}}`, s.f.srv.URL)
			return
		}
		fmt.Fprintf(w, `{"id":"task-1","status":%q,"result":null,"details":{"reason":"r"}}`, st)
	default:
		s.t.Errorf("unexpected %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}
}

func newStandIn(t *testing.T, statuses ...string) *standIn {
	s := &standIn{t: t, statuses: statuses}
	s.f = newFixture(t, testKey, s.ServeHTTP)
	return s
}

func TestGenerateSendsExactBodies(t *testing.T) {
	input := pngBytes(t, 200)
	tests := []struct {
		name string
		req  providers.Request
		want map[string]any
	}{
		{"flux-pro-1.1", providers.Request{Model: ModelPro11, Prompt: "a fox", Size: "1024x768", Seed: seed(5),
			Options: map[string]string{"prompt_upsampling": "true", "safety_tolerance": "4", "output_format": "png"}},
			map[string]any{"prompt": "a fox", "width": 1024.0, "height": 768.0, "seed": 5.0,
				"prompt_upsampling": true, "safety_tolerance": 4.0, "output_format": "png"}},
		{"flux-pro-1.1 defaults left out", providers.Request{Model: ModelPro11, Prompt: "a fox"},
			map[string]any{"prompt": "a fox"}},
		{"flux-pro-1.1-ultra", providers.Request{Model: ModelPro11Ultra, Prompt: "a fox", AspectRatio: "21:9",
			Options: map[string]string{"raw": "true"}},
			map[string]any{"prompt": "a fox", "aspect_ratio": "21:9", "raw": true}},
		{"flux-dev", providers.Request{Model: ModelDev, Prompt: "a fox", Size: "512x1440", Seed: seed(0),
			Options: map[string]string{"steps": "30", "guidance": "2.5"}},
			map[string]any{"prompt": "a fox", "width": 512.0, "height": 1440.0, "seed": 0.0, "steps": 30.0, "guidance": 2.5}},
		{"flux-kontext-pro edit", providers.Request{Model: ModelKontextPro, Prompt: "make it blue", AspectRatio: "1:1",
			InitImages: [][]byte{input}, Options: map[string]string{"safety_tolerance": "2"}},
			map[string]any{"prompt": "make it blue", "aspect_ratio": "1:1", "safety_tolerance": 2.0,
				"input_image": base64.StdEncoding.EncodeToString(input)}},
		{"flux-kontext-max text only", providers.Request{Model: ModelKontextMax, Prompt: "a fox", AspectRatio: "3:7"},
			map[string]any{"prompt": "a fox", "aspect_ratio": "3:7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, statusPending, statusPending, statusReady)
			imgs, err := s.f.p.Generate(t.Context(), tt.req)
			require.NoError(t, err)
			require.Len(t, imgs, 1)
			assert.Equal(t, pngBytes(t, 3), imgs[0].Data)
			assert.Equal(t, "image/png", imgs[0].MIME)
			require.NotNil(t, imgs[0].Seed)
			assert.Equal(t, int64(77), *imgs[0].Seed, "the seed BFL reports")
			assert.Equal(t, []map[string]any{tt.want}, s.bodies)
			assert.Equal(t, []string{"POST /v1/" + tt.req.Model,
				"GET /v1/get_result?id=task-1", "GET /v1/get_result?id=task-1", "GET /v1/get_result?id=task-1"}, s.paths)
			assert.Equal(t, []string{testKey, testKey, testKey, testKey}, s.keys, "x-key on submit and every poll")
			assert.Equal(t, []string{""}, s.downloadKs, "the result URL is fetched without the key")
		})
	}
}

func TestGenerateRevisedPrompt(t *testing.T) {
	s := newStandIn(t, statusReady)
	imgs, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "fox",
		Options: map[string]string{"prompt_upsampling": "true"}})
	require.NoError(t, err)
	assert.Equal(t, "a fox", imgs[0].RevisedPrompt)
}

func TestGenerateTaskOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		statuses []string
		want     error
		msg      string
	}{
		{"request moderated", []string{statusPending, statusRequestModerated}, providers.ErrModerated, "Request Moderated"},
		{"content moderated", []string{statusContentModerated}, providers.ErrModerated, "Content Moderated"},
		{"task error", []string{statusPending, statusError}, providers.ErrUnavailable, "task failed: Error"},
		{"task not found", []string{statusTaskNotFound}, providers.ErrUnavailable, "Task not found"},
		{"unknown status keeps polling", []string{"Processing", statusReady}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, tt.statuses...)
			_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, int32(len(tt.statuses)), s.polls.Load(), "polling stops at the final status")
		})
	}
}

func TestGenerateSubmitRetries(t *testing.T) {
	tests := []struct {
		name       string
		first      func(w http.ResponseWriter)
		wantDelays []time.Duration
	}{
		{"429 with Retry-After", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
		}, []time.Duration{2 * time.Second}},
		{"500 then success", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
			[]time.Duration{500 * time.Millisecond}}, // httpx.DefaultBaseDelay; the fixture's jitter takes the ceiling
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, statusReady)
			s.submit = func(w http.ResponseWriter, n int32) bool {
				if n == 1 {
					tt.first(w)
					return true
				}
				return false
			}
			_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelDev, Prompt: "x", Seed: seed(1)})
			require.NoError(t, err)
			assert.Equal(t, int32(2), s.submits.Load())
			require.Len(t, s.bodies, 2)
			assert.Equal(t, s.bodies[0], s.bodies[1], "the retry replays the same body")
			assert.Equal(t, tt.wantDelays, s.f.sleeps())
		})
	}
}

func TestGenerateSubmitErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
		msg    string
	}{
		{"validation", 422, `{"detail":[{"loc":["body","width"],"msg":"must be a multiple of 32"}]}`, providers.ErrInvalidRequest, "body.width: must be a multiple of 32"},
		{"bad key echoed", 403, `{"detail":"Not authenticated: ` + testKey + `"}`, providers.ErrInvalidKey, "Not authenticated: [redacted]"},
		{"moderated at submit", 400, `{"detail":"Request was moderated"}`, providers.ErrModerated, "moderated"},
		{"malformed JSON", 200, `{"id":`, providers.ErrUnavailable, "decode bfl submit response"},
		{"missing id", 200, `{"polling_url":"http://x/y"}`, providers.ErrUnavailable, "missing or invalid id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, statusReady)
			s.submit = func(w http.ResponseWriter, _ int32) bool {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
				return true
			}
			_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.NotContains(t, err.Error(), testKey)
			assert.Zero(t, s.polls.Load())
		})
	}
}

func TestGenerateBadResults(t *testing.T) {
	tests := []struct {
		name     string
		download int
		msg      string
	}{
		{"expired (403)", http.StatusForbidden, "expired"},
		{"expired (404)", http.StatusNotFound, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, statusReady)
			s.download = tt.download
			_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
			require.ErrorIs(t, err, providers.ErrUnavailable)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestPollTimeout(t *testing.T) {
	s := &standIn{t: t, statuses: []string{statusPending}}
	s.f = newFixtureOpts(t, testKey, Options{PollTimeout: 50 * time.Millisecond, PollInterval: time.Millisecond,
		MaxPollInterval: 5 * time.Millisecond}, s.ServeHTTP)
	_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
	require.ErrorIs(t, err, providers.ErrUnavailable)
	assert.Contains(t, err.Error(), "no result within 50ms")
	assert.Greater(t, s.polls.Load(), int32(1), "it kept polling while Pending")
}

func TestPollCancelled(t *testing.T) {
	s := newStandIn(t, statusPending)
	ctx, cancel := context.WithCancel(t.Context())
	s.submit = func(w http.ResponseWriter, _ int32) bool { return false }
	go func() {
		for s.polls.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := s.f.p.Generate(ctx, providers.Request{Model: ModelPro11, Prompt: "x"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestSubmitCancelledDuringSlowResponse(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := f.p.Generate(ctx, providers.Request{Model: ModelPro11, Prompt: "x"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestOffSitePollingURLIsNotTrustedWithTheKey(t *testing.T) {
	var offsite atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { offsite.Add(1) }))
	t.Cleanup(evil.Close)
	s := newStandIn(t, statusReady)
	s.pollingURL = evil.URL + "/v1/get_result?id=task-1"
	_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
	require.NoError(t, err)
	assert.Zero(t, offsite.Load(), "the key must not go to another host")
	assert.Equal(t, int32(1), s.polls.Load(), "polled through the base URL instead")
}

func TestSameSite(t *testing.T) {
	tests := []struct {
		base, poll string
		want       bool
	}{
		{"https://api.bfl.ai", "https://api.us1.bfl.ai/v1/get_result?id=1", true},
		{"https://api.bfl.ai", "https://api.bfl.ai/v1/get_result?id=1", true},
		{"https://api.bfl.ai", "http://api.us1.bfl.ai/v1/get_result", false},
		{"https://api.bfl.ai", "https://bfl.ai.evil.com/x", false},
		{"https://api.bfl.ai", "https://evilbfl.ai/x", false},
		{"https://api.bfl.ai", "https://api.us1.bfl.ai:8443/x", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/get_result", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090/v1/get_result", false},
	}
	for _, tt := range tests {
		t.Run(tt.poll, func(t *testing.T) {
			b, err := parseHTTPURL(tt.base)
			require.NoError(t, err)
			u, err := parseHTTPURL(tt.poll)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sameSite(b, u))
		})
	}
}

func TestGenerateRejectsBeforeSending(t *testing.T) {
	tests := []struct {
		name  string
		req   providers.Request
		field string
	}{
		{"size not a multiple of 32", providers.Request{Model: ModelPro11, Prompt: "x", Size: "1000x1000"}, "size"},
		{"size too large", providers.Request{Model: ModelDev, Prompt: "x", Size: "1472x1024"}, "size"},
		{"aspect ratio on a sized model", providers.Request{Model: ModelPro11, Prompt: "x", AspectRatio: "1:1"}, "aspectRatio"},
		{"size on ultra", providers.Request{Model: ModelPro11Ultra, Prompt: "x", Size: "1024x1024"}, "size"},
		{"negative prompt", providers.Request{Model: ModelDev, Prompt: "x", NegativePrompt: "y"}, "negativePrompt"},
		{"two images", providers.Request{Model: ModelDev, Prompt: "x", N: 2}, "n"},
		{"edit on pro", providers.Request{Model: ModelPro11, Prompt: "x", InitImages: [][]byte{pngBytes(t, 1)}}, "initImages"},
		{"edit with high tolerance", providers.Request{Model: ModelKontextPro, Prompt: "x", InitImages: [][]byte{pngBytes(t, 1)},
			Options: map[string]string{"safety_tolerance": "5"}}, "safety_tolerance"},
		{"steps on pro", providers.Request{Model: ModelPro11, Prompt: "x", Options: map[string]string{"steps": "20"}}, "steps"},
		{"guidance out of range", providers.Request{Model: ModelDev, Prompt: "x", Options: map[string]string{"guidance": "9"}}, "guidance"},
		{"negative seed", providers.Request{Model: ModelDev, Prompt: "x", Seed: seed(-3)}, "seed"},
		{"unknown model", providers.Request{Model: "flux-schnell", Prompt: "x"}, "model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
			_, err := f.p.Generate(t.Context(), tt.req)
			require.ErrorIs(t, err, providers.ErrInvalidRequest)
			assert.Contains(t, err.Error(), tt.field)
			assert.Zero(t, calls.Load())
		})
	}
}

func TestGenerateWithoutKey(t *testing.T) {
	var calls atomic.Int32
	f := newFixture(t, "", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	_, err := f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
	require.ErrorIs(t, err, providers.ErrNoKey)
	assert.Zero(t, calls.Load())
}

func TestTestKey(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   error
	}{
		{"task not found (200)", 200, nil},
		{"task not found (404)", 404, nil},
		{"unauthorized", 401, providers.ErrInvalidKey},
		{"forbidden", 403, providers.ErrInvalidKey},
		{"server keeps failing", 502, providers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var method, path, key string
			f := newFixture(t, testKey, func(w http.ResponseWriter, r *http.Request) {
				method, path, key = r.Method, r.URL.Path+"?"+r.URL.RawQuery, r.Header.Get("x-key")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, `{"id":"x","status":"Task not found"}`)
			})
			err := f.p.TestKey(t.Context())
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, http.MethodGet, method)
			assert.Equal(t, "/v1/get_result?id="+testKeyTaskID, path)
			assert.Equal(t, testKey, key)
		})
	}
}

func TestConstructorReadsPollTimeout(t *testing.T) {
	cfg := providers.Config{Getenv: func(k string) string {
		if k == PollTimeoutEnv {
			return "90s"
		}
		return ""
	}}
	p, err := Constructor.New(cfg)
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, p.(*Provider).opts.PollTimeout)
	assert.Equal(t, DefaultBaseURL, p.(*Provider).baseURL)

	cfg.Getenv = func(k string) string {
		if k == PollTimeoutEnv {
			return "soon"
		}
		return ""
	}
	_, err = Constructor.New(cfg)
	require.ErrorContains(t, err, PollTimeoutEnv)
}

func TestLogsNeverCarryTheKey(t *testing.T) {
	s := newStandIn(t, statusPending, statusReady)
	s.submit = func(w http.ResponseWriter, n int32) bool {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		return false
	}
	_, err := s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
	require.NoError(t, err)
	s.submit = func(w http.ResponseWriter, _ int32) bool {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"detail":"bad key `+testKey+`"}`)
		return true
	}
	_, err = s.f.p.Generate(t.Context(), providers.Request{Model: ModelPro11, Prompt: "x"})
	require.ErrorIs(t, err, providers.ErrInvalidKey)
	logs := s.f.logs.String()
	require.Contains(t, logs, "http retry")
	require.Contains(t, logs, "X-Key=[redacted]")
	assert.NotContains(t, logs, testKey)
}
