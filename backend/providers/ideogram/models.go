package ideogram

import (
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// ModelV3 is the one model the v3 endpoints serve.
const ModelV3 = "ideogram-v3"

// Option keys, the API's own field names.
const (
	optRenderingSpeed = "rendering_speed"
	optMagicPrompt    = "magic_prompt"
	optStyleType      = "style_type"
	optImageWeight    = "image_weight"
)

// maxSeed is the largest seed the API accepts (a signed 32-bit integer).
const maxSeed = 2147483647

// renderingSpeedWire maps the speeds the UI shows to the API's values: the
// API calls the middle tier DEFAULT, the Ideogram app and DreamLayer call it
// BALANCED.
var renderingSpeedWire = map[string]string{"TURBO": "TURBO", "BALANCED": "DEFAULT", "QUALITY": "QUALITY"}

// aspectRatios are the v3 ratios, written "W:H" as providers.Request takes
// them; the API spells them "WxH" (see wireAspectRatio).
var aspectRatios = []string{
	"1:1", "16:9", "9:16", "3:2", "2:3", "4:3", "3:4", "4:5", "5:4",
	"1:2", "2:1", "1:3", "3:1", "10:16", "16:10",
}

// resolutions are the fixed output sizes the v3 endpoints accept for the
// resolution field (Ideogram API reference, "Resolution" enum).
var resolutions = []string{
	"512x1536", "576x1408", "576x1472", "576x1536", "640x1344", "640x1408", "640x1472", "640x1536",
	"704x1152", "704x1216", "704x1280", "704x1344", "704x1408", "704x1472", "736x1312", "768x1088",
	"768x1216", "768x1280", "768x1344", "800x1280", "832x960", "832x1024", "832x1088", "832x1152",
	"832x1216", "832x1248", "864x1152", "896x960", "896x1024", "896x1088", "896x1120", "896x1152",
	"960x832", "960x896", "960x1024", "960x1088", "1024x832", "1024x896", "1024x960", "1024x1024",
	"1088x768", "1088x832", "1088x896", "1088x960", "1120x896", "1152x704", "1152x832", "1152x864",
	"1152x896", "1216x704", "1216x768", "1216x832", "1248x832", "1280x704", "1280x768", "1280x800",
	"1312x736", "1344x640", "1344x704", "1344x768", "1408x576", "1408x640", "1408x704", "1472x576",
	"1472x640", "1472x704", "1536x512", "1536x576", "1536x640",
}

// models returns the provider's model table; a fresh copy each call so
// callers cannot change it.
func models() []providers.Model {
	return []providers.Model{{
		Provider: Name,
		ID:       ModelV3,
		Name:     "Ideogram 3.0",
		Capabilities: providers.Capabilities{
			TextToImage:    true,
			ImageEdit:      true, // remix
			MaxInputImages: 1,
			NegativePrompt: true,
			Seed:           true,
			Sizes:          append([]string(nil), resolutions...),
			AspectRatios:   append([]string(nil), aspectRatios...),
			MaxImages:      maxImages,
			Options: []providers.Option{
				{Key: optRenderingSpeed, Label: "Rendering speed", Kind: providers.OptionEnum,
					Values: []string{"TURBO", "BALANCED", "QUALITY"}, Default: "BALANCED",
					Help: "Faster is cheaper; QUALITY is slowest and costs most."},
				{Key: optMagicPrompt, Label: "Magic prompt", Kind: providers.OptionEnum,
					Values: []string{"AUTO", "ON", "OFF"}, Default: "AUTO",
					Help: "Let Ideogram rewrite the prompt; the rewritten prompt is saved."},
				{Key: optStyleType, Label: "Style", Kind: providers.OptionEnum,
					Values: []string{"AUTO", "GENERAL", "REALISTIC", "DESIGN"}, Default: "AUTO"},
				{Key: optImageWeight, Label: "Image weight", Kind: providers.OptionInt,
					Min: 1, Max: 100, Default: "50",
					Help: "Remix only: how closely the result follows the input image."},
			},
		},
	}}
}

// wireAspectRatio turns "16:9" into the API's "16x9".
func wireAspectRatio(r string) string { return strings.Replace(r, ":", "x", 1) }
