// Package builtin is the table of DreamLayer's cloud providers. It sits
// above the provider subpackages (which import providers for the shared
// types), so the table is plain code rather than init-time registration:
// a provider missing from it is a compile-visible omission.
//
// To add a provider, add its Constructor to constructors.
package builtin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/bfl"
	"github.com/dreamlayer/dreamlayer/backend/providers/ideogram"
	"github.com/dreamlayer/dreamlayer/backend/providers/openai"
)

// constructors lists the providers in display order (the order of
// secrets.Providers).
func constructors() []providers.Constructor {
	return []providers.Constructor{
		openai.Constructor,
		ideogram.Constructor,
		bfl.Constructor,
	}
}

// Names lists the built-in providers' names in display order.
func Names() []string {
	cs := constructors()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// New builds the provider called name.
func New(cfg providers.Config, name string) (providers.Provider, error) {
	for _, c := range constructors() {
		if c.Name == name {
			p, err := c.New(cfg)
			if err != nil {
				return nil, fmt.Errorf("provider %s: %w", name, err)
			}
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown provider %q (known: %s)", providers.ErrInvalidRequest, name, strings.Join(Names(), ", "))
}

// All builds every built-in provider. A provider that cannot be built (an
// invalid base URL override) is left out and its error joined into err, so
// one bad setting does not take the others away.
func All(cfg providers.Config) ([]providers.Provider, error) {
	var (
		out  []providers.Provider
		errs []error
	)
	for _, c := range constructors() {
		p, err := c.New(cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("provider %s: %w", c.Name, err))
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}
