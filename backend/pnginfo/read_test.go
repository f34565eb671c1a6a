package pnginfo

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRoundTripsDreamLayerOutput(t *testing.T) {
	p := Parameters{
		Prompt: "a lighthouse at dusk, 灯台", NegativePrompt: "blurry",
		Steps: 20, Sampler: "DPM++ 2M", Schedule: "Karras", CFGScale: 7, Seed: 1,
		Width: 16, Height: 9, ModelHash: "abcdef1234", Model: "dreamshaper_8",
		DenoisingStrength: ptr(0.75), ClipSkip: 2,
		Extra: []KV{{"Hires upscale", "2"}, {"Lora hashes", "name: hash, name2: hash2"}, {"Version", "dreamlayer 0.1.0"}},
	}
	request := `{"prompt":"a lighthouse at dusk, 灯台","seed":1,"steps":20}`
	file, err := Embed(testPNG(t, 16, 9),
		map[string]string{KeyParameters: FormatA1111(p)},
		map[string]string{KeyDreamLayer: request})
	require.NoError(t, err)

	info, err := Read(bytes.NewReader(file))
	require.NoError(t, err)
	assert.Equal(t, SourceDreamLayer, info.Source)
	assert.JSONEq(t, request, string(info.Request))
	require.NotNil(t, info.Parameters)
	assert.Equal(t, p, *info.Parameters)
	assert.Equal(t, FormatA1111(p), info.Chunks[KeyParameters])

	// Parsing the raw chunk gives the same as Read's Parameters.
	again, err := ParseA1111(info.Chunks[KeyParameters])
	require.NoError(t, err)
	assert.Equal(t, p, again)

	// Info is what the gallery hands to the UI: it must marshal.
	_, err = json.Marshal(info)
	require.NoError(t, err)
}

