package pnginfo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestComfyParameters(t *testing.T) {
	tests := []struct {
		name string
		file string
		want Parameters
	}{
		{
			// The default graph with a LoRA, CLIP skip and a hires pass whose
			// sampler has the lower id: the base pass is still chosen.
			name: "hires fix", file: "comfy_hires.json",
			want: Parameters{
				Prompt:         "beautiful scenery nature glass bottle landscape, purple galaxy bottle,",
				NegativePrompt: "text, watermark",
				Steps:          20, Sampler: "dpmpp_2m", Schedule: "karras", CFGScale: 8, Seed: 156680208700286,
				Width: 512, Height: 768, Model: "dreamshaper_8", ClipSkip: 2,
			},
		},
		{
			// SDXL: the prompt comes from a string node through
			// CLIPTextEncodeSDXL, both sides pass a ControlNet node, the seed
			// is a 64-bit seed node.
			name: "sdxl controlnet", file: "comfy_sdxl_controlnet.json",
			want: Parameters{
				Prompt: "a red fox in the snow, 猫", NegativePrompt: "blurry, lowres",
				Steps: 30, Sampler: "euler_ancestral", Schedule: "normal", CFGScale: 6.5,
				Seed:  -2, // 18446744073709551614 bit for bit
				Width: 1024, Height: 1024, Model: "sd_xl_base_1.0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComfyParameters(readTestdata(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("seed survives as uint64", func(t *testing.T) {
		got, err := ComfyParameters(readTestdata(t, "comfy_sdxl_controlnet.json"))
		require.NoError(t, err)
		assert.Equal(t, uint64(18446744073709551614), uint64(got.Seed))
	})
}

func TestComfyParametersImg2ImgAndOddGraphs(t *testing.T) {
	img2img := `{
	  "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "models/v1-5.ckpt"}},
	  "2": {"class_type": "LoadImage", "inputs": {"image": "in.png"}},
	  "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["1", 2]}},
	  "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "oil painting", "clip": ["1", 1]}},
	  "5": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["4", 0], "conditioning_2": ["4", 0]}},
	  "6": {"class_type": "KSampler", "inputs": {"seed": 9, "steps": 15.0, "cfg": 5.5, "sampler_name": "euler", "scheduler": "normal", "denoise": 0.6,
	        "model": ["1", 0], "positive": ["5", 0], "negative": ["99", 0], "latent_image": ["3", 0]}},
	  "7": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 448, "batch_size": 1}}
	}`
	got, err := ComfyParameters([]byte(img2img))
	require.NoError(t, err)
	assert.Equal(t, Parameters{
		Prompt: "oil painting", Steps: 15, Sampler: "euler", Schedule: "normal", CFGScale: 5.5, Seed: 9,
		// The latent is an encoded image; the size falls back to the graph's
		// empty latent node.
		Width: 640, Height: 448, Model: "v1-5", DenoisingStrength: ptr(0.6),
	}, got)

	// A cycle of conditioning links ends at the depth limit, not in a hang.
	cyclic := `{"1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "model": ["3", 0]}},
	            "2": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0]}},
	            "3": {"class_type": "LoraLoader", "inputs": {"model": ["3", 0]}}}`
	got, err = ComfyParameters([]byte(cyclic))
	require.NoError(t, err)
	assert.Equal(t, Parameters{}, got)

	// A node linked to itself on every input makes each lookup branch into
	// all value inputs; the walk budget keeps this linear, not 10^64.
	selfLinked := `{"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0], "negative": ["1", 1], "seed": ["1", 0],
	                "steps": ["1", 0], "model": ["1", 0], "value": ["1", 0], "text": ["1", 0], "int": ["1", 0], "conditioning": ["1", 0]}}}`
	got, err = ComfyParameters([]byte(selfLinked))
	require.NoError(t, err)
	assert.Equal(t, Parameters{}, got)

	_, err = ComfyParameters([]byte(`{"1": {"class_type": "SaveImage", "inputs": {}}}`))
	require.ErrorIs(t, err, ErrNoSampler)
	_, err = ComfyParameters([]byte(`[1, 2]`))
	require.Error(t, err)
}

func TestModelStem(t *testing.T) {
	for in, want := range map[string]string{
		"SD1.5\\dreamshaper_8.safetensors": "dreamshaper_8",
		"sdxl/juggernaut.SafeTensors":      "juggernaut",
		"v1-5-pruned-emaonly.ckpt":         "v1-5-pruned-emaonly",
		"model.v2":                         "model.v2",
		".safetensors":                     ".safetensors",
		"":                                 "",
	} {
		assert.Equal(t, want, modelStem(in), in)
	}
}
