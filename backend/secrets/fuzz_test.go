package secrets

import (
	"errors"
	"strings"
	"testing"
)

// FuzzSet feeds arbitrary pasted text as a key and provider name: no panic,
// a stored key reads back exactly (trimmed), and a rejected key never shows
// up in the error (checked for keys of real length; a short one such as
// "key" could match the message's own words).
func FuzzSet(f *testing.F) {
	f.Add("openai", "sk-abc123456789")
	f.Add("FLUX", " bfl-key\n")
	f.Add("ideogram", "a b")
	f.Add("x", "")
	f.Add("bfl", "\u2028key\u00a0")
	f.Fuzz(func(t *testing.T, provider, key string) {
		s := NewStore(newMem(), Options{Getenv: envOf(nil)})
		p, err := ParseProvider(provider)
		if err != nil {
			if !errors.Is(err, ErrUnknownProvider) {
				t.Fatalf("ParseProvider error %v is not ErrUnknownProvider", err)
			}
			return
		}
		st, err := s.Set(t.Context(), p, key)
		trimmed := strings.TrimSpace(key)
		if err != nil {
			if len(trimmed) >= 16 && strings.Contains(err.Error(), trimmed) {
				t.Fatalf("error %q contains the key", err)
			}
			return
		}
		if !st.Set || st.Source != SourceKeychain {
			t.Fatalf("status after Set = %+v", st)
		}
		got, err := s.Get(t.Context(), p)
		if err != nil || got != trimmed {
			t.Fatalf("Get = %q, %v; want %q", got, err, trimmed)
		}
	})
}
