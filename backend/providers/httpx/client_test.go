package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sleeps records the delays a Client asked for without waiting.
type sleeps struct{ got []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.got = append(s.got, d)
	return ctx.Err()
}

func testClient(s *sleeps) *Client {
	return &Client{
		Sleep:  s.sleep,
		Jitter: func(max time.Duration) time.Duration { return max }, // deterministic: the ceiling
		Now:    func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
}

func get(url string) func() (*http.Request, error) {
	return func() (*http.Request, error) { return http.NewRequest(http.MethodGet, url, nil) }
}

// script answers with the given statuses in turn (the last repeats), each
// with its headers and body.
type reply struct {
	status int
	header map[string]string
	body   string
}

func scripted(t *testing.T, replies ...reply) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		rep := replies[min(i, len(replies)-1)]
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		replies    []reply
		maxRetries int
		wantStatus int
		wantCalls  int32
		wantSleeps []time.Duration
	}{
		{"success at once", []reply{{200, nil, "ok"}}, 0, 200, 1, nil},
		{"500 then success", []reply{{500, nil, ""}, {200, nil, "ok"}}, 0, 200, 2, []time.Duration{500 * time.Millisecond}},
		{"backoff doubles", []reply{{503, nil, ""}, {502, nil, ""}, {504, nil, ""}, {200, nil, "ok"}}, 0, 200, 4,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{"429 Retry-After seconds", []reply{{429, map[string]string{"Retry-After": "7"}, ""}, {200, nil, "ok"}}, 0, 200, 2,
			[]time.Duration{7 * time.Second}},
		{"429 Retry-After date", []reply{{429, map[string]string{"Retry-After": "Thu, 02 Jan 2025 03:04:17 GMT"}, ""}, {200, nil, "ok"}}, 0, 200, 2,
			[]time.Duration{12 * time.Second}},
		{"Retry-After capped at MaxDelay", []reply{{429, map[string]string{"Retry-After": "3600"}, ""}, {200, nil, "ok"}}, 0, 200, 2,
			[]time.Duration{30 * time.Second}},
		{"malformed Retry-After falls back to backoff", []reply{{429, map[string]string{"Retry-After": "soon"}, ""}, {200, nil, "ok"}}, 0, 200, 2,
			[]time.Duration{500 * time.Millisecond}},
		{"gives up after MaxRetries, returns last answer", []reply{{500, nil, "boom"}}, 2, 500, 3,
			[]time.Duration{500 * time.Millisecond, time.Second}},
		{"no retry on 400", []reply{{400, nil, `{"error":"bad"}`}}, 0, 400, 1, nil},
		{"no retry on 401", []reply{{401, nil, ""}}, 0, 401, 1, nil},
		{"no retry on 501", []reply{{501, nil, ""}}, 0, 501, 1, nil},
		{"retries disabled", []reply{{500, nil, ""}}, -1, 500, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := scripted(t, tt.replies...)
			s := &sleeps{}
			c := testClient(s)
			c.MaxRetries = tt.maxRetries
			resp, err := c.Do(t.Context(), get(srv.URL))
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantCalls, calls.Load())
			assert.Equal(t, tt.wantSleeps, s.got)
		})
	}
}

func TestFullJitterStaysUnderCeiling(t *testing.T) {
	c := &Client{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt := range 40 {
		ceiling := min(100*time.Millisecond<<min(attempt, 20), time.Second)
		for range 20 {
			d := c.backoff(attempt)
			assert.GreaterOrEqual(t, d, time.Duration(0))
			assert.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
		}
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// Drop the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	s := &sleeps{}
	resp, err := testClient(s).Do(t.Context(), get(srv.URL))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, int32(2), calls.Load())
	assert.Len(t, s.got, 1)
}

func TestNetworkErrorAfterRetriesIsNetError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	s := &sleeps{}
	c := testClient(s)
	c.MaxRetries = 2
	_, err := c.Do(t.Context(), get(url+"/v1/x?secret=1"))
	var ne *NetError
	require.ErrorAs(t, err, &ne)
	assert.Len(t, s.got, 2)
	assert.NotContains(t, err.Error(), "secret=1", "the query string is not repeated in errors")
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up on this attempt
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	s := &sleeps{}
	c := testClient(s)
	c.Timeout = 50 * time.Millisecond
	resp, err := c.Do(t.Context(), get(srv.URL))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, int32(2), calls.Load())
}

func TestCancelAbortsSlowResponse(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithCancel(t.Context())
	s := &sleeps{}
	done := make(chan error, 1)
	go func() {
		_, err := testClient(s).Do(ctx, get(srv.URL))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the request reach the server
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, s.got, "a cancel is never retried")
	case <-time.After(10 * time.Second):
		t.Fatal("Do did not return after cancel")
	}
}

func TestCancelDuringBackoffStops(t *testing.T) {
	srv, calls := scripted(t, reply{status: 503})
	ctx, cancel := context.WithCancel(t.Context())
	c := &Client{Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }}
	_, err := c.Do(ctx, get(srv.URL))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), calls.Load())
}

func TestEachAttemptGetsAFreshBody(t *testing.T) {
	var bodies []string
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if n.Add(1) == 1 {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	resp, err := testClient(&sleeps{}).Do(t.Context(), func() (*http.Request, error) {
		return http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("payload"))
	})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"payload", "payload"}, bodies)
}

func TestBuildErrorIsNotRetried(t *testing.T) {
	s := &sleeps{}
	_, err := testClient(s).Do(t.Context(), func() (*http.Request, error) { return nil, errors.New("no") })
	assert.ErrorContains(t, err, "build request: no")
	assert.Empty(t, s.got)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{"99999999999999999", 24 * time.Hour, true}, // clamped, no overflow
		{"-1", 0, false},
		{"1.5", 0, false},
		{"", 0, false},
		{"Thu, 02 Jan 2025 03:05:05 GMT", time.Minute, true},
		{"Thu, 02 Jan 2025 03:00:00 GMT", 0, true}, // in the past: now
		{"Thursday, 02-Jan-25 03:04:15 GMT", 10 * time.Second, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-5", "Thu, 02 Jan 2025 03:05:05 GMT", "9223372036854775807", "x"} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if ok && d < 0 {
			t.Fatalf("negative delay %v for %q", d, s)
		}
		if !ok && d != 0 {
			t.Fatalf("delay %v with ok false", d)
		}
	})
}

func TestLogsRedactCredentials(t *testing.T) {
	const secret = "sk-test-0123456789abcdef"
	srv, _ := scripted(t, reply{status: 429, header: map[string]string{"Retry-After": "1"}}, reply{status: 200})
	var logs bytes.Buffer
	c := testClient(&sleeps{})
	c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	resp, err := c.Do(t.Context(), func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/images", strings.NewReader("{}"))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set("x-key", secret)
		r.Header.Set("Api-Key", secret)
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	})
	require.NoError(t, err)
	resp.Body.Close()
	out := logs.String()
	assert.NotContains(t, out, secret)
	assert.NotContains(t, out, secret[3:15], "no fragment of the key either")
	assert.Contains(t, out, "headers.Authorization="+Redacted)
	assert.Contains(t, out, "headers.X-Key="+Redacted)
	assert.Contains(t, out, "headers.Api-Key="+Redacted)
	assert.Contains(t, out, "headers.Content-Type=application/json", "other headers stay readable")
	assert.Contains(t, out, "http retry")
}
