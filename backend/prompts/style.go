package prompts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dreamlayer/dreamlayer/backend/fsutil"
)

// Placeholder marks where a style puts the user's prompt.
const Placeholder = "{prompt}"

// Limits on what a style may hold.
const (
	MaxStyleName   = 64
	MaxStyleText   = 8192
	MaxStyles      = 500
	maxStyleFileSz = 4 << 20
)

// ErrStyleNotFound is returned by Delete for a name that is not stored.
var ErrStyleNotFound = errors.New("style not found")

// Style is a named wrapper around a prompt. Prompt and NegativePrompt either
// contain Placeholder, replaced by the user's text, or are joined after it
// with ", " (as AUTOMATIC1111 styles behave).
type Style struct {
	Name           string `json:"name"`
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negativePrompt"`
}

// Apply wraps a user's prompt and negative prompt in style s.
func Apply(s Style, prompt, negative string) Prompt {
	return Prompt{
		Positive: applyOne(s.Prompt, prompt),
		Negative: applyOne(s.NegativePrompt, negative),
	}
}

func applyOne(style, user string) string {
	style, user = strings.TrimSpace(style), strings.TrimSpace(user)
	if strings.Contains(style, Placeholder) {
		out := strings.ReplaceAll(style, Placeholder, user)
		if user == "" {
			// Leave no dangling separator where the prompt would have been.
			out = strings.Trim(strings.ReplaceAll(out, ", ,", ","), ", ")
		}
		return out
	}
	switch {
	case style == "":
		return user
	case user == "":
		return style
	}
	return user + ", " + style
}

// DefaultStyles returns the built-in styles offered before the user saves any.
func DefaultStyles() []Style {
	return []Style{
		{
			Name:           "Cinematic",
			Prompt:         "cinematic film still of {prompt}, anamorphic lens, shallow depth of field, dramatic lighting, film grain, colour graded",
			NegativePrompt: "cartoon, illustration, flat lighting, oversaturated, low detail",
		},
		{
			Name:           "Photographic",
			Prompt:         "photograph of {prompt}, 50mm lens, natural light, sharp focus, highly detailed, realistic",
			NegativePrompt: "drawing, painting, cartoon, anime, render, blurry, deformed",
		},
		{
			Name:           "Anime",
			Prompt:         "anime artwork of {prompt}, clean line art, cel shading, vibrant colours, expressive eyes, studio anime style",
			NegativePrompt: "photograph, realistic, 3d render, muddy colours, deformed",
		},
		{
			Name:           "Digital art",
			Prompt:         "digital art of {prompt}, detailed digital painting, crisp edges, rich colours, concept art",
			NegativePrompt: "photograph, blurry, low resolution, watermark",
		},
		{
			Name:           "Fantasy art",
			Prompt:         "epic fantasy painting of {prompt}, magical atmosphere, intricate detail, painterly, luminous colours",
			NegativePrompt: "photograph, modern, mundane, low detail, blurry",
		},
		{
			Name:           "Line art",
			Prompt:         "line art drawing of {prompt}, clean black ink lines on white, minimal shading, graphic",
			NegativePrompt: "colour, photograph, shading, gradients, blurry, noisy",
		},
	}
}

