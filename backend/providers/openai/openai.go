package openai

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// DefaultBaseURL is OpenAI's API root.
const DefaultBaseURL = "https://api.openai.com/v1"

// Constructor registers the provider in providers/builtin.
var Constructor = providers.Constructor{Name: providerID, New: New}

// Provider is the OpenAI image provider.
type Provider struct {
	cfg     providers.Config
	baseURL string
	http    *httpx.Client
	// hc is go-openai's client: httpx retries and timeouts in its
	// transport, bodies capped.
	hc  *http.Client
	log *slog.Logger
}

var _ providers.Provider = (*Provider)(nil)

// New builds the provider; the base URL comes from cfg (environment,
// settings, DefaultBaseURL).
func New(cfg providers.Config) (providers.Provider, error) {
	base, err := cfg.BaseURL(providerID, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	hx := cfg.Client()
	var inner http.RoundTripper
	if hx.HTTP != nil {
		inner = hx.HTTP.Transport
	}
	return &Provider{
		cfg: cfg, baseURL: base, http: hx, log: cfg.Log(),
		hc: &http.Client{Transport: limitTransport{hx.Transport(inner)}},
	}, nil
}

// Name returns "openai".
func (p *Provider) Name() string { return providerID }

// Models lists gpt-image-1, dall-e-3 and dall-e-2.
func (p *Provider) Models() []providers.Model { return models() }

func (p *Provider) client(key string) *goopenai.Client {
	c := goopenai.DefaultConfig(key)
	c.BaseURL = p.baseURL
	c.HTTPClient = p.hc
	return goopenai.NewClientWithConfig(c)
}

// TestKey lists models (GET /models), the cheapest authenticated call.
func (p *Provider) TestKey(ctx context.Context) error {
	key, err := p.cfg.Key(ctx, secrets.OpenAI)
	if err != nil {
		return err
	}
	if _, err := p.client(key).ListModels(ctx); err != nil {
		return p.mapErr(ctx, err, key)
	}
	return nil
}

// Generate makes images from a prompt, or edits the request's input images.
func (p *Provider) Generate(ctx context.Context, req providers.Request) ([]providers.Image, error) {
	m, err := providers.FindModel(p, req.Model)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(req); err != nil {
		return nil, err
	}
	if err := checkCombination(req); err != nil {
		return nil, err
	}
	key, err := p.cfg.Key(ctx, secrets.OpenAI)
	if err != nil {
		return nil, err
	}
	p.log.Info("openai generate", "model", req.Model, "edit", req.IsEdit(), "n", req.Images())
	var resp goopenai.ImageResponse
	switch {
	case !req.IsEdit():
		resp, err = p.client(key).CreateImage(ctx, imageRequest(req))
	case req.Model == DallE2:
		resp, err = p.client(key).CreateEditImage(ctx, dallE2Edit(req))
	default:
		resp, err = p.gptImageEdit(ctx, key, req)
	}
	if err != nil {
		return nil, p.mapErr(ctx, err, key)
	}
	return p.images(ctx, req, resp)
}

// imageRequest maps a generation. b64_json is asked of dall-e models only;
// ResponseFormat stays empty for gpt-image-1 and go-openai then omits it.
func imageRequest(req providers.Request) goopenai.ImageRequest {
	o := req.Options
	r := goopenai.ImageRequest{
		Prompt: req.Prompt, Model: req.Model, N: req.Images(), Size: req.Size,
		Quality: o["quality"], Style: o["style"],
	}
	if req.Model == GPTImage1 {
		r.Background = o["background"]
		r.OutputFormat = o["output_format"]
		r.Moderation = o["moderation"]
		r.OutputCompression, _ = strconv.Atoi(o["output_compression"]) // validated as an int
	} else {
		r.ResponseFormat = goopenai.CreateImageResponseFormatB64JSON
	}
	return r
}

// dallE2Edit maps a dall-e-2 edit. go-openai writes n and size even when
// zero, so both are filled in.
func dallE2Edit(req providers.Request) goopenai.ImageEditRequest {
	r := goopenai.ImageEditRequest{
		Image:  goopenai.WrapReader(bytes.NewReader(req.InitImages[0]), "image.png", "image/png"),
		Prompt: req.Prompt, Model: req.Model, N: req.Images(), Size: req.Size,
		ResponseFormat: goopenai.CreateImageResponseFormatB64JSON,
	}
	if r.Size == "" {
		r.Size = goopenai.CreateImageSize1024x1024
	}
	if len(req.Mask) > 0 {
		r.Mask = goopenai.WrapReader(bytes.NewReader(req.Mask), "mask.png", "image/png")
	}
	return r
}

// images decodes the answer's base64 images, or downloads them when a
// compatible endpoint answered with URLs.
func (p *Provider) images(ctx context.Context, req providers.Request, resp goopenai.ImageResponse) ([]providers.Image, error) {
	if len(resp.Data) == 0 {
		return nil, &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable, Message: "answer has no images"}
	}
	out := make([]providers.Image, 0, len(resp.Data))
	for i, d := range resp.Data {
		var data []byte
		switch {
		case d.B64JSON != "":
			b, err := base64.StdEncoding.DecodeString(d.B64JSON)
			if err != nil {
				return nil, &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable,
					Message: fmt.Sprintf("image %d: malformed base64: %v", i+1, err)}
			}
			data = b
		case d.URL != "":
			b, _, err := p.http.Download(ctx, d.URL)
			if err != nil {
				return nil, providers.Classify(providerID, err, "")
			}
			data = b
		default:
			return nil, &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable,
				Message: fmt.Sprintf("image %d has neither b64_json nor url", i+1)}
		}
		mime := providers.SniffMIME(data)
		if mime == "" {
			return nil, &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable,
				Message: fmt.Sprintf("image %d is not a PNG, JPEG or WebP image", i+1)}
		}
		out = append(out, providers.Image{Data: data, MIME: mime, RevisedPrompt: d.RevisedPrompt})
	}
	return out, nil
}

