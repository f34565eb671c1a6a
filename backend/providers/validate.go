package providers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Request limits shared by every provider (each API has its own, usually
// lower ones, which it reports itself).
const (
	MaxPromptLen     = 32000 // gpt-image-1's limit, the largest of the APIs
	MaxOptionTextLen = 4096
	MaxInputBytes    = 50 << 20 // gpt-image-1's per-image limit
)

// Validate checks req against the model's capabilities and returns an
// ErrInvalidRequest error naming the first field that is wrong.
func (m Model) Validate(req Request) error {
	c := m.Capabilities
	if req.Model != m.ID {
		return Invalid("model", "%q is not %q", req.Model, m.ID)
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return Invalid("prompt", "empty")
	}
	if len(req.Prompt) > MaxPromptLen || !utf8.ValidString(req.Prompt) {
		return Invalid("prompt", "must be valid UTF-8 of at most %d bytes", MaxPromptLen)
	}
	if req.NegativePrompt != "" && !c.NegativePrompt {
		return Invalid("negativePrompt", "%s does not take a negative prompt", m.ID)
	}
	if len(req.NegativePrompt) > MaxPromptLen || !utf8.ValidString(req.NegativePrompt) {
		return Invalid("negativePrompt", "must be valid UTF-8 of at most %d bytes", MaxPromptLen)
	}
	if req.N < 0 || req.Images() > max(c.MaxImages, 1) {
		return Invalid("n", "%d images asked, %s makes 1 to %d", req.N, m.ID, max(c.MaxImages, 1))
	}
	if req.Seed != nil && !c.Seed {
		return Invalid("seed", "%s does not take a seed", m.ID)
	}
	if err := c.validateShape(m.ID, req); err != nil {
		return err
	}
	if err := c.validateImages(m.ID, req); err != nil {
		return err
	}
	return c.validateOptions(m.ID, req.Options)
}

func (c Capabilities) validateShape(id string, req Request) error {
	if req.Size != "" && req.AspectRatio != "" {
		return Invalid("size", "give a size or an aspect ratio, not both")
	}
	if req.Size != "" && !slices.Contains(c.Sizes, req.Size) {
		w, h, ok := ParseSize(req.Size)
		if !ok || c.SizeRange == nil || !c.SizeRange.Contains(w, h) {
			return Invalid("size", "%q is not accepted by %s (%s)", req.Size, id, c.sizeHint())
		}
	}
	if req.AspectRatio != "" && !slices.Contains(c.AspectRatios, req.AspectRatio) {
		if len(c.AspectRatios) == 0 {
			return Invalid("aspectRatio", "%s takes a size, not an aspect ratio (%s)", id, c.sizeHint())
		}
		return Invalid("aspectRatio", "%q is not accepted by %s (one of %s)", req.AspectRatio, id, strings.Join(c.AspectRatios, ", "))
	}
	return nil
}

func (c Capabilities) sizeHint() string {
	var parts []string
	if len(c.Sizes) > 0 {
		parts = append(parts, "sizes "+strings.Join(c.Sizes, ", "))
	}
	if r := c.SizeRange; r != nil {
		s := "any size " + strconv.Itoa(r.MinWidth) + "–" + strconv.Itoa(r.MaxWidth) + " × " +
			strconv.Itoa(r.MinHeight) + "–" + strconv.Itoa(r.MaxHeight)
		if r.Multiple > 1 {
			s += ", multiples of " + strconv.Itoa(r.Multiple)
		}
		parts = append(parts, s)
	}
	if len(c.AspectRatios) > 0 {
		parts = append(parts, "aspect ratios "+strings.Join(c.AspectRatios, ", "))
	}
	if len(parts) == 0 {
		return "no size choice"
	}
	return strings.Join(parts, "; ")
}

func (c Capabilities) validateImages(id string, req Request) error {
	if !req.IsEdit() {
		if !c.TextToImage {
			return Invalid("initImages", "%s needs an input image", id)
		}
		if len(req.Mask) > 0 {
			return Invalid("mask", "a mask needs an input image")
		}
		return nil
	}
	if !c.ImageEdit {
		return Invalid("initImages", "%s does not take input images", id)
	}
	limit := c.MaxInputImages
	if limit <= 0 {
		limit = 1
	}
	if len(req.InitImages) > limit {
		return Invalid("initImages", "%d given, %s takes at most %d", len(req.InitImages), id, limit)
	}
	for i, img := range req.InitImages {
		if err := checkImageBytes(img); err != nil {
			return Invalid("initImages["+strconv.Itoa(i)+"]", "%v", err)
		}
	}
	if len(req.Mask) > 0 {
		if !c.Mask {
			return Invalid("mask", "%s does not take a mask", id)
		}
		if SniffMIME(req.Mask) != "image/png" {
			return Invalid("mask", "must be a PNG with an alpha channel")
		}
		if len(req.Mask) > MaxInputBytes {
			return Invalid("mask", "larger than %d MiB", MaxInputBytes>>20)
		}
	}
	return nil
}

func checkImageBytes(b []byte) error {
	if len(b) > MaxInputBytes {
		return fmt.Errorf("larger than %d MiB", MaxInputBytes>>20)
	}
	if SniffMIME(b) == "" {
		return errors.New("not a PNG, JPEG or WebP image")
	}
	return nil
}

func (c Capabilities) validateOptions(id string, opts map[string]string) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the same first error every time
	for _, k := range keys {
		i := slices.IndexFunc(c.Options, func(o Option) bool { return o.Key == k })
		if i < 0 {
			names := make([]string, len(c.Options))
			for j, o := range c.Options {
				names[j] = o.Key
			}
			if len(names) == 0 {
				return Invalid("options."+k, "%s takes no options", id)
			}
			return Invalid("options."+k, "unknown option for %s (known: %s)", id, strings.Join(names, ", "))
		}
		if err := c.Options[i].Check(opts[k]); err != nil {
			return Invalid("options."+k, "%v", err)
		}
	}
	return nil
}