func TestReadSources(t *testing.T) {
	comfy := string(readTestdata(t, "comfy_hires.json"))
	comfyWant, err := ComfyParameters([]byte(comfy))
	require.NoError(t, err)

	tests := []struct {
		name       string
		text, itxt map[string]string
		wantSource string
		wantPrompt string // "" when no Parameters are expected
		check      func(t *testing.T, info Info)
	}{
		{
			name:       "A1111",
			text:       map[string]string{KeyParameters: infotextHires},
			wantSource: SourceA1111, wantPrompt: "masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, <lora:add_detail:0.6>",
		},
		{
			name:       "A1111 unicode prompt in iTXt",
			text:       map[string]string{KeyParameters: infotextUnicode},
			wantSource: SourceA1111, wantPrompt: "猫の絵, 桜, Steps: staircase, Sampler: none, CFG scale: big",
		},
		{
			name:       "ComfyUI",
			text:       map[string]string{KeyComfyPrompt: comfy, KeyComfyWorkflow: `{"last_node_id": 12, "nodes": []}`},
			wantSource: SourceComfyUI, wantPrompt: comfyWant.Prompt,
			check: func(t *testing.T, info Info) {
				assert.Equal(t, comfyWant, *info.Parameters)
				assert.JSONEq(t, comfy, string(info.ComfyPrompt))
				assert.JSONEq(t, `{"last_node_id": 12, "nodes": []}`, string(info.ComfyWorkflow))
			},
		},
		{
			name:       "InvokeAI 4",
			text:       map[string]string{KeyInvokeAI: string(readTestdata(t, "invokeai_v4.json")), "invokeai_graph": `{"id":"g"}`},
			wantSource: SourceInvokeAI, wantPrompt: "a majestic lion, golden hour",
			check: func(t *testing.T, info Info) {
				assert.Equal(t, Parameters{
					Prompt: "a majestic lion, golden hour", NegativePrompt: "cartoon", Steps: 30,
					Sampler: "dpmpp_2m_k", CFGScale: 7.5, Seed: 1913946546, Width: 1024, Height: 1024,
					ModelHash: "blake3:98e1a4f1c2d3", Model: "Juggernaut XL v9",
				}, *info.Parameters)
				assert.Equal(t, `{"id":"g"}`, info.Chunks["invokeai_graph"])
			},
		},
		{
			name:       "InvokeAI 3 img2img",
			text:       map[string]string{KeyInvokeAI: string(readTestdata(t, "invokeai_v3.json"))},
			wantSource: SourceInvokeAI, wantPrompt: "watercolor harbour",
			check: func(t *testing.T, info Info) {
				assert.Equal(t, Parameters{
					Prompt: "watercolor harbour", Steps: 25, Sampler: "euler", CFGScale: 7, Seed: 77,
					Width: 512, Height: 512, Model: "stable-diffusion-v1-5", DenoisingStrength: ptr(0.55),
				}, *info.Parameters)
			},
		},
		{
			name:       "InvokeAI 2",
			text:       map[string]string{KeyInvokeAILegacy: string(readTestdata(t, "invokeai_v2.json")), "Dream": `"a cabin in the woods [blurry]" -s 50 -S 3823045678 -W 512 -H 512 -C 7.5 -A k_lms`},
			wantSource: SourceInvokeAI, wantPrompt: "a cabin in the woods [blurry]",
			check: func(t *testing.T, info Info) {
				assert.Equal(t, Parameters{
					Prompt: "a cabin in the woods [blurry]", Steps: 50, Sampler: "k_lms", CFGScale: 7.5,
					Seed: 3823045678, Width: 512, Height: 512, Model: "stable-diffusion-1.5",
					ModelHash: "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516",
				}, *info.Parameters)
			},
		},
		{
			name:       "parameters win over a ComfyUI graph",
			text:       map[string]string{KeyParameters: infotextOldSampler, KeyComfyPrompt: comfy},
			wantSource: SourceA1111, wantPrompt: "a photograph of an astronaut riding a horse",
			check: func(t *testing.T, info Info) {
				assert.NotNil(t, info.ComfyPrompt)
			},
		},
		{
			name:       "no metadata",
			text:       map[string]string{"Software": "GIMP"},
			wantSource: SourceNone,
		},
		{
			// Another tool's plain-text "prompt" is not a ComfyUI graph, and
			// ComfyUI graphs with Python's NaN are not JSON: both stay raw.
			name:       "text that is not JSON",
			text:       map[string]string{KeyComfyPrompt: "a cat", KeyComfyWorkflow: `{"x": NaN}`, KeyDreamLayer: "{"},
			wantSource: SourceNone,
			check: func(t *testing.T, info Info) {
				assert.Nil(t, info.ComfyPrompt)
				assert.Nil(t, info.ComfyWorkflow)
				assert.Nil(t, info.Request)
				assert.Equal(t, "a cat", info.Chunks[KeyComfyPrompt])
			},
		},
		{
			name:       "ComfyUI graph without a sampler",
			text:       map[string]string{KeyComfyPrompt: `{"1": {"class_type": "SaveImage", "inputs": {}}}`},
			wantSource: SourceComfyUI,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, err := Embed(testPNG(t, 4, 4), tt.text, tt.itxt)
			require.NoError(t, err)
			info, err := Read(bytes.NewReader(file))
			require.NoError(t, err)
			assert.Equal(t, tt.wantSource, info.Source)
			if tt.wantPrompt == "" {
				assert.Nil(t, info.Parameters)
			} else {
				require.NotNil(t, info.Parameters)
				assert.Equal(t, tt.wantPrompt, info.Parameters.Prompt)
			}
			for k, v := range tt.text {
				assert.Equal(t, v, info.Chunks[k])
			}
			if tt.check != nil {
				tt.check(t, info)
			}
		})
	}
}

func TestReadRepeatedKeywordLastWins(t *testing.T) {
	chunks := listChunks(t, testPNG(t, 2, 2))
	file := buildPNG(chunks[0],
		rawChunk{TypeText, []byte("parameters\x00first\nSteps: 1, CFG scale: 1, Seed: 1")},
		rawChunk{TypeText, []byte("parameters\x00second\nSteps: 2, CFG scale: 2, Seed: 2")},
		chunks[1], chunks[2])
	info, err := Read(bytes.NewReader(file))
	require.NoError(t, err)
	require.NotNil(t, info.Parameters)
	assert.Equal(t, "second", info.Parameters.Prompt)
}

func TestReadErrors(t *testing.T) {
	file, err := Embed(testPNG(t, 4, 4), map[string]string{KeyParameters: infotextHires}, nil)
	require.NoError(t, err)
	chunks := listChunks(t, file)
	textAt := 8 + 25 + 8
	require.Equal(t, TypeText, chunks[1].typ)
	corrupt := bytes.Clone(file)
	corrupt[textAt+20] ^= 1

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"garbage", []byte("this is not an image at all"), ErrNotPNG},
		{"truncated in text", file[:textAt+30], ErrTruncated},
		{"CRC mismatch", corrupt, ErrCRC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.data))
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "read PNG metadata")
		})
	}
}
