package openai

import "github.com/dreamlayer/dreamlayer/backend/providers"

// Model ids.
const (
	DallE2     = "dall-e-2"
	DallE3     = "dall-e-3"
	GPTImage1  = "gpt-image-1"
	providerID = "openai"
)

// models lists the models with what OpenAI's image API reference says each
// accepts (platform.openai.com/docs/api-reference/images).
func models() []providers.Model {
	return []providers.Model{
		{Provider: providerID, ID: GPTImage1, Name: "GPT Image 1", Capabilities: providers.Capabilities{
			TextToImage: true, ImageEdit: true, MaxInputImages: 16, Mask: true,
			Sizes:     []string{"auto", "1024x1024", "1536x1024", "1024x1536"},
			MaxImages: 10,
			Options: []providers.Option{
				{Key: "quality", Label: "Quality", Kind: providers.OptionEnum, Values: []string{"auto", "low", "medium", "high"}, Default: "auto"},
				{Key: "background", Label: "Background", Kind: providers.OptionEnum, Values: []string{"auto", "transparent", "opaque"}, Default: "auto",
					Help: "transparent needs PNG or WebP output"},
				{Key: "output_format", Label: "Format", Kind: providers.OptionEnum, Values: []string{"png", "jpeg", "webp"}, Default: "png"},
				{Key: "output_compression", Label: "Compression", Kind: providers.OptionInt, Min: 0, Max: 100,
					Help: "JPEG/WebP compression, 0–100%"},
				{Key: "moderation", Label: "Moderation", Kind: providers.OptionEnum, Values: []string{"auto", "low"}, Default: "auto"},
			},
		}},
		{Provider: providerID, ID: DallE3, Name: "DALL·E 3", Capabilities: providers.Capabilities{
			TextToImage: true,
			Sizes:       []string{"1024x1024", "1792x1024", "1024x1792"},
			MaxImages:   1,
			Options: []providers.Option{
				{Key: "quality", Label: "Quality", Kind: providers.OptionEnum, Values: []string{"standard", "hd"}, Default: "standard"},
				{Key: "style", Label: "Style", Kind: providers.OptionEnum, Values: []string{"vivid", "natural"}, Default: "vivid"},
			},
		}},
		{Provider: providerID, ID: DallE2, Name: "DALL·E 2", Capabilities: providers.Capabilities{
			TextToImage: true, ImageEdit: true, MaxInputImages: 1, Mask: true,
			Sizes:     []string{"256x256", "512x512", "1024x1024"},
			MaxImages: 10,
		}},
	}
}

// checkCombination catches option combinations OpenAI rejects that a
// per-option check cannot see.
func checkCombination(req providers.Request) error {
	bg, format := req.Options["background"], req.Options["output_format"]
	if bg == "transparent" && format == "jpeg" {
		return providers.Invalid("options.background", "transparent needs output_format png or webp")
	}
	if _, ok := req.Options["output_compression"]; ok && (format == "" || format == "png") {
		return providers.Invalid("options.output_compression", "applies to jpeg or webp output only")
	}
	return nil
}
