package generation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// keyTestTimeout bounds a "Test key" call, retries included.
const keyTestTimeout = 30 * time.Second

// CloudModel is a cloud model as the model picker shows it: locked until
// its provider has a key.
type CloudModel struct {
	Provider     string                 `json:"provider"`
	ID           string                 `json:"id"`
	Name         string                 `json:"name"`
	Capabilities providers.Capabilities `json:"capabilities"`
	Locked       bool                   `json:"locked"`
}

// KeyTest is the answer to "Test key".
type KeyTest struct {
	Provider string `json:"provider"`
	Status   string `json:"status"` // valid, invalid or unreachable
	Message  string `json:"message"`
}

// Cloud is what the service needs to know of the cloud providers.
type Cloud struct {
	Providers []providers.Provider
	// HasKey reports whether a provider's key is set (keychain, session or
	// environment).
	HasKey func(ctx context.Context, provider string) bool
}

// CloudModels lists every cloud model, locked where its provider has no key.
func (s *Service) CloudModels(ctx context.Context) []CloudModel {
	var out []CloudModel
	for _, p := range s.Cloud.Providers {
		locked := s.Cloud.HasKey == nil || !s.Cloud.HasKey(ctx, p.Name())
		for _, m := range p.Models() {
			out = append(out, CloudModel{Provider: m.Provider, ID: m.ID, Name: m.Name, Capabilities: m.Capabilities, Locked: locked})
		}
	}
	return out
}

// TestKey calls a cheap authenticated endpoint of the provider and says
// whether its key works. The key itself never appears in the answer.
func (s *Service) TestKey(ctx context.Context, provider string) (KeyTest, error) {
	p, ok := s.cloudProvider(provider)
	if !ok {
		return KeyTest{}, fmt.Errorf("%w: provider: unknown provider %q", ErrInvalidRequest, provider)
	}
	ctx, cancel := context.WithTimeout(ctx, keyTestTimeout)
	defer cancel()
	err := p.TestKey(ctx)
	t := KeyTest{Provider: provider, Status: "valid", Message: "The key works."}
	switch {
	case err == nil:
	case errors.Is(err, providers.ErrNoKey):
		t.Status, t.Message = "invalid", "No key is set."
	case errors.Is(err, providers.ErrInvalidKey):
		t.Status, t.Message = "invalid", "The provider rejected the key."
	default:
		t.Status, t.Message = "unreachable", err.Error()
	}
	return t, nil
}

func (s *Service) cloudProvider(name string) (providers.Provider, bool) {
	i := slices.IndexFunc(s.Cloud.Providers, func(p providers.Provider) bool { return p.Name() == name })
	if i < 0 {
		return nil, false
	}
	return s.Cloud.Providers[i], true
}

// submitCloud queues a cloud job; the provider validates it when it runs,
// and here against the model's capabilities so the form hears at once.
func (s *Service) submitCloud(ctx context.Context, r Request) (jobs.Job, error) {
	p, ok := s.cloudProvider(r.Provider)
	if !ok {
		return jobs.Job{}, fmt.Errorf("%w: provider: unknown provider %q", ErrInvalidRequest, r.Provider)
	}
	m, err := providers.FindModel(p, r.Model)
	if err != nil {
		return jobs.Job{}, invalid(err)
	}
	params := map[string]any{providers.ParamN: max(r.BatchSize, 1)}
	if r.Size != "" {
		params[providers.ParamSize] = r.Size
	}
	if r.AspectRatio != "" {
		params[providers.ParamAspectRatio] = r.AspectRatio
	}
	if r.Seed >= 0 && m.Seed {
		// The form keeps a seed for local models; models without one ignore it.
		params[providers.ParamSeed] = r.Seed
	}
	if len(r.Options) > 0 {
		opts := map[string]any{}
		for k, v := range r.Options {
			opts[k] = v
		}
		params[providers.ParamOptions] = opts
	}
	if r.InitImage != "" {
		params[providers.ParamInitImage] = r.InitImage
	}
	if r.Mask != "" {
		params[providers.ParamMask] = r.Mask
	}
	job := jobs.Request{Provider: p.Name(), Model: r.Model, Mode: cmpOr(r.Mode, "txt2img"), Prompt: r.Prompt, NegativePrompt: r.NegativePrompt, Params: params}
	req, err := providers.RequestFromJob(job)
	if err != nil {
		return jobs.Job{}, invalid(err)
	}
	if err := m.Validate(req); err != nil {
		return jobs.Job{}, invalid(err)
	}
	return s.queue.Submit(ctx, job)
}

// invalid rewraps a provider's validation error as this package's, without
// saying "invalid request" twice.
func invalid(err error) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, strings.TrimPrefix(err.Error(), providers.ErrInvalidRequest.Error()+": "))
}
