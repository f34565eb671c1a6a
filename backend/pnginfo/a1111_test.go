package pnginfo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr(f float64) *float64 { return &f }

// Real-world infotexts, laid out as A1111 v1.5–v1.10, Forge and Civitai
// write them (model names and hashes are those of public checkpoints).
const (
	// A1111 v1.10 txt2img with hires fix, a LoRA and two embeddings.
	infotextHires = "masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, <lora:add_detail:0.6>\n" +
		"Negative prompt: (worst quality, low quality:1.4), easynegative, bad-hands-5\n" +
		`Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 2873146516, Size: 512x768, Model hash: 879db523c3, Model: dreamshaper_8, VAE hash: 735e4c3a44, VAE: vae-ft-mse-840000-ema-pruned.safetensors, Denoising strength: 0.45, Clip skip: 2, Hires upscale: 2, Hires steps: 15, Hires upscaler: 4x-UltraSharp, Lora hashes: "add_detail: 7c6bad76eb54", TI hashes: "easynegative: c74b4e810b03, bad-hands-5: aa7651be154c", Version: v1.10.1`

	// A1111 v1.5: the schedule is part of the sampler name; ENSD.
	infotextOldSampler = "a photograph of an astronaut riding a horse\n" +
		"Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1234567890, Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, ENSD: 31337, Version: v1.5.1"

	// img2img with multi-line prompts, BREAK and a variation seed.
	infotextImg2Img = "portrait of an old fisherman,\n" +
		"dramatic lighting, (detailed skin:1.2)\n" +
		"BREAK\n" +
		"sea in background\n" +
		"Negative prompt: blurry,\n" +
		"lowres\n" +
		"Steps: 30, Sampler: Euler a, Schedule type: Automatic, CFG scale: 6.5, Seed: 42, Size: 768x512, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Variation seed: 99, Variation seed strength: 0.3, Denoising strength: 0.6, Mask blur: 4, Version: v1.9.4"

	// Forge with ADetailer's keys.
	infotextADetailer = "1girl, cherry blossoms, kimono\n" +
		"Negative prompt: nsfw\n" +
		"Steps: 28, Sampler: Euler a, Schedule type: Automatic, CFG scale: 5, Seed: 3960426421, Size: 832x1216, Model hash: 7c819b6d13, Model: animagineXLV31_v31, ADetailer model: face_yolov8n.pt, ADetailer confidence: 0.3, ADetailer dilate erode: 4, ADetailer mask blur: 4, ADetailer denoising strength: 0.4, ADetailer inpaint only masked: True, ADetailer inpaint padding: 32, ADetailer version: 24.3.1, Version: f0.0.17v1.8.0rc-latest-276-g29be1da7"

	// Civitai's generator: old sampler names, unquoted JSON values.
	infotextCivitai = "cinematic photo of a red fox in the snow, 35mm photograph, film, bokeh\n" +
		"Negative prompt: drawing, painting, crayon, sketch, graphite, impressionist, noisy, blurry\n" +
		`Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1849265203, Size: 832x1216, Clip skip: 2, Created Date: 2024-05-12T10:22:33.1234567Z, Civitai resources: [{"type":"checkpoint","modelVersionId":128713,"modelName":"DreamShaper","modelVersionName":"8"},{"type":"lora","weight":0.8,"modelVersionId":62833,"modelName":"Detail Tweaker LoRA","modelVersionName":"v1.0"}], Civitai metadata: {}`

	// Unicode everywhere, and a prompt line that itself looks like settings.
	infotextUnicode = "猫の絵, 桜, Steps: staircase, Sampler: none, CFG scale: big\n" +
		"Negative prompt: 低品質\n" +
		"Steps: 20, Sampler: Euler, Schedule type: Automatic, CFG scale: 7, Seed: 5, Size: 512x512, Model: 日本語モデル, Version: v1.10.1"
)

