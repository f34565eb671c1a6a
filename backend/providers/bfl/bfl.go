package bfl

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// Name is the provider id, the same as secrets.BFL.
const Name = string(secrets.BFL)

// DefaultBaseURL is the API root; DREAMLAYER_BFL_BASE_URL or the settings
// override it (providers.Config.BaseURL).
const DefaultBaseURL = "https://api.bfl.ai"

// PollTimeoutEnv overrides Options.PollTimeout for the built-in provider,
// as a Go duration ("10m").
const PollTimeoutEnv = "DREAMLAYER_BFL_POLL_TIMEOUT"

// Polling defaults.
const (
	DefaultPollTimeout     = 5 * time.Minute
	DefaultPollInterval    = 500 * time.Millisecond
	DefaultMaxPollInterval = 2 * time.Second
)

// getResultPath is the polling endpoint on the base URL, used by TestKey
// and when a polling_url points off-site.
const getResultPath = "/v1/get_result"

// maxJSONBytes bounds the API's JSON answers, which carry ids and URLs,
// never image data.
const maxJSONBytes = 1 << 20

// Options tune polling; zero values mean the defaults.
type Options struct {
	// PollTimeout bounds a whole generation, from submit to the image.
	PollTimeout time.Duration
	// PollInterval is the first wait between polls; it grows by half each
	// poll up to MaxPollInterval.
	PollInterval, MaxPollInterval time.Duration
}

// Constructor is the provider's entry in providers/builtin; it reads
// PollTimeoutEnv through cfg.Getenv.
var Constructor = providers.Constructor{Name: Name, New: func(cfg providers.Config) (providers.Provider, error) {
	var o Options
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := strings.TrimSpace(getenv(PollTimeoutEnv)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive duration such as 10m", PollTimeoutEnv, v)
		}
		o.PollTimeout = d
	}
	return New(cfg, o)
}}

// Provider talks to the BFL API. It is safe for concurrent use.
type Provider struct {
	cfg     providers.Config
	baseURL string
	base    *url.URL
	http    *httpx.Client
	log     *slog.Logger
	opts    Options
}

var _ providers.Provider = (*Provider)(nil)

// New builds the provider; it fails only on an invalid base URL.
func New(cfg providers.Config, o Options) (*Provider, error) {
	base, err := cfg.BaseURL(Name, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bfl base URL: %w", err)
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = DefaultPollTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = DefaultMaxPollInterval
	}
	o.MaxPollInterval = max(o.MaxPollInterval, o.PollInterval)
	return &Provider{cfg: cfg, baseURL: base, base: u, http: cfg.Client(),
		log: cfg.Log().With("provider", Name), opts: o}, nil
}

// Name returns "bfl".
func (p *Provider) Name() string { return Name }

// Models lists the FLUX models in display order.
func (p *Provider) Models() []providers.Model { return models() }

// Generate validates req, submits it, polls the task and downloads the
// image. The whole call is bounded by Options.PollTimeout.
func (p *Provider) Generate(ctx context.Context, req providers.Request) ([]providers.Image, error) {
	m, err := providers.FindModel(p, req.Model)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(req); err != nil {
		return nil, err
	}
	if err := validateExtra(req); err != nil {
		return nil, err
	}
	key, err := p.cfg.Key(ctx, secrets.BFL)
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeoutCause(ctx, p.opts.PollTimeout, errPollTimeout)
	defer cancel()
	images, err := p.generate(tctx, req, key)
	if err != nil && ctx.Err() == nil && context.Cause(tctx) == errPollTimeout {
		return nil, &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable,
			Message: fmt.Sprintf("no result within %s; the task may still finish on BFL's side", p.opts.PollTimeout)}
	}
	return images, err
}

func (p *Provider) generate(ctx context.Context, req providers.Request, key string) ([]providers.Image, error) {
	body := buildBody(req)
	p.log.Debug("bfl submit", "model", req.Model, "edit", req.IsEdit())
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := httpx.JSONRequest(http.MethodPost, p.baseURL+"/v1/"+req.Model, body)
		if err != nil {
			return nil, err
		}
		r.Header.Set("x-key", key)
		return r, nil
	})
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	raw, err := readJSON(resp, key)
	if err != nil {
		return nil, err
	}
	sub, err := parseSubmit(raw)
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	res, err := p.poll(ctx, p.pollingURL(sub), key)
	if err != nil {
		return nil, err
	}
	data, ctype, err := p.http.Download(ctx, res.Sample)
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	mime := providers.SniffMIME(data)
	if mime == "" {
		return nil, &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable,
			Message: fmt.Sprintf("result is not a PNG, JPEG or WebP (Content-Type %q)", truncate(ctype, 60))}
	}
	img := providers.Image{Data: data, MIME: mime, Seed: res.Seed}
	if res.Prompt != "" && res.Prompt != req.Prompt {
		img.RevisedPrompt = res.Prompt // prompt_upsampling rewrote it
	}
	if img.Seed == nil {
		img.Seed = req.Seed
	}
	return []providers.Image{img}, nil
}

// TestKey asks for the result of a task that cannot exist: BFL checks the
// x-key first, so a valid key gets "Task not found" (200 or 404, nothing
// generated or billed) and an invalid one 401/403.
func (p *Provider) TestKey(ctx context.Context) error {
	key, err := p.cfg.Key(ctx, secrets.BFL)
	if err != nil {
		return err
	}
	u := p.baseURL + getResultPath + "?id=" + url.QueryEscape(testKeyTaskID)
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("x-key", key)
		r.Header.Set("Accept", "application/json")
		return r, nil
	})
	if err != nil {
		return providers.Classify(Name, err, key)
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299, code == http.StatusNotFound:
		drainClose(resp)
		return nil
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return apiError(httpx.ReadError(resp), key)
	default:
		// A 429/5xx after retries, or a proxy's odd answer, says nothing
		// about the key.
		se := httpx.ReadError(resp)
		return &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable, Status: code,
			Message: providers.Scrub(errorMessage(se.Body), key)}
	}
}

// testKeyTaskID is a well-formed task id no task will ever have.
const testKeyTaskID = "00000000-0000-0000-0000-000000000000"
