package bfl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
)

// errPollTimeout is the cause of the overall deadline, telling it apart
// from the caller's own deadline.
var errPollTimeout = errors.New("bfl: overall timeout")

// pollingURL picks where to poll. The x-key goes with every poll, so the
// polling_url from the answer is only used when it stays on the API's own
// site (the base host, or a sibling such as api.us1.bfl.ai for
// api.bfl.ai); otherwise the task is polled through the base URL.
func (p *Provider) pollingURL(s submitResponse) string {
	fallback := p.baseURL + getResultPath + "?id=" + url.QueryEscape(s.ID)
	if s.PollingURL == "" {
		return fallback
	}
	u, err := parseHTTPURL(s.PollingURL)
	if err != nil || !sameSite(p.base, u) {
		p.log.Warn("bfl polling_url is off the API's site; polling the base URL instead", "host", hostOf(u))
		return fallback
	}
	return s.PollingURL
}

// sameSite reports whether u may receive the key meant for base: the same
// host and port, or an https host under base's parent domain.
func sameSite(base, u *url.URL) bool {
	if u.Host == base.Host && u.Scheme == base.Scheme {
		return true
	}
	if u.Scheme != "https" || base.Scheme != "https" || u.Port() != "" {
		return false
	}
	host := strings.ToLower(base.Hostname())
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	parent := host
	if len(labels) > 2 {
		parent = strings.Join(labels[1:], ".")
	}
	h := strings.ToLower(u.Hostname())
	return h == parent || strings.HasSuffix(h, "."+parent)
}

func hostOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Host
}

// poll asks for the task's status until it is Ready, with waits growing
// from PollInterval to MaxPollInterval. Pending and statuses this client
// does not know keep it polling (ctx's deadline ends that); moderation and
// errors end it.
func (p *Provider) poll(ctx context.Context, pollURL, key string) (pollResult, error) {
	wait := p.opts.PollInterval
	for n := 1; ; n++ {
		if err := sleep(ctx, wait); err != nil {
			return pollResult{}, err
		}
		wait = min(wait+wait/2, p.opts.MaxPollInterval)
		r, err := p.pollOnce(ctx, pollURL, key)
		if err != nil {
			return pollResult{}, err
		}
		switch r.Status {
		case statusReady:
			p.log.Debug("bfl task ready", "polls", n)
			return *r.Result, nil
		case statusPending:
			continue
		case statusRequestModerated, statusContentModerated:
			return pollResult{}, &providers.ModeratedError{Provider: Name, Message: joinDetail(r.Status, r.detail())}
		case statusError, statusTaskNotFound:
			return pollResult{}, &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable,
				Message: providers.Scrub(joinDetail("task failed: "+r.Status, r.detail()), key)}
		default:
			p.log.Debug("bfl task in unknown status, still polling", "status", truncate(r.Status, 40))
		}
	}
}

func (p *Provider) pollOnce(ctx context.Context, pollURL, key string) (pollResponse, error) {
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodGet, pollURL, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("x-key", key)
		r.Header.Set("Accept", "application/json")
		return r, nil
	})
	if err != nil {
		return pollResponse{}, providers.Classify(Name, err, key)
	}
	raw, err := readJSON(resp, key)
	if err != nil {
		return pollResponse{}, err
	}
	r, err := parsePoll(raw)
	if err != nil {
		return pollResponse{}, providers.Classify(Name, err, key)
	}
	return r, nil
}

func joinDetail(status, detail string) string {
	if detail == "" {
		return status
	}
	return status + ": " + detail
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readJSON reads a 2xx body within maxJSONBytes, or classifies an error
// answer.
func readJSON(resp *http.Response, key string) ([]byte, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, apiError(httpx.ReadError(resp), key)
	}
	defer resp.Body.Close()
	b, err := httpx.ReadLimited(resp.Body, maxJSONBytes)
	if err != nil {
		return nil, providers.Classify(Name, fmt.Errorf("read bfl response: %w", err), key)
	}
	return b, nil
}

// drainClose discards a body we do not need, so the connection is reused.
func drainClose(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// apiError classifies an error answer; a refusal that names moderation is
// shown as such.
func apiError(se *httpx.StatusError, key string) error {
	msg := providers.Scrub(errorMessage(se.Body), key)
	if se.StatusCode >= 400 && se.StatusCode < 500 && strings.Contains(strings.ToLower(msg), "moderat") {
		return &providers.ModeratedError{Provider: Name, Message: msg}
	}
	return providers.NewAPIError(Name, se.StatusCode, "", msg, key)
}

// errorMessage reads BFL's error schemas: {"detail": "…"} or FastAPI's
// {"detail": [{"loc": [...], "msg": "…"}]}; anything else is shown
// shortened as it came.
func errorMessage(body []byte) string {
	var v struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil && len(v.Detail) > 0 {
		var s string
		if json.Unmarshal(v.Detail, &s) == nil {
			return truncate(s, 300)
		}
		var list []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		}
		if json.Unmarshal(v.Detail, &list) == nil && len(list) > 0 {
			parts := make([]string, 0, len(list))
			for _, e := range list {
				loc := make([]string, 0, len(e.Loc))
				for _, l := range e.Loc {
					loc = append(loc, fmt.Sprint(l))
				}
				parts = append(parts, strings.Join(loc, ".")+": "+e.Msg)
			}
			return truncate(strings.Join(parts, "; "), 300)
		}
	}
	return truncate(strings.TrimSpace(string(body)), 300)
}