func TestParseA1111RealWorld(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Parameters
	}{
		{"hires fix with LoRA and TI hashes", infotextHires, Parameters{
			Prompt:         "masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, <lora:add_detail:0.6>",
			NegativePrompt: "(worst quality, low quality:1.4), easynegative, bad-hands-5",
			Steps:          25, Sampler: "DPM++ 2M", Schedule: "Karras", CFGScale: 7, Seed: 2873146516,
			Width: 512, Height: 768, ModelHash: "879db523c3", Model: "dreamshaper_8",
			DenoisingStrength: ptr(0.45), ClipSkip: 2,
			Extra: []KV{
				{"VAE hash", "735e4c3a44"}, {"VAE", "vae-ft-mse-840000-ema-pruned.safetensors"},
				{"Hires upscale", "2"}, {"Hires steps", "15"}, {"Hires upscaler", "4x-UltraSharp"},
				{"Lora hashes", "add_detail: 7c6bad76eb54"},
				{"TI hashes", "easynegative: c74b4e810b03, bad-hands-5: aa7651be154c"},
				{"Version", "v1.10.1"},
			},
		}},
		{"old sampler name carries the schedule", infotextOldSampler, Parameters{
			Prompt: "a photograph of an astronaut riding a horse",
			Steps:  20, Sampler: "DPM++ 2M", Schedule: "Karras", CFGScale: 7.5, Seed: 1234567890,
			Width: 512, Height: 512, ModelHash: "6ce0161689", Model: "v1-5-pruned-emaonly", ClipSkip: 1,
			Extra: []KV{{"ENSD", "31337"}, {"Version", "v1.5.1"}},
		}},
		{"img2img with multi-line prompts", infotextImg2Img, Parameters{
			Prompt:         "portrait of an old fisherman,\ndramatic lighting, (detailed skin:1.2)\nBREAK\nsea in background",
			NegativePrompt: "blurry,\nlowres",
			Steps:          30, Sampler: "Euler a", Schedule: "Automatic", CFGScale: 6.5, Seed: 42,
			Width: 768, Height: 512, ModelHash: "31e35c80fc", Model: "sd_xl_base_1.0",
			DenoisingStrength: ptr(0.6), ClipSkip: 1,
			Extra: []KV{{"Variation seed", "99"}, {"Variation seed strength", "0.3"}, {"Mask blur", "4"}, {"Version", "v1.9.4"}},
		}},
		{"ADetailer keys", infotextADetailer, Parameters{
			Prompt: "1girl, cherry blossoms, kimono", NegativePrompt: "nsfw",
			Steps: 28, Sampler: "Euler a", Schedule: "Automatic", CFGScale: 5, Seed: 3960426421,
			Width: 832, Height: 1216, ModelHash: "7c819b6d13", Model: "animagineXLV31_v31", ClipSkip: 1,
			Extra: []KV{
				{"ADetailer model", "face_yolov8n.pt"}, {"ADetailer confidence", "0.3"},
				{"ADetailer dilate erode", "4"}, {"ADetailer mask blur", "4"},
				{"ADetailer denoising strength", "0.4"}, {"ADetailer inpaint only masked", "True"},
				{"ADetailer inpaint padding", "32"}, {"ADetailer version", "24.3.1"},
				{"Version", "f0.0.17v1.8.0rc-latest-276-g29be1da7"},
			},
		}},
		{"Civitai JSON values", infotextCivitai, Parameters{
			Prompt:         "cinematic photo of a red fox in the snow, 35mm photograph, film, bokeh",
			NegativePrompt: "drawing, painting, crayon, sketch, graphite, impressionist, noisy, blurry",
			Steps:          30, Sampler: "DPM++ 2M", Schedule: "Karras", CFGScale: 7, Seed: 1849265203,
			Width: 832, Height: 1216, ClipSkip: 2,
			Extra: []KV{
				{"Created Date", "2024-05-12T10:22:33.1234567Z"},
				{"Civitai resources", `[{"type":"checkpoint","modelVersionId":128713,"modelName":"DreamShaper","modelVersionName":"8"},{"type":"lora","weight":0.8,"modelVersionId":62833,"modelName":"Detail Tweaker LoRA","modelVersionName":"v1.0"}]`},
				{"Civitai metadata", "{}"},
			},
		}},
		{"unicode and settings-like prompt", infotextUnicode, Parameters{
			Prompt: "猫の絵, 桜, Steps: staircase, Sampler: none, CFG scale: big", NegativePrompt: "低品質",
			Steps: 20, Sampler: "Euler", Schedule: "Automatic", CFGScale: 7, Seed: 5,
			Width: 512, Height: 512, Model: "日本語モデル", ClipSkip: 1,
			Extra: []KV{{"Version", "v1.10.1"}},
		}},
		{"prompt only", "a cat sitting on a windowsill", Parameters{
			Prompt: "a cat sitting on a windowsill", Schedule: "Automatic", ClipSkip: 1,
		}},
		{"last line with two settings is prompt", "a cat\nSteps: 20, Seed: 1", Parameters{
			Prompt: "a cat\nSteps: 20, Seed: 1", Schedule: "Automatic", ClipSkip: 1,
		}},
		{"windows line endings and quoted model", "a cat\r\nNegative prompt: dog\r\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Model: \"my, model\"\r\n", Parameters{
			Prompt: "a cat", NegativePrompt: "dog", Steps: 20, Sampler: "Euler", Schedule: "Automatic",
			CFGScale: 7, Seed: 1, Model: "my, model", ClipSkip: 1,
		}},
		{"unparsable numbers stay in Extra", "x\nSteps: many, CFG scale: NaN, Seed: 18446744073709551615, Size: big, Denoising strength: inf", Parameters{
			Prompt: "x", Seed: -1, Schedule: "Automatic", ClipSkip: 1,
			Extra: []KV{{"Steps", "many"}, {"CFG scale", "NaN"}, {"Size", "big"}, {"Denoising strength", "inf"}},
		}},
		{"empty values dropped, duplicates overwrite in place", "x\nSteps: 20, Foo: 1, Bar: , Seed: 3, Foo: 2, CFG scale: 4", Parameters{
			Prompt: "x", Steps: 20, Seed: 3, CFGScale: 4, Schedule: "Automatic", ClipSkip: 1,
			Extra: []KV{{"Foo", "2"}},
		}},
		{"escaped quotes in a quoted value", `x` + "\n" + `Steps: 1, CFG scale: 1, Seed: 1, Hires prompt: "a \"big\", red: cat\nline two"`, Parameters{
			Prompt: "x", Steps: 1, CFGScale: 1, Seed: 1, Schedule: "Automatic", ClipSkip: 1,
			Extra: []KV{{"Hires prompt", "a \"big\", red: cat\nline two"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseA1111(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseA1111Empty(t *testing.T) {
	for _, s := range []string{"", "  \n\t\r\n"} {
		_, err := ParseA1111(s)
		require.ErrorIs(t, err, ErrNoParameters)
	}
}

func TestFormatA1111ReproducesA1111(t *testing.T) {
	// Parsing A1111's own text and formatting it again gives the same bytes:
	// the key order, quoting and number formatting are A1111's.
	for _, text := range []string{infotextHires, infotextImg2Img, infotextADetailer, infotextUnicode} {
		p, err := ParseA1111(text)
		require.NoError(t, err)
		assert.Equal(t, text, FormatA1111(p))
	}
}

func TestFormatA1111(t *testing.T) {
	tests := []struct {
		name string
		p    Parameters
		want string
	}{
		{"brief example", Parameters{
			Prompt: "a lighthouse at dusk", NegativePrompt: "blurry", Steps: 20, Sampler: "DPM++ 2M", Schedule: "Karras",
			CFGScale: 7, Seed: 1, Width: 512, Height: 512, ModelHash: "abcdef1234", Model: "name",
			DenoisingStrength: ptr(0.75), ClipSkip: 2,
			Extra: []KV{
				{"Hires upscale", "2"}, {"Hires steps", "10"}, {"Hires upscaler", "Latent"},
				{"Lora hashes", "name: hash, name2: hash2"}, {"Version", "dreamlayer 0.1.0"},
			},
		}, "a lighthouse at dusk\nNegative prompt: blurry\n" +
			`Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: abcdef1234, Model: name, Denoising strength: 0.75, Clip skip: 2, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent, Lora hashes: "name: hash, name2: hash2", Version: dreamlayer 0.1.0`},
		{"minimal: no negative line, no size, clip skip 1 omitted", Parameters{
			Prompt: "a cat", Steps: 4, CFGScale: 1.5, Seed: -7, ClipSkip: 1,
		}, "a cat\nSteps: 4, CFG scale: 1.5, Seed: -7"},
		{"extra keys go to A1111's slots whatever their order", Parameters{
			Prompt: "p", Steps: 20, CFGScale: 7, Seed: 1, Width: 64, Height: 64,
			Extra: []KV{
				{"Version", "v1"}, {"My extension", "on"}, {"Variation seed strength", "0.2"},
				{"RNG", "CPU"}, {"VAE", "kl-f8"}, {"Variation seed", "5"}, {"Steps", "99"},
			},
		}, "p\nSteps: 20, CFG scale: 7, Seed: 1, Size: 64x64, VAE: kl-f8, Variation seed: 5, Variation seed strength: 0.2, RNG: CPU, My extension: on, Version: v1"},
		{"quoting follows JSON with unicode kept", Parameters{
			Prompt: "p", Model: "a: b", Sampler: `say "hi"`,
			Extra: []KV{{"Note", "line1\nline2\t\"q\" 猫, \\"}, {"Empty", ""}, {"Spaced", " x "}, {"Quoted", `"x"`}, {"Flag", "Flag"}, {"Bad, key:\nname", "v"}},
		}, "p\n" + `Steps: 0, Sampler: say "hi", CFG scale: 0, Seed: 0, Model: "a: b", Note: "line1\nline2\t\"q\" 猫, \\", Empty: "", Spaced: " x ", Quoted: "\"x\"", Flag, Bad key name: v`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FormatA1111(tt.p))
		})
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	p := Parameters{
		Prompt:         "a castle on a hill,\n(masterpiece:1.2), [fog:0.3]\nBREAK sky",
		NegativePrompt: "ugly, \"bad\" hands\nwatermark",
		Steps:          32, Sampler: "DPM++ 2M SDE", Schedule: "Exponential", CFGScale: 6.25,
		Seed: 4294967295, Width: 1024, Height: 576, ModelHash: "31e35c80fc", Model: "sdxl, base",
		DenoisingStrength: ptr(0.35), ClipSkip: 2,
		Extra: []KV{
			{"VAE", "sdxl_vae.safetensors"}, {"Hires upscale", "1.5"}, {"Hires upscaler", "R-ESRGAN 4x+"},
			{"Lora hashes", "detail: 1a2b3c, style: 4d5e6f"}, {"Civitai resources", `[{"a":1,"b":[2,3]}]`},
			{"Empty", ""}, {"Version", "dreamlayer 0.1.0"},
		},
	}
	got, err := ParseA1111(FormatA1111(p))
	require.NoError(t, err)
	assert.Equal(t, p, got)
}

func TestSplitSchedule(t *testing.T) {
	tests := []struct{ in, name, sched string }{
		{"DPM++ 2M Karras", "DPM++ 2M", "Karras"},
		{"DPM++ 2M SDE Exponential", "DPM++ 2M SDE", "Exponential"},
		{"DPM++ SDE Karras", "DPM++ SDE", "Karras"},
		{"Euler SGM Uniform", "Euler", "SGM Uniform"},
		{"DPM++ 2M align_your_steps", "DPM++ 2M", "Align Your Steps"},
		{"Euler a", "Euler a", ""},
		{"DDIM", "DDIM", ""},
		{"Karras", "Karras", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, sched, _ := splitSchedule(tt.in)
			assert.Equal(t, tt.name, name)
			assert.Equal(t, tt.sched, sched)
		})
	}
}
