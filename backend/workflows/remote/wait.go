package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/coder/websocket"
)

// Progress is one report of a remote run, shaped like workflows.Progress.
type Progress struct {
	// Server is the base URL of the server running the job.
	Server string
	// Node and Class are the node running (Class from the graph);
	// Cached marks a node the server took from its cache.
	Node   string
	Class  string
	Cached bool
	// Index counts the nodes started or cached so far (1-based) of Nodes,
	// the graph's node count (an upper bound: the server runs only what
	// the outputs need).
	Index, Nodes int
	// Step and Steps are a sampler's progress, 0 outside sampling.
	Step, Steps int
}

// Image is one image the server produced.
type Image struct {
	// Node is the output node (SaveImage, PreviewImage).
	Node string
	// Ref is the file on the server; Ref.Filename is a plain file name.
	Ref ImageRef
	// Server is the base URL of the server that made it.
	Server string
	// PNG is the file exactly as the server sent it (its PNG chunks carry
	// the graph as ComfyUI writes it).
	PNG []byte
}

// Result is what a remote run produced.
type Result struct {
	Server, PromptID string
	Images           []Image
}

// Wait follows the job until it finishes and returns its images. progress
// (may be nil) is called from this goroutine. When ctx is cancelled the
// prompt is removed from the queue or interrupted before Wait returns
// ctx's error. A dropped connection wraps ErrUnavailable.
func (j *Job) Wait(ctx context.Context, progress func(Progress)) (Result, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	c := j.c
	stopPing := j.keepAlive(ctx)
	defer stopPing()
	index := 0
	report := func(node string, cached bool, step, steps int) {
		p := Progress{Server: c.URL(), Node: node, Cached: cached, Index: index, Nodes: len(j.graph.Nodes),
			Step: step, Steps: steps}
		if n, ok := j.graph.Nodes[node]; ok {
			p.Class = n.Class
		}
		progress(p)
	}
	for {
		typ, data, err := j.conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, j.cancelAfter(ctx)
			}
			// The socket dropped: the prompt may still have finished.
			if res, herr := j.results(ctx, 1); herr == nil {
				return res, nil
			}
			j.abandon(ctx)
			return Result{}, fmt.Errorf("%s: prompt %s: %w: websocket: %w", c.URL(), j.id, ErrUnavailable, err)
		}
		if typ != websocket.MessageText {
			continue // a binary preview frame
		}
		m, err := ParseMessage(data)
		if err != nil {
			j.abandon(ctx)
			return Result{}, fmt.Errorf("%s: prompt %s: %w: %w", c.URL(), j.id, ErrUnavailable, err)
		}
		if m.PromptID != j.id {
			continue // status broadcasts, or another prompt of this client
		}
		switch m.Type {
		case MsgExecuting:
			if m.Done {
				return j.results(ctx, 50)
			}
			index++
			report(m.Node, false, 0, 0)
		case MsgExecutionCached:
			for _, n := range m.Cached {
				index++
				report(n, true, 0, 0)
			}
		case MsgProgress:
			report(m.Node, false, m.Value, m.Max)
		case MsgExecutionSuccess:
			// ComfyUI sends this before it writes the history; the
			// "executing" with node null that follows is the end.
		case MsgExecutionError:
			return Result{}, &ExecutionError{Server: c.URL(), PromptID: j.id, Node: m.Node, Class: m.NodeType,
				Type: m.ErrorType, Message: m.ErrorMessage}
		case MsgExecutionInterrupted:
			if err := ctx.Err(); err != nil || j.canceled.Load() {
				return Result{}, fmt.Errorf("%s: prompt %s: %w", c.URL(), j.id, context.Canceled)
			}
			return Result{}, fmt.Errorf("%s: prompt %s at node %s: %w", c.URL(), j.id, m.Node, ErrInterrupted)
		}
	}
}

