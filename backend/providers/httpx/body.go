package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Size limits for what a server may send.
const (
	// MaxJSONBytes bounds a JSON answer; base64 images from OpenAI make
	// these large (a 1536×1024 PNG is ~3 MB, 4/3 of that in base64, times n).
	MaxJSONBytes = 32 << 20
	// MaxDownloadBytes bounds one downloaded result image.
	MaxDownloadBytes = 64 << 20
	// MaxErrorBytes bounds the part of an error answer that is kept.
	MaxErrorBytes = 64 << 10
)

// Errors callers branch on.
var (
	// ErrTooLarge: a body was longer than its limit.
	ErrTooLarge = errors.New("response too large")
	// ErrExpired: a result URL answered 403, 404 or 410. Providers whose
	// result URLs are signed and short-lived (Ideogram, BFL) give these when
	// the download came too late.
	ErrExpired = errors.New("result URL expired")
)

// StatusError is a non-2xx answer: the status and the start of the body, for
// the adapter to parse its provider's error schema from.
type StatusError struct {
	StatusCode int
	Status     string
	// Body is at most MaxErrorBytes of the answer.
	Body []byte
}

func (e *StatusError) Error() string {
	msg := strings.TrimSpace(string(e.Body))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg == "" {
		return "HTTP " + e.Status
	}
	return fmt.Sprintf("HTTP %s: %s", e.Status, msg)
}

// ReadError turns a non-2xx response into a *StatusError, reading and
// closing its body.
func ReadError(resp *http.Response) *StatusError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBytes))
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return &StatusError{StatusCode: resp.StatusCode, Status: status, Body: body}
}

// ReadLimited reads all of r, failing with ErrTooLarge beyond limit bytes
// instead of allocating more.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}

// DecodeJSON reads at most limit bytes of resp's body (0 means MaxJSONBytes)
// into v and closes the body. A non-2xx status gives a *StatusError; a body
// that is not valid JSON for v gives an error saying so.
func DecodeJSON(resp *http.Response, v any, limit int64) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return ReadError(resp)
	}
	defer resp.Body.Close()
	if limit <= 0 {
		limit = MaxJSONBytes
	}
	body, err := ReadLimited(resp.Body, limit)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("malformed JSON response: %w", err)
	}
	return nil
}

// DoJSON is Do followed by DecodeJSON with the default limit.
func (c *Client) DoJSON(ctx context.Context, build func() (*http.Request, error), v any) error {
	resp, err := c.Do(ctx, build)
	if err != nil {
		return err
	}
	return DecodeJSON(resp, v, 0)
}

// Download fetches a result URL with GET and no credentials (result URLs are
// signed; sending a key to a CDN would leak it), retrying like Do. It returns
// the body (at most MaxDownloadBytes) and its Content-Type. 403, 404 and 410
// give ErrExpired.
func (c *Client) Download(ctx context.Context, rawURL string) ([]byte, string, error) {
	resp, err := c.Do(ctx, func() (*http.Request, error) {
		return http.NewRequest(http.MethodGet, rawURL, nil)
	})
	if err != nil {
		return nil, "", fmt.Errorf("download result: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		drain(resp.Body)
		return nil, "", fmt.Errorf("download result: %w (HTTP %d); results must be fetched soon after they are made", ErrExpired, resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", fmt.Errorf("download result: %w", ReadError(resp))
	}
	defer resp.Body.Close()
	data, err := ReadLimited(resp.Body, MaxDownloadBytes)
	if err != nil {
		return nil, "", fmt.Errorf("download result: %w", err)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// JSONRequest builds a request with a JSON body (for use inside a build
// function; each call marshals afresh).
func JSONRequest(method, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}
