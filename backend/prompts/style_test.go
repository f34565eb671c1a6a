package prompts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name             string
		style            Style
		prompt, negative string
		want             Prompt
	}{
		{
			name:   "placeholder",
			style:  Style{Prompt: "photo of {prompt}, sharp", NegativePrompt: "blurry"},
			prompt: "a cat", negative: "dog",
			want: Prompt{Positive: "photo of a cat, sharp", Negative: "dog, blurry"},
		},
		{
			name:   "no placeholder appends style after prompt",
			style:  Style{Prompt: "oil painting", NegativePrompt: "photo"},
			prompt: " a cat ", negative: "",
			want: Prompt{Positive: "a cat, oil painting", Negative: "photo"},
		},
		{
			name:   "negative placeholder",
			style:  Style{NegativePrompt: "{prompt}, lowres"},
			prompt: "a cat", negative: "text",
			want: Prompt{Positive: "a cat", Negative: "text, lowres"},
		},
		{
			name:   "empty user prompt with placeholder leaves no stray commas",
			style:  Style{Prompt: "{prompt}, film grain", NegativePrompt: "cartoon, {prompt}"},
			prompt: "", negative: "",
			want: Prompt{Positive: "film grain", Negative: "cartoon"},
		},
		{
			name:   "repeated placeholder",
			style:  Style{Prompt: "{prompt} and {prompt}"},
			prompt: "x",
			want:   Prompt{Positive: "x and x"},
		},
		{
			name:   "empty style",
			style:  Style{},
			prompt: "a cat", negative: "dog",
			want: Prompt{Positive: "a cat", Negative: "dog"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Apply(tt.style, tt.prompt, tt.negative))
		})
	}
}

func TestDefaultStyles(t *testing.T) {
	list := DefaultStyles()
	var names []string
	for _, s := range list {
		require.NoError(t, s.Validate())
		assert.Contains(t, s.Prompt, Placeholder, s.Name)
		assert.NotEmpty(t, s.NegativePrompt, s.Name)
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"Cinematic", "Photographic", "Anime", "Digital art", "Fantasy art", "Line art"}, names)
	p := Apply(list[0], "a lighthouse", "")
	assert.True(t, strings.HasPrefix(p.Positive, "cinematic film still of a lighthouse,"))
}

func TestStyleStoreMissingFileGivesDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "styles.json")
	list, err := NewStyleStore(path).List()
	require.NoError(t, err)
	assert.Equal(t, DefaultStyles(), list)
	assert.NoFileExists(t, path)
}

func TestStyleStoreSaveAndDelete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "styles.json")
	st := NewStyleStore(path)

	list, err := st.Save(Style{Name: "  Moody ", Prompt: " {prompt}, low key ", NegativePrompt: "bright"})
	require.NoError(t, err)
	require.Len(t, list, len(DefaultStyles())+1, "built-ins are kept alongside the new style")
	assert.Equal(t, Style{Name: "Moody", Prompt: "{prompt}, low key", NegativePrompt: "bright"}, list[len(list)-1])

	// Upsert ignores case and keeps the position.
	list, err = st.Save(Style{Name: "cinematic", Prompt: "widescreen {prompt}"})
	require.NoError(t, err)
	assert.Equal(t, Style{Name: "cinematic", Prompt: "widescreen {prompt}"}, list[0])
	assert.Len(t, list, len(DefaultStyles())+1)

	list, err = st.Delete("LINE ART")
	require.NoError(t, err)
	assert.Len(t, list, len(DefaultStyles()))
	for _, s := range list {
		assert.NotEqual(t, "Line art", s.Name)
	}

	_, err = st.Delete("Line art")
	require.ErrorIs(t, err, ErrStyleNotFound)

	reloaded, err := NewStyleStore(path).List()
	require.NoError(t, err)
	assert.Equal(t, list, reloaded)

	var onDisk styleFile
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &onDisk))
	assert.Equal(t, 1, onDisk.Version)
}

func TestStyleStoreDeleteAllKeepsEmptyList(t *testing.T) {
	st := NewStyleStore(filepath.Join(t.TempDir(), "styles.json"))
	for _, s := range DefaultStyles() {
		_, err := st.Delete(s.Name)
		require.NoError(t, err)
	}
	list, err := st.List()
	require.NoError(t, err)
	assert.Empty(t, list, "deleting every style must not bring the defaults back")
}

func TestStyleValidation(t *testing.T) {
	tests := []struct {
		name    string
		style   Style
		wantErr string
	}{
		{"empty name", Style{Name: "  "}, "style name is empty"},
		{"long name", Style{Name: strings.Repeat("é", 65)}, "longer than 64 characters"},
		{"control in name", Style{Name: "a\nb"}, "control characters"},
		{"long prompt", Style{Name: "x", Prompt: strings.Repeat("a", MaxStyleText+1)}, "prompt is longer than 8192 bytes"},
		{"long negative", Style{Name: "x", NegativePrompt: strings.Repeat("a", MaxStyleText+1)}, "negative prompt is longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.json")
			_, err := NewStyleStore(path).Save(tt.style)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NoFileExists(t, path)
		})
	}
	assert.NoError(t, Style{Name: strings.Repeat("é", 64)}.Validate(), "the limit counts characters, not bytes")
}

func TestStyleStoreCorruptFile(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"not JSON", `{"version":1,"styles":[`, "invalid JSON"},
		{"trailing data", `{"version":1,"styles":[]} []`, "data after the styles object"},
		{"wrong version", `{"version":3,"styles":[]}`, "version 3 is not supported"},
		{"no version", `[]`, "invalid JSON"},
		{"empty name", `{"version":1,"styles":[{"name":""}]}`, "style 1: style name is empty"},
		{"duplicate", `{"version":1,"styles":[{"name":"A"},{"name":"a"}]}`, `style 2: name "a" is used twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "styles.json")
			require.NoError(t, os.WriteFile(path, []byte(tt.data), 0o644))
			st := NewStyleStore(path)

			_, err := st.List()
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tt.wantErr)

			_, err = st.Save(Style{Name: "New"})
			require.Error(t, err)
			_, err = st.Delete("A")
			require.Error(t, err)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.data, string(b), "a corrupt file is never overwritten")
		})
	}
}

func TestStyleStoreConcurrentSaves(t *testing.T) {
	st := NewStyleStore(filepath.Join(t.TempDir(), "styles.json"))
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		wg.Go(func() {
			_, err := st.Save(Style{Name: name, Prompt: name + " {prompt}"})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	list, err := st.List()
	require.NoError(t, err)
	assert.Len(t, list, len(DefaultStyles())+8, "no save was lost")
}
