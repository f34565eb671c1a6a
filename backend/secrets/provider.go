package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound means no key is stored for the provider.
	ErrNotFound = errors.New("no API key stored")
	// ErrKeychainUnavailable means the OS keychain failed or did not answer
	// in time.
	ErrKeychainUnavailable = errors.New("keychain unavailable")
	// ErrUnknownProvider means a provider name is not one of Providers().
	ErrUnknownProvider = errors.New("unknown provider")
	// ErrInvalidKey means a key was rejected before being stored.
	ErrInvalidKey = errors.New("invalid API key")
)

// Service is the keychain service name the keys are stored under; the
// provider name is the account.
const Service = "DreamLayer"

// Provider names a cloud image service that needs an API key.
type Provider string

// The providers DreamLayer knows.
const (
	OpenAI   Provider = "openai"
	Ideogram Provider = "ideogram"
	BFL      Provider = "bfl"
)

// Providers returns every provider in display order.
func Providers() []Provider { return []Provider{OpenAI, Ideogram, BFL} }

// ParseProvider reads a provider name, ignoring case and surrounding spaces.
// "flux" is accepted for BFL, whose models users know by that name.
func ParseProvider(s string) (Provider, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case string(OpenAI), string(Ideogram), string(BFL):
		return Provider(v), nil
	case "flux":
		return BFL, nil
	}
	names := make([]string, 0, 3)
	for _, p := range Providers() {
		names = append(names, string(p))
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownProvider, s, strings.Join(names, ", "))
}

// valid reports whether p is one of Providers().
func (p Provider) valid() error {
	switch p {
	case OpenAI, Ideogram, BFL:
		return nil
	}
	_, err := ParseProvider(string(p))
	if err == nil {
		// A differently spelled but known name: callers must pass the
		// canonical value so keychain accounts stay stable.
		err = fmt.Errorf("%w %q (use ParseProvider)", ErrUnknownProvider, string(p))
	}
	return err
}

// EnvVar is the environment variable that overrides the stored key.
func (p Provider) EnvVar() string {
	switch p {
	case OpenAI:
		return "OPENAI_API_KEY"
	case Ideogram:
		return "IDEOGRAM_API_KEY"
	case BFL:
		return "BFL_API_KEY"
	}
	return ""
}

// DisplayName is the provider's name as shown to users.
func (p Provider) DisplayName() string {
	switch p {
	case OpenAI:
		return "OpenAI"
	case Ideogram:
		return "Ideogram"
	case BFL:
		return "Black Forest Labs (FLUX)"
	}
	return string(p)
}
