package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Defaults for the zero values of Client's fields.
const (
	DefaultTimeout    = 120 * time.Second
	DefaultMaxRetries = 4
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 30 * time.Second
)

// Client sends requests with per-attempt timeouts and retries. The zero value
// is ready to use; a Client is safe for concurrent use as long as its fields
// are not changed after first use.
type Client struct {
	// HTTP sends each attempt; nil means http.DefaultClient. Its own Timeout
	// should be zero: Client.Timeout bounds each attempt instead.
	HTTP *http.Client
	// Timeout bounds one attempt, from sending to the end of the body read;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried; 0 means
	// DefaultMaxRetries and a negative value disables retries.
	MaxRetries int
	// BaseDelay and MaxDelay shape the backoff; 0 means the defaults.
	// MaxDelay also caps a server's Retry-After.
	BaseDelay, MaxDelay time.Duration
	// Sleep waits between attempts and returns ctx.Err() if ctx ends first;
	// nil means a timer. Tests replace it to record delays without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter draws a delay in [0, max]; nil means uniform random (full
	// jitter). Tests replace it to make backoff deterministic.
	Jitter func(max time.Duration) time.Duration
	// Logger receives one debug line per attempt and one info line per
	// retry; nil discards.
	Logger *slog.Logger
	// Now is the clock used to read Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Do sends the request build returns, retrying as the package doc says.
// build is called once per attempt so every attempt gets a fresh body. The
// request's own context is replaced by one derived from ctx with the attempt
// timeout.
//
// Do returns the response of the last attempt whatever its status, like
// http.Client.Do: callers read error bodies themselves (see ReadError). The
// attempt's timeout keeps running until the response body is closed, which
// the caller must do. An error is returned only when no response arrived: a
// network error after the last retry (wrapped in *NetError), ctx's error when
// the caller gave up, or build's error.
func (c *Client) Do(ctx context.Context, build func() (*http.Request, error)) (*http.Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return c.do(ctx, build, hc.Do)
}

// do is Do with the sender as a parameter, so Transport can reuse the loop
// around a RoundTripper.
func (c *Client) do(ctx context.Context, build func() (*http.Request, error), send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	retries := c.MaxRetries
	if retries == 0 {
		retries = DefaultMaxRetries
	}
	retries = max(retries, 0)
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		resp, err := c.attempt(ctx, attempt, build, send)
		if err != nil && !errors.As(err, new(*NetError)) {
			return nil, err // build failed or the caller cancelled: not retryable
		}
		if err == nil && !RetryableStatus(resp.StatusCode) {
			return resp, nil
		}
		if attempt >= retries {
			if err != nil {
				return nil, err
			}
			return resp, nil
		}
		delay := c.backoff(attempt)
		if err == nil {
			if ra, ok := c.retryAfter(resp.Header.Get("Retry-After")); ok {
				delay = ra
			}
			drain(resp.Body)
		}
		c.logger().Info("http retry", "attempt", attempt+1, "of", retries+1, "delay", delay, "reason", retryReason(resp, err))
		if err := c.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// attempt sends one request under the per-attempt timeout. A network error
// (including this attempt's own timeout) comes back as *NetError; the
// caller's cancellation comes back as ctx.Err().
func (c *Client) attempt(ctx context.Context, n int, build func() (*http.Request, error), send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	req, err := build()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("build request: %w", err)
	}
	req = req.WithContext(actx)
	start := time.Now()
	c.logger().Debug("http request", "method", req.Method, "host", req.URL.Host, "path", req.URL.Path,
		"attempt", n+1, "headers", RedactHeader(req.Header))
	resp, err := send(req)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.logger().Debug("http error", "method", req.Method, "host", req.URL.Host, "path", req.URL.Path,
			"attempt", n+1, "elapsed", time.Since(start), "err", err)
		return nil, &NetError{Method: req.Method, Host: req.URL.Host, Path: req.URL.Path, Err: err}
	}
	c.logger().Debug("http response", "method", req.Method, "host", req.URL.Host, "path", req.URL.Path,
		"attempt", n+1, "status", resp.StatusCode, "elapsed", time.Since(start))
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// RetryableStatus reports whether an HTTP status is worth another attempt:
// 408 and 429 (try later) and 5xx except 501 and 505, which will not change.
func RetryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return false
	}
	return code >= 500 && code <= 599
}

// backoff is the full-jitter delay before retry number attempt+1.
func (c *Client) backoff(attempt int) time.Duration {
	base, ceiling := c.delays()
	d := ceiling
	if attempt < 32 && base<<attempt > 0 && base<<attempt < ceiling {
		d = base << attempt
	}
	if c.Jitter != nil {
		return min(max(c.Jitter(d), 0), d)
	}
	return rand.N(d + 1)
}

func (c *Client) delays() (base, ceiling time.Duration) {
	base, ceiling = c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxDelay
	}
	return base, max(base, ceiling)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3), capped at MaxDelay. A missing, malformed or past value
// is ignored (ok false) so the normal backoff applies.
func (c *Client) retryAfter(v string) (time.Duration, bool) {
	_, ceiling := c.delays()
	d, ok := ParseRetryAfter(v, c.now())
	if !ok {
		return 0, false
	}
	return min(d, ceiling), true
}

// ParseRetryAfter reads a Retry-After value relative to now. Seconds must be
// a non-negative integer; dates use any format http.ParseTime accepts.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" || len(v) > 64 {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp before multiplying so a huge value cannot overflow.
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		return 0, true // the date has passed: retry now
	}
	return d, true
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func retryReason(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// NetError is a failure to get any response: connection refused, reset, DNS,
// TLS, or an attempt that ran past Client.Timeout.
type NetError struct {
	Method, Host, Path string
	Err                error
}

func (e *NetError) Error() string {
	return fmt.Sprintf("%s %s%s: %v", e.Method, e.Host, e.Path, unwrapURLError(e.Err))
}

func (e *NetError) Unwrap() error { return e.Err }

// unwrapURLError drops *url.Error's own "Get \"URL\":" prefix, which would
// repeat the full URL (with any query string) in messages.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// cancelBody releases the attempt's timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// drain reads a little of a body we are about to discard, so the connection
// can be reused, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}
