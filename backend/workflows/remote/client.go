package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// Options configure a Client (and every client of a Pool).
type Options struct {
	// HTTP makes the requests and the websocket handshake; nil means a
	// client without an overall timeout (a job's websocket lives as long
	// as the job). Short requests are bounded by RequestTimeout.
	HTTP *http.Client
	Log  *slog.Logger
	// MaxImageBytes bounds one image; 0 means DefaultMaxImageBytes.
	MaxImageBytes int64
	// RequestTimeout bounds each short request (health, submit, history,
	// cancel, one image); 0 means 60 s.
	RequestTimeout time.Duration
	// PingInterval is how often a waiting job pings the websocket, so a
	// server that vanished without closing the connection is noticed;
	// 0 means 15 s.
	PingInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxImageBytes <= 0 {
		o.MaxImageBytes = DefaultMaxImageBytes
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = time.Minute
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 15 * time.Second
	}
	return o
}

// Client talks to one ComfyUI server. It is safe for concurrent use; each
// job has its own websocket.
type Client struct {
	base *url.URL
	opts Options
}

// NewClient returns a client of the server at baseURL (http or https, as
// in Settings: "http://gpu-box:8188").
func NewClient(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("comfyui server %q: want an http:// or https:// URL with a host", clip(baseURL, 64))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return &Client{base: u, opts: opts.withDefaults()}, nil
}

// URL returns the server's base URL.
func (c *Client) URL() string { return c.base.String() }

func (c *Client) endpoint(path string, query url.Values) string {
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends one short request and returns the status and the body, read
// up to limit bytes. A transport failure, a 5xx or an oversized body wraps
// ErrUnavailable.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, limit int64) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(path, query), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil && context.Cause(ctx) != context.DeadlineExceeded {
			return 0, nil, fmt.Errorf("%s %s %s: %w", c.URL(), method, path, ctx.Err())
		}
		return 0, nil, fmt.Errorf("%s %s %s: %w: %w", c.URL(), method, path, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		return 0, nil, fmt.Errorf("%s %s %s: %w: read: %w", c.URL(), method, path, ErrUnavailable, err)
	case int64(len(data)) > limit:
		return 0, nil, fmt.Errorf("%s %s %s: %w: %w", c.URL(), method, path, ErrUnavailable,
			protocolf("reply longer than %d bytes", limit))
	case resp.StatusCode >= 500:
		return 0, nil, fmt.Errorf("%s %s %s: %w: status %d", c.URL(), method, path, ErrUnavailable, resp.StatusCode)
	}
	return resp.StatusCode, data, nil
}

// Health checks that the server answers GET /system_stats with a JSON
// object.
func (c *Client) Health(ctx context.Context) error {
	code, body, err := c.do(ctx, http.MethodGet, "/system_stats", nil, nil, 1<<20)
	if err != nil {
		return err
	}
	var stats struct {
		System map[string]json.RawMessage `json:"system"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &stats) != nil || stats.System == nil {
		return fmt.Errorf("%s: %w: /system_stats answered status %d without system stats", c.URL(), ErrUnavailable, code)
	}
	return nil
}

// Job is a prompt queued on one server with the websocket that reports
// on it. Close it when done (Run does).
type Job struct {
	c        *Client
	id       string
	graph    *workflows.Graph
	conn     *websocket.Conn
	canceled atomic.Bool
}

// ID returns the server's prompt id.
func (j *Job) ID() string { return j.id }

// Server returns the server's base URL.
func (j *Job) Server() string { return j.c.URL() }

// Close closes the job's websocket; it does not cancel the prompt.
func (j *Job) Close() error {
	return j.conn.Close(websocket.StatusNormalClosure, "")
}

// Submit opens a websocket and queues g. A graph the server refuses is a
// *RejectedError.
func (c *Client) Submit(ctx context.Context, g *workflows.Graph) (*Job, error) {
	var idb [16]byte
	_, _ = rand.Read(idb[:]) // crypto/rand.Read never fails (Go 1.24)
	clientID := "dreamlayer-" + hex.EncodeToString(idb[:])
	conn, err := c.dial(ctx, clientID)
	if err != nil {
		return nil, err
	}
	code, body, err := c.do(ctx, http.MethodPost, "/prompt", nil,
		map[string]any{"prompt": g, "client_id": clientID}, maxJSONBytes)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	switch {
	case code == http.StatusBadRequest:
		conn.CloseNow()
		return nil, parseRejection(c.URL(), body)
	case code != http.StatusOK:
		conn.CloseNow()
		return nil, fmt.Errorf("%s: %w: POST /prompt answered status %d", c.URL(), ErrUnavailable, code)
	}
	id, err := parseSubmit(body)
	if err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("%s: %w: %w", c.URL(), ErrUnavailable, err)
	}
	c.opts.Log.Debug("comfyui prompt queued", "server", c.URL(), "prompt", id)
	return &Job{c: c, id: id, graph: g, conn: conn}, nil
}

func (c *Client) dial(ctx context.Context, clientID string) (*websocket.Conn, error) {
	u := *c.base
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Path += "/ws"
	u.RawQuery = url.Values{"clientId": {clientID}}.Encode()
	dctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPClient: c.opts.HTTP})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s websocket: %w", c.URL(), ctx.Err())
		}
		return nil, fmt.Errorf("%s websocket: %w: %w", c.URL(), ErrUnavailable, err)
	}
	conn.SetReadLimit(maxFrameBytes)
	return conn, nil
}

// Cancel removes the prompt from the server's queue and, when it is
// already running, interrupts it. The interrupt names the prompt, so a
// server that supports that never stops someone else's; the queue check
// before it keeps older servers from doing so too.
func (j *Job) Cancel(ctx context.Context) error {
	j.canceled.Store(true)
	c := j.c
	if _, _, err := c.do(ctx, http.MethodPost, "/queue", nil, map[string]any{"delete": []string{j.id}}, 1<<20); err != nil {
		return fmt.Errorf("cancel %s: %w", j.id, err)
	}
	_, body, err := c.do(ctx, http.MethodGet, "/queue", nil, nil, maxJSONBytes)
	if err != nil {
		return fmt.Errorf("cancel %s: %w", j.id, err)
	}
	if running, err := parseQueue(body, j.id); err != nil || !running {
		return err
	}
	if _, _, err := c.do(ctx, http.MethodPost, "/interrupt", nil, map[string]any{"prompt_id": j.id}, 1<<20); err != nil {
		return fmt.Errorf("cancel %s: %w", j.id, err)
	}
	c.opts.Log.Info("comfyui prompt interrupted", "server", c.URL(), "prompt", j.id)
	return nil
}

// Run submits g, waits for it and fetches its images.
func (c *Client) Run(ctx context.Context, g *workflows.Graph, progress func(Progress)) (Result, error) {
	j, err := c.Submit(ctx, g)
	if err != nil {
		return Result{}, err
	}
	defer j.Close()
	return j.Wait(ctx, progress)
}

// errNotReady: the history has no entry for the prompt yet.
var errNotReady = errors.New("history not written yet")
