package workflows

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaultGraph is ComfyUI's default txt2img workflow in API format, with a
// tiny size and step count.
const defaultGraph = `{
 "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 2, "cfg": 5.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0,
        "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
 "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "tiny.safetensors"}},
 "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
 "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a photo of a cat", "clip": ["4", 1]}},
 "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
 "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}
}`

func TestLoadForms(t *testing.T) {
	bare, err := Load([]byte(defaultGraph))
	require.NoError(t, err)
	wrapped, err := Load([]byte(`{"prompt": ` + defaultGraph + `, "client_id": "x"}`))
	require.NoError(t, err)
	assert.Equal(t, bare, wrapped)
	assert.Equal(t, Link{Node: "4", Output: 1}, bare.Nodes["6"].Inputs["clip"])
	assert.Equal(t, json.Number("42"), bare.Nodes["3"].Inputs["seed"])
	assert.Equal(t, []string{"3", "4", "5", "6", "7", "8", "9"}, bare.IDs())
}

func TestLoadErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"not json", `{`, "not a JSON object"},
		{"array", `[1]`, "not a JSON object"},
		{"empty", `{}`, "no nodes"},
		{"no class", `{"1": {"inputs": {}}}`, "node 1: no class_type"},
		{"node not object", `{"1": 5}`, "node 1: not a node object"},
		{"negative link index", `{"1": {"class_type": "X", "inputs": {"a": ["2", -1]}}}`, "output index -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load([]byte(c.in))
			require.ErrorIs(t, err, ErrInvalidGraph)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	g, err := Load([]byte(defaultGraph))
	require.NoError(t, err)
	b, err := json.Marshal(g)
	require.NoError(t, err)
	g2, err := Load(b)
	require.NoError(t, err)
	assert.Equal(t, g, g2)
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(defaultGraph))
	f.Add([]byte(`{"prompt": {"1": {"class_type": "SaveImage", "inputs": {"images": [1, 0]}}}}`))
	f.Add([]byte(`{"1": {"class_type": "A", "inputs": {"x": ["1", 0]}}}`))
	f.Add([]byte(`{"1": {"class_type": "KSampler", "inputs": {"seed": 1e400}}}`))
	reg := CoreRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Load(data)
		if err != nil {
			return
		}
		if _, err := Validate(g, reg); err != nil {
			return
		}
		b, err := json.Marshal(g)
		require.NoError(t, err)
		_, err = Load(b)
		require.NoError(t, err)
	})
}
