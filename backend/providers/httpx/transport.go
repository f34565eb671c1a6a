package httpx

import (
	"fmt"
	"net/http"
)

// Transport returns a RoundTripper that sends through base (nil means
// http.DefaultTransport) with c's timeouts and retries, for client libraries
// that take an *http.Client (go-openai). A request whose body cannot be
// replayed (no GetBody) is sent once.
func (c *Client) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{c: c, base: base}
}

type transport struct {
	c    *Client
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c := t.c
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		once := *c
		once.MaxRetries = -1
		c = &once
	}
	first := true
	build := func() (*http.Request, error) {
		r := req.Clone(ctx)
		if first || req.GetBody == nil {
			first = false
			return r, nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("replay request body: %w", err)
		}
		r.Body = body
		return r, nil
	}
	return c.do(ctx, build, t.base.RoundTrip)
}
