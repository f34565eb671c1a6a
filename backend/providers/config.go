package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// KeyGetter reads a provider's API key; *secrets.Store implements it (the
// keychain, with OPENAI_API_KEY etc. overriding).
type KeyGetter interface {
	Get(ctx context.Context, p secrets.Provider) (string, error)
}

// KeyFunc adapts a function to KeyGetter.
type KeyFunc func(ctx context.Context, p secrets.Provider) (string, error)

// Get calls f.
func (f KeyFunc) Get(ctx context.Context, p secrets.Provider) (string, error) { return f(ctx, p) }

// Config is what every provider constructor takes.
type Config struct {
	// BaseURLs override providers' API roots by provider name, from
	// settings (cloud.openaiBaseURL, …); empty values are ignored. The
	// environment (BaseURLEnv) wins over them.
	BaseURLs map[string]string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// HTTP is the shared HTTP layer (timeouts, retries); nil means a
	// default httpx.Client logging to Logger.
	HTTP *httpx.Client
	// Keys gives API keys; nil means every provider answers ErrNoKey.
	Keys KeyGetter
	// Logger receives the providers' logs; nil discards.
	Logger *slog.Logger
}

// Constructor builds one provider from a Config.
type Constructor struct {
	// Name is the provider's id, as Provider.Name returns it.
	Name string
	New  func(Config) (Provider, error)
}

// BaseURLEnv is the environment variable overriding a provider's base URL:
// DREAMLAYER_OPENAI_BASE_URL, DREAMLAYER_IDEOGRAM_BASE_URL,
// DREAMLAYER_BFL_BASE_URL.
func BaseURLEnv(provider string) string {
	return "DREAMLAYER_" + strings.ToUpper(provider) + "_BASE_URL"
}

// BaseURL resolves a provider's API root: the environment variable, else
// the settings override, else def. The result is validated (absolute
// http(s) URL without query or fragment) and has no trailing slash.
func (c Config) BaseURL(provider, def string) (string, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v, from := strings.TrimSpace(getenv(BaseURLEnv(provider))), BaseURLEnv(provider)
	if v == "" {
		v, from = strings.TrimSpace(c.BaseURLs[provider]), "settings"
	}
	if v == "" {
		v, from = def, "default"
	}
	if err := ValidateBaseURL(v); err != nil {
		return "", fmt.Errorf("%s base URL from %s: %w", provider, from, err)
	}
	return strings.TrimRight(v, "/"), nil
}

// ValidateBaseURL accepts an absolute http or https URL with a host and no
// query, fragment or user info (a key must never ride in a URL).
func ValidateBaseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("invalid URL %q", v)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http(s) URL", v)
	case u.Host == "":
		return fmt.Errorf("%q has no host", v)
	case u.User != nil:
		return errors.New("URL must not carry user info")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q must not have a query or fragment", v)
	}
	return nil
}

// Client returns the shared HTTP layer, or a default one.
func (c Config) Client() *httpx.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &httpx.Client{Logger: c.Log()}
}

// Log returns the logger, or one that discards.
func (c Config) Log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Key reads p's key; a missing one is ErrNoKey, a failing keychain
// ErrUnavailable.
func (c Config) Key(ctx context.Context, p secrets.Provider) (string, error) {
	if c.Keys == nil {
		return "", fmt.Errorf("%s: %w", p, ErrNoKey)
	}
	key, err := c.Keys.Get(ctx, p)
	switch {
	case err == nil && key == "":
		return "", fmt.Errorf("%s: %w", p, ErrNoKey)
	case errors.Is(err, secrets.ErrNotFound):
		return "", fmt.Errorf("%s: %w (add it in Settings or set %s)", p, ErrNoKey, p.EnvVar())
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil:
		return "", fmt.Errorf("%s: read API key: %w: %w", p, ErrUnavailable, err)
	}
	return key, nil
}
