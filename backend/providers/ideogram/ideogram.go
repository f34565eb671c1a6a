package ideogram

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// Name is the provider id, the same as secrets.Ideogram.
const Name = string(secrets.Ideogram)

// DefaultBaseURL is the API root; DREAMLAYER_IDEOGRAM_BASE_URL or the
// settings override it (providers.Config.BaseURL).
const DefaultBaseURL = "https://api.ideogram.ai"

// API paths, relative to the base URL.
const (
	generatePath = "/v1/ideogram-v3/generate"
	remixPath    = "/v1/ideogram-v3/remix"
)

// maxResponseBytes bounds the JSON answer: it holds URLs and prompts for
// at most eight images, never image data.
const maxResponseBytes = 1 << 20

// Constructor is the provider's entry in providers/builtin.
var Constructor = providers.Constructor{Name: Name, New: func(cfg providers.Config) (providers.Provider, error) {
	return New(cfg)
}}

// Provider talks to the Ideogram V3 API. It is safe for concurrent use.
type Provider struct {
	cfg     providers.Config
	baseURL string
	http    *httpx.Client
	log     *slog.Logger
}

var _ providers.Provider = (*Provider)(nil)

// New builds the provider from cfg; it fails only on an invalid base URL.
func New(cfg providers.Config) (*Provider, error) {
	base, err := cfg.BaseURL(Name, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	return &Provider{cfg: cfg, baseURL: base, http: cfg.Client(), log: cfg.Log().With("provider", Name)}, nil
}

// Name returns "ideogram".
func (p *Provider) Name() string { return Name }

// Models lists ideogram-v3.
func (p *Provider) Models() []providers.Model { return models() }

// Generate validates req, sends it to generate (or remix when it carries an
// input image) and downloads every safe image at once, since the result
// URLs expire.
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
	key, err := p.cfg.Key(ctx, secrets.Ideogram)
	if err != nil {
		return nil, err
	}
	path := generatePath
	if req.IsEdit() {
		path = remixPath
	}
	body, contentType, err := encodeForm(req)
	if err != nil {
		return nil, err
	}
	p.log.Debug("ideogram generate", "model", req.Model, "path", path, "n", req.Images(), "edit", req.IsEdit())
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, p.baseURL+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("Api-Key", key)
		return r, nil
	})
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, apiError(httpx.ReadError(resp), key)
	}
	raw, err := readBody(resp)
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	parsed, err := parseResponse(raw)
	if err != nil {
		return nil, providers.Classify(Name, err, key)
	}
	return p.download(ctx, req, parsed, key)
}

// download fetches every safe image, skipping the ones the service flagged.
func (p *Provider) download(ctx context.Context, req providers.Request, r response, key string) ([]providers.Image, error) {
	images := make([]providers.Image, 0, len(r.Data))
	unsafe := 0
	for i, d := range r.Data {
		if !d.safe() {
			unsafe++
			p.log.Info("ideogram image flagged unsafe, dropped", "index", i)
			continue
		}
		data, ctype, err := p.http.Download(ctx, d.URL)
		if err != nil {
			return nil, providers.Classify(Name, fmt.Errorf("image %d of %d: %w", i+1, len(r.Data), err), key)
		}
		mime := providers.SniffMIME(data)
		if mime == "" {
			return nil, &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable,
				Message: fmt.Sprintf("image %d of %d is not a PNG, JPEG or WebP (Content-Type %q)", i+1, len(r.Data), truncate(ctype, 60))}
		}
		img := providers.Image{Data: data, MIME: mime, Seed: d.Seed}
		if d.Prompt != "" && d.Prompt != req.Prompt {
			img.RevisedPrompt = d.Prompt // magic prompt rewrote it
		}
		images = append(images, img)
	}
	if len(images) == 0 {
		return nil, &providers.ModeratedError{Provider: Name,
			Message: fmt.Sprintf("all %d images were flagged unsafe", unsafe)}
	}
	return images, nil
}

// TestKey checks the key without generating anything. Ideogram has no
// read-only endpoint for keys, so it posts an empty form to the generate
// endpoint: the API checks the Api-Key before the body, so a valid key gets
// a validation error (400/422, nothing generated or billed) and an invalid
// one 401/403.
func (p *Provider) TestKey(ctx context.Context) error {
	key, err := p.cfg.Key(ctx, secrets.Ideogram)
	if err != nil {
		return err
	}
	body, contentType, err := emptyForm()
	if err != nil {
		return err
	}
	resp, err := p.http.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, p.baseURL+generatePath, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Api-Key", key)
		return r, nil
	})
	if err != nil {
		return providers.Classify(Name, err, key)
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299, code == http.StatusBadRequest, code == http.StatusUnprocessableEntity:
		drainClose(resp)
		return nil
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return apiError(httpx.ReadError(resp), key)
	default:
		// Anything else (429/5xx after retries, a proxy's 404) says nothing
		// about the key: the service is what failed.
		se := httpx.ReadError(resp)
		return &providers.APIError{Provider: Name, Kind: providers.ErrUnavailable, Status: code,
			Message: providers.Scrub(errorMessage(se.Body), key)}
	}
}