// keepAlive pings the websocket so a silent, vanished server breaks the
// read; the returned func stops it.
func (j *Job) keepAlive(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(j.c.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, pcancel := context.WithTimeout(ctx, j.c.opts.PingInterval)
				err := j.conn.Ping(pctx)
				pcancel()
				if err != nil && ctx.Err() == nil {
					j.conn.CloseNow()
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// cancelAfter cancels the prompt on the server after ctx ended, with a
// context of its own, and returns ctx's error.
func (j *Job) cancelAfter(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.c.opts.RequestTimeout)
	defer cancel()
	if err := j.Cancel(cctx); err != nil {
		j.c.opts.Log.Warn("comfyui cancel failed", "server", j.c.URL(), "prompt", j.id, "err", err)
	}
	return fmt.Errorf("%s: prompt %s: %w", j.c.URL(), j.id, ctx.Err())
}

// abandon cancels a prompt whose server is about to be given up on, in
// case it is alive after all and would render for nobody.
func (j *Job) abandon(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := j.Cancel(cctx); err != nil {
		j.c.opts.Log.Debug("comfyui cancel of an abandoned prompt failed", "server", j.c.URL(), "prompt", j.id, "err", err)
	}
}

// results reads the history (tries times, 100 ms apart, as it is written
// just after the last message) and fetches the images.
func (j *Job) results(ctx context.Context, tries int) (Result, error) {
	c := j.c
	var (
		h   history
		err error
	)
	for i := range tries {
		if h, err = c.history(ctx, j.id); !errors.Is(err, errNotReady) {
			break
		}
		if i+1 < tries {
			select {
			case <-ctx.Done():
				return Result{}, j.cancelAfter(ctx)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	if err != nil {
		return Result{}, err
	}
	if h.Failed {
		return Result{}, &ExecutionError{Server: c.URL(), PromptID: j.id, Type: "error",
			Message: "the server's history records the prompt as failed"}
	}
	res := Result{Server: c.URL(), PromptID: j.id}
	for _, img := range h.Images {
		png, err := c.Fetch(ctx, img.Ref)
		if err != nil {
			return Result{}, fmt.Errorf("prompt %s node %s: %w", j.id, img.Node, err)
		}
		res.Images = append(res.Images, Image{Node: img.Node, Ref: img.Ref, Server: c.URL(), PNG: png})
	}
	return res, nil
}

func (c *Client) history(ctx context.Context, id string) (history, error) {
	code, body, err := c.do(ctx, http.MethodGet, "/history/"+url.PathEscape(id), nil, nil, maxJSONBytes)
	if err != nil {
		return history{}, err
	}
	if code != http.StatusOK {
		return history{}, fmt.Errorf("%s: %w: GET /history answered status %d", c.URL(), ErrUnavailable, code)
	}
	h, ok, err := parseHistory(body, id)
	switch {
	case err != nil:
		return h, fmt.Errorf("%s: %w: %w", c.URL(), ErrUnavailable, err)
	case !ok || !h.Completed:
		return h, fmt.Errorf("%s: prompt %s: %w", c.URL(), id, errNotReady)
	}
	return h, nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Fetch downloads one image with GET /view and checks that it is a PNG of
// at most Options.MaxImageBytes.
func (c *Client) Fetch(ctx context.Context, ref ImageRef) ([]byte, error) {
	if err := ref.validate(); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	q := url.Values{"filename": {ref.Filename}, "subfolder": {ref.Subfolder}, "type": {ref.Type}}
	code, body, err := c.do(ctx, http.MethodGet, "/view", q, nil, c.opts.MaxImageBytes)
	switch {
	case err != nil:
		return nil, fmt.Errorf("fetch %s: %w", ref.Filename, err)
	case code != http.StatusOK:
		return nil, fmt.Errorf("%s: fetch %s: GET /view answered status %d", c.URL(), ref.Filename, code)
	case !bytes.HasPrefix(body, pngSignature):
		return nil, fmt.Errorf("%s: fetch %s: %w", c.URL(), ref.Filename, protocolf("the image is not a PNG"))
	}
	return body, nil
}
