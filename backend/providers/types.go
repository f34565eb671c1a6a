package providers

import (
	"context"

	"github.com/dreamlayer/dreamlayer/backend/history"
)

// Provider is one cloud image service. Implementations are safe for
// concurrent use; they read the API key from the key getter on every call,
// so a key changed in the keychain takes effect at once.
type Provider interface {
	// Name is the provider's id ("openai", "ideogram", "bfl"), the same as
	// its secrets.Provider and its jobs lane.
	Name() string
	// Models lists what the provider offers, in display order.
	Models() []Model
	// Generate runs one request, which the caller has not necessarily
	// validated: implementations call Model.Validate first. It returns the
	// images in the provider's order, already downloaded (result URLs
	// expire), or an error carrying one of the Err… classes.
	Generate(ctx context.Context, req Request) ([]Image, error)
	// TestKey makes the cheapest authenticated call the API has. nil means
	// the key works; ErrNoKey, ErrInvalidKey and ErrUnavailable say why not.
	TestKey(ctx context.Context) error
}

// Model is one model of a provider, as the model picker shows it.
type Model struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Capabilities
}

// Capabilities say what a model accepts; Model.Validate checks requests
// against them and the UI builds its form from them.
type Capabilities struct {
	// TextToImage: the model draws from a prompt alone.
	TextToImage bool `json:"textToImage"`
	// ImageEdit: the model takes input images (edit, remix, img2img).
	ImageEdit bool `json:"imageEdit"`
	// MaxInputImages caps Request.InitImages; 0 means 1 when ImageEdit.
	MaxInputImages int `json:"maxInputImages,omitempty"`
	// Mask: an edit may carry a mask (transparent pixels mark what to
	// repaint, as OpenAI defines it).
	Mask           bool `json:"mask"`
	NegativePrompt bool `json:"negativePrompt"`
	Seed           bool `json:"seed"`
	// Sizes are the accepted "WxH" values (OpenAI: "1024x1024", "auto"…).
	Sizes []string `json:"sizes,omitempty"`
	// SizeRange accepts any size inside it, for APIs that take free
	// width/height (FLUX); nil when only Sizes are accepted.
	SizeRange *SizeRange `json:"sizeRange,omitempty"`
	// AspectRatios are the accepted "W:H" values (Ideogram, FLUX).
	AspectRatios []string `json:"aspectRatios,omitempty"`
	// MaxImages caps Request.N; 0 means 1.
	MaxImages int `json:"maxImages"`
	// Options are the model's other settings (quality, style, background,
	// output format, rendering speed, magic prompt, raw, …).
	Options []Option `json:"options,omitempty"`
}

// SizeRange is a rectangle of accepted free sizes.
type SizeRange struct {
	MinWidth  int `json:"minWidth"`
	MaxWidth  int `json:"maxWidth"`
	MinHeight int `json:"minHeight"`
	MaxHeight int `json:"maxHeight"`
	// Multiple both sides must be a multiple of (FLUX: 32); 0 means any.
	Multiple int `json:"multiple,omitempty"`
}

// OptionKind says how an Option's value is checked.
type OptionKind string

// Option kinds.
const (
	// OptionEnum values must be one of Option.Values.
	OptionEnum OptionKind = "enum"
	// OptionInt values are integers within [Min, Max].
	OptionInt OptionKind = "int"
	// OptionFloat values are numbers within [Min, Max].
	OptionFloat OptionKind = "float"
	// OptionBool values are "true" or "false".
	OptionBool OptionKind = "bool"
	// OptionText values are free text up to MaxOptionTextLen bytes.
	OptionText OptionKind = "text"
)

// Option is one provider-specific setting. Requests carry options as
// strings (Request.Options) so they pass through the command line, the UI
// and the jobs queue unchanged; Option says how to read them.
type Option struct {
	// Key is the request's key, usually the API's own field name
	// ("quality", "style", "rendering_speed").
	Key   string     `json:"key"`
	Label string     `json:"label"`
	Kind  OptionKind `json:"kind"`
	// Values are the allowed values of an enum, in display order.
	Values []string `json:"values,omitempty"`
	// Default is what the API does when the option is not sent ("" when
	// the API decides).
	Default string `json:"default,omitempty"`
	// Min and Max bound int and float options.
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
	// Help is one line for a tooltip.
	Help string `json:"help,omitempty"`
}

// Request is one generation. Zero values mean "the API's default".
type Request struct {
	// Model is a Model.ID of the provider.
	Model  string `json:"model"`
	Prompt string `json:"prompt"`
	// NegativePrompt needs Capabilities.NegativePrompt.
	NegativePrompt string `json:"negativePrompt,omitempty"`
	// Size is "WxH" (one of Sizes, or inside SizeRange) or "auto".
	Size string `json:"size,omitempty"`
	// AspectRatio is "W:H", one of AspectRatios. Size and AspectRatio
	// exclude each other.
	AspectRatio string `json:"aspectRatio,omitempty"`
	// N is the number of images; 0 means 1.
	N int `json:"n,omitempty"`
	// Seed makes a result repeatable where the API allows it (nil:
	// random). Needs Capabilities.Seed.
	Seed *int64 `json:"seed,omitempty"`
	// Options are Capabilities.Options values by Option.Key.
	Options map[string]string `json:"options,omitempty"`
	// InitImages are input images (PNG, JPEG or WebP bytes) for edits;
	// they make the request an edit. Never saved in metadata.
	InitImages [][]byte `json:"-"`
	// Mask marks what an edit repaints (PNG with alpha); needs an init
	// image and Capabilities.Mask.
	Mask []byte `json:"-"`
}

// IsEdit reports whether the request edits input images.
func (r Request) IsEdit() bool { return len(r.InitImages) > 0 }

// Images returns N, or 1 when N is 0.
func (r Request) Images() int { return max(r.N, 1) }

// Image is one result.
type Image struct {
	// Data are the encoded bytes as the provider sent them.
	Data []byte
	// MIME is "image/png", "image/jpeg" or "image/webp".
	MIME string
	// RevisedPrompt is the prompt the provider actually used when it
	// rewrote it (dall-e-3, Ideogram's magic prompt); "" otherwise.
	RevisedPrompt string
	// Seed is the seed the provider reports it used, when it does.
	Seed *int64
}

// Meta is what a Saver needs to know about where an image came from.
type Meta struct {
	// JobID is the jobs.Job the image belongs to; "" outside the queue
	// (the command line).
	JobID    string
	Provider string
	// Request is the request as sent; its InitImages and Mask are never
	// saved.
	Request Request
}

// Saver writes an image with its metadata and records it in the history;
// outputs.Saver is the real one.
type Saver interface {
	Save(ctx context.Context, meta Meta, img Image) (history.OutputRecord, error)
}