// moderationCodes are the error codes OpenAI answers a refused prompt or
// image with: dall-e models say content_policy_violation, gpt-image-1 says
// moderation_blocked.
var moderationCodes = map[string]bool{"content_policy_violation": true, "moderation_blocked": true}

// mapErr gives go-openai's and the HTTP layer's errors their class.
func (p *Provider) mapErr(ctx context.Context, err error, key string) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return ctx.Err()
	}
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) {
		code := codeString(apiErr.Code)
		if apiErr.InnerError != nil && code == "" {
			code = apiErr.InnerError.Code
		}
		return fromAPIError(apiErr.HTTPStatusCode, code, apiErr.Message, key)
	}
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) {
		return providers.NewAPIError(providerID, reqErr.HTTPStatusCode, "", string(truncate(reqErr.Body)), key)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &providers.APIError{Provider: providerID, Kind: providers.ErrUnavailable,
			Message: "malformed JSON answer: " + providers.Scrub(err.Error(), key)}
	}
	return providers.Classify(providerID, err, key)
}

func fromAPIError(status int, code, message, key string) error {
	if moderationCodes[code] {
		return &providers.ModeratedError{Provider: providerID, Message: providers.Scrub(message, key)}
	}
	return providers.NewAPIError(providerID, status, code, message, key)
}

func codeString(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func truncate(b []byte) []byte {
	if len(b) > 1000 {
		return b[:1000]
	}
	return b
}

// limitTransport caps response bodies, which go-openai reads without limit.
type limitTransport struct{ base http.RoundTripper }

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{r: io.LimitReader(resp.Body, httpx.MaxJSONBytes+1), c: resp.Body}
	return resp, nil
}

type limitedBody struct {
	r io.Reader
	c io.Closer
	n int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > httpx.MaxJSONBytes {
		return 0, fmt.Errorf("openai answer: %w (over %d bytes)", httpx.ErrTooLarge, httpx.MaxJSONBytes)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.c.Close() }