// Check reports whether v is a valid value of the option.
func (o Option) Check(v string) error {
	switch o.Kind {
	case OptionEnum:
		if !slices.Contains(o.Values, v) {
			return fmt.Errorf("%q is not one of %s", v, strings.Join(o.Values, ", "))
		}
	case OptionBool:
		if v != "true" && v != "false" {
			return fmt.Errorf("%q is not true or false", v)
		}
	case OptionInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || float64(n) < o.Min || float64(n) > o.Max {
			return fmt.Errorf("%q is not a whole number from %s to %s", v, num(o.Min), num(o.Max))
		}
	case OptionFloat:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != f || f < o.Min || f > o.Max {
			return fmt.Errorf("%q is not a number from %s to %s", v, num(o.Min), num(o.Max))
		}
	case OptionText:
		if len(v) > MaxOptionTextLen || !utf8.ValidString(v) {
			return fmt.Errorf("must be valid UTF-8 of at most %d bytes", MaxOptionTextLen)
		}
	default:
		return fmt.Errorf("option has unknown kind %q", o.Kind)
	}
	return nil
}

// ParseSize reads "WxH" with positive sides of at most 5 digits.
func ParseSize(s string) (w, h int, ok bool) {
	a, b, found := strings.Cut(strings.ToLower(s), "x")
	if !found || len(a) == 0 || len(b) == 0 || len(a) > 5 || len(b) > 5 {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || a[0] == '+' || b[0] == '+' {
		return 0, 0, false
	}
	return w, h, true
}

// Contains reports whether w×h is inside the range.
func (r SizeRange) Contains(w, h int) bool {
	if w < r.MinWidth || w > r.MaxWidth || h < r.MinHeight || h > r.MaxHeight {
		return false
	}
	return r.Multiple <= 1 || (w%r.Multiple == 0 && h%r.Multiple == 0)
}

// SniffMIME names the image format of b from its magic bytes: "image/png",
// "image/jpeg", "image/webp", or "" for anything else.
func SniffMIME(b []byte) string {
	switch {
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// FindModel returns the model with the given id.
func FindModel(p Provider, id string) (Model, error) {
	for _, m := range p.Models() {
		if m.ID == id {
			return m, nil
		}
	}
	ids := make([]string, 0, len(p.Models()))
	for _, m := range p.Models() {
		ids = append(ids, m.ID)
	}
	return Model{}, Invalid("model", "%s has no model %q (known: %s)", p.Name(), id, strings.Join(ids, ", "))
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
