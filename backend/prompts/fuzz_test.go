package prompts

import (
	"strings"
	"testing"
)

// FuzzDecodeStyles feeds arbitrary bytes as a styles file: no panic, and
// anything accepted is a list of valid, uniquely named styles.
func FuzzDecodeStyles(f *testing.F) {
	f.Add([]byte(`{"version":1,"styles":[{"name":"A","prompt":"{prompt}, b","negativePrompt":"c"}]}`))
	f.Add([]byte(`{"version":1,"styles":null}`))
	f.Add([]byte(`{"version":1,"styles":[{"name":" "}]}`))
	f.Add([]byte(`{"version":1e3}`))
	f.Add([]byte(`null`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := decodeStyles(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range list {
			if verr := s.Validate(); verr != nil {
				t.Fatalf("accepted invalid style %+v: %v", s, verr)
			}
			k := strings.ToLower(s.Name)
			if seen[k] {
				t.Fatalf("accepted duplicate name %q", s.Name)
			}
			seen[k] = true
		}
	})
}

// FuzzApply checks Apply never panics and never drops the user's prompt.
func FuzzApply(f *testing.F) {
	f.Add("photo of {prompt}, sharp", "a cat")
	f.Add("{prompt}", "")
	f.Add("", " x ")
	f.Add("{prompt", "y")
	f.Fuzz(func(t *testing.T, style, prompt string) {
		got := Apply(Style{Prompt: style, NegativePrompt: style}, prompt, prompt)
		user := strings.TrimSpace(prompt)
		if user != "" && !strings.Contains(got.Positive, user) {
			t.Fatalf("Apply(%q, %q) = %q lost the prompt", style, prompt, got.Positive)
		}
	})
}
