package bfl

import (
	"github.com/dreamlayer/dreamlayer/backend/providers"
)

// Model ids; each is also the API path /v1/<id>.
const (
	ModelPro11      = "flux-pro-1.1"
	ModelPro11Ultra = "flux-pro-1.1-ultra"
	ModelDev        = "flux-dev"
	ModelKontextPro = "flux-kontext-pro"
	ModelKontextMax = "flux-kontext-max"
)

// Option keys, the API's own field names.
const (
	optPromptUpsampling = "prompt_upsampling"
	optSafetyTolerance  = "safety_tolerance"
	optOutputFormat     = "output_format"
	optRaw              = "raw"
	optSteps            = "steps"
	optGuidance         = "guidance"
)

// maxEditSafetyTolerance is Kontext's ceiling for safety_tolerance when an
// input image is given (BFL API reference, flux-kontext-pro).
const maxEditSafetyTolerance = 2

// freeSize is the width/height range of flux-pro-1.1 and flux-dev (BFL API
// reference: 256–1440, multiples of 32).
var freeSize = providers.SizeRange{MinWidth: 256, MaxWidth: 1440, MinHeight: 256, MaxHeight: 1440, Multiple: 32}

// presetSizes are offered in the picker for the free-size models; any size
// inside freeSize is accepted too.
var presetSizes = []string{"1024x1024", "1024x768", "768x1024", "1344x768", "768x1344", "1440x1440"}

// ultraRatios are flux-pro-1.1-ultra's aspect ratios (21:9 to 9:21).
var ultraRatios = []string{"21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16", "9:21"}

// kontextRatios are Kontext's aspect ratios (7:3 to 3:7).
var kontextRatios = []string{"7:3", "16:9", "3:2", "4:3", "1:1", "3:4", "2:3", "9:16", "3:7"}

// commonOptions apply to every FLUX endpoint.
func commonOptions() []providers.Option {
	return []providers.Option{
		{Key: optPromptUpsampling, Label: "Prompt upsampling", Kind: providers.OptionBool, Default: "false",
			Help: "Let BFL expand the prompt before drawing."},
		{Key: optSafetyTolerance, Label: "Safety tolerance", Kind: providers.OptionInt, Min: 0, Max: 6, Default: "2",
			Help: "0 is the strictest moderation, 6 the most permissive (Kontext edits: at most 2)."},
		{Key: optOutputFormat, Label: "Output format", Kind: providers.OptionEnum,
			Values: []string{"jpeg", "png"}, Default: "jpeg"},
	}
}

// models returns the provider's model table, freshly built so callers
// cannot change it.
func models() []providers.Model {
	free := freeSize
	kontext := providers.Capabilities{
		TextToImage: true, ImageEdit: true, MaxInputImages: 1, Seed: true,
		AspectRatios: append([]string(nil), kontextRatios...), MaxImages: 1, Options: commonOptions(),
	}
	return []providers.Model{
		{Provider: Name, ID: ModelPro11, Name: "FLUX1.1 [pro]", Capabilities: providers.Capabilities{
			TextToImage: true, Seed: true, Sizes: append([]string(nil), presetSizes...), SizeRange: &free,
			MaxImages: 1, Options: commonOptions(),
		}},
		{Provider: Name, ID: ModelPro11Ultra, Name: "FLUX1.1 [pro] Ultra", Capabilities: providers.Capabilities{
			TextToImage: true, Seed: true, AspectRatios: append([]string(nil), ultraRatios...), MaxImages: 1,
			Options: append(commonOptions(), providers.Option{Key: optRaw, Label: "Raw", Kind: providers.OptionBool,
				Default: "false", Help: "Less processed, more natural-looking images."}),
		}},
		{Provider: Name, ID: ModelDev, Name: "FLUX.1 [dev]", Capabilities: providers.Capabilities{
			TextToImage: true, Seed: true, Sizes: append([]string(nil), presetSizes...), SizeRange: &free,
			MaxImages: 1, Options: append(commonOptions(),
				providers.Option{Key: optSteps, Label: "Steps", Kind: providers.OptionInt, Min: 1, Max: 50, Default: "28"},
				providers.Option{Key: optGuidance, Label: "Guidance", Kind: providers.OptionFloat, Min: 1.5, Max: 5, Default: "3"}),
		}},
		{Provider: Name, ID: ModelKontextPro, Name: "FLUX.1 Kontext [pro]", Capabilities: cloneCaps(kontext)},
		{Provider: Name, ID: ModelKontextMax, Name: "FLUX.1 Kontext [max]", Capabilities: cloneCaps(kontext)},
	}
}

// cloneCaps copies the slices so two models never share backing arrays.
func cloneCaps(c providers.Capabilities) providers.Capabilities {
	c.AspectRatios = append([]string(nil), c.AspectRatios...)
	c.Options = append([]providers.Option(nil), c.Options...)
	return c
}