// Validate checks a style's name and text lengths.
func (s Style) Validate() error {
	name := strings.TrimSpace(s.Name)
	switch {
	case name == "":
		return errors.New("style name is empty")
	case utf8.RuneCountInString(name) > MaxStyleName:
		return fmt.Errorf("style name is longer than %d characters", MaxStyleName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("style name %q contains control characters", name)
	case len(s.Prompt) > MaxStyleText:
		return fmt.Errorf("style %q: prompt is longer than %d bytes", name, MaxStyleText)
	case len(s.NegativePrompt) > MaxStyleText:
		return fmt.Errorf("style %q: negative prompt is longer than %d bytes", name, MaxStyleText)
	}
	return nil
}

func (s Style) normalise() Style {
	return Style{
		Name:           strings.TrimSpace(s.Name),
		Prompt:         strings.TrimSpace(s.Prompt),
		NegativePrompt: strings.TrimSpace(s.NegativePrompt),
	}
}

// styleFile is the on-disk form, versioned so the format can grow.
type styleFile struct {
	Version int     `json:"version"`
	Styles  []Style `json:"styles"`
}

const styleFileVersion = 1

// StyleStore keeps the user's styles in a JSON file. It is safe for
// concurrent use.
type StyleStore struct {
	path string
	mu   sync.Mutex
}

// NewStyleStore returns a store for the file at path (created on first Save).
func NewStyleStore(path string) *StyleStore {
	return &StyleStore{path: path}
}

// List returns the stored styles, or DefaultStyles if the file does not
// exist yet. A file that cannot be read is an error naming it; it is never
// replaced, so the user's styles can be recovered.
func (st *StyleStore) List() ([]Style, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.load()
}

// Save adds s, or replaces the style of the same name (ignoring case), and
// returns the new list.
func (st *StyleStore) Save(s Style) ([]Style, error) {
	s = s.normalise()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	list, err := st.load()
	if err != nil {
		return nil, err
	}
	if i := index(list, s.Name); i >= 0 {
		list[i] = s
	} else {
		if len(list) >= MaxStyles {
			return nil, fmt.Errorf("save style %q: at most %d styles can be stored", s.Name, MaxStyles)
		}
		list = append(list, s)
	}
	if err := st.write(list); err != nil {
		return nil, err
	}
	return list, nil
}

// Delete removes the style named name (ignoring case) and returns the new
// list; ErrStyleNotFound if there is none.
func (st *StyleStore) Delete(name string) ([]Style, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	list, err := st.load()
	if err != nil {
		return nil, err
	}
	i := index(list, strings.TrimSpace(name))
	if i < 0 {
		return nil, fmt.Errorf("delete style %q: %w", name, ErrStyleNotFound)
	}
	list = append(list[:i], list[i+1:]...)
	if err := st.write(list); err != nil {
		return nil, err
	}
	return list, nil
}

func index(list []Style, name string) int {
	for i, s := range list {
		if strings.EqualFold(s.Name, name) {
			return i
		}
	}
	return -1
}

func (st *StyleStore) load() ([]Style, error) {
	f, err := os.Open(st.path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultStyles(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read styles %s: %w", st.path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxStyleFileSz+1))
	_ = f.Close() // read-only: a close error cannot lose data
	if err != nil {
		return nil, fmt.Errorf("read styles %s: %w", st.path, err)
	}
	list, err := decodeStyles(data)
	if err != nil {
		return nil, fmt.Errorf("styles file %s is unusable (fix or remove it): %w", st.path, err)
	}
	return list, nil
}

// decodeStyles parses and validates a styles file.
func decodeStyles(data []byte) ([]Style, error) {
	if len(data) > maxStyleFileSz {
		return nil, fmt.Errorf("larger than %d bytes", maxStyleFileSz)
	}
	var sf styleFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: data after the styles object")
	}
	if sf.Version != styleFileVersion {
		return nil, fmt.Errorf("version %d is not supported (expected %d)", sf.Version, styleFileVersion)
	}
	if len(sf.Styles) > MaxStyles {
		return nil, fmt.Errorf("%d styles is more than the limit of %d", len(sf.Styles), MaxStyles)
	}
	list := make([]Style, 0, len(sf.Styles))
	for i, s := range sf.Styles {
		s = s.normalise()
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("style %d: %w", i+1, err)
		}
		if index(list, s.Name) >= 0 {
			return nil, fmt.Errorf("style %d: name %q is used twice", i+1, s.Name)
		}
		list = append(list, s)
	}
	return list, nil
}

func (st *StyleStore) write(list []Style) error {
	data, err := json.MarshalIndent(styleFile{Version: styleFileVersion, Styles: list}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode styles: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(st.path), 0o755); err != nil {
		return fmt.Errorf("save styles: %w", err)
	}
	if err := fsutil.WriteFileAtomic(st.path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("save styles: %w", err)
	}
	return nil
}
