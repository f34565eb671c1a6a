package paths

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKindForFolder(t *testing.T) {
	tests := []struct {
		folder string
		want   Kind
		ok     bool
	}{
		{"checkpoints", Checkpoints, true},
		{"Stable-diffusion", Checkpoints, true},
		{"STABLE-DIFFUSION", Checkpoints, true},
		{"Lora", Loras, true},
		{"LyCORIS", Loras, true},
		{"loras", Loras, true},
		{"VAE", VAE, true},
		{"ControlNet", ControlNet, true},
		{"ESRGAN", Upscalers, true},
		{"RealESRGAN", Upscalers, true},
		{"SwinIR", Upscalers, true},
		{"upscale_models", Upscalers, true},
		{"embeddings", Embeddings, true},
		{"taesd", TAESD, true},
		{"vae_approx", TAESD, true},
		{"clip", CLIP, true},
		{"text_encoders", CLIP, true},
		{"unet", UNet, true},
		{"diffusion_models", UNet, true},
		{"models/Lora", Loras, true},
		{`C:\sd\models\Stable-diffusion\`, Checkpoints, true},
		{"hypernetworks", "", false},
		{"", "", false},
		{"lora ", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.folder, func(t *testing.T) {
			got, ok := KindForFolder(tt.folder)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestKindsRoundTrip(t *testing.T) {
	ks := Kinds()
	require.Len(t, ks, 9)
	seen := map[Kind]bool{}
	for _, k := range ks {
		assert.False(t, seen[k], "duplicate kind %s", k)
		seen[k] = true
		got, ok := KindForFolder(string(k))
		assert.True(t, ok, k)
		assert.Equal(t, k, got)
	}
	// Callers may modify the returned slice without affecting later calls.
	ks[0] = "x"
	assert.Equal(t, Checkpoints, Kinds()[0])
}

func TestCreateModelFolders(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "loras"), 0o755))
	keep := filepath.Join(root, "loras", "style.safetensors")
	require.NoError(t, os.WriteFile(keep, []byte("w"), 0o644))

	require.NoError(t, CreateModelFolders(root))
	des, err := os.ReadDir(root)
	require.NoError(t, err)
	var names []string
	for _, de := range des {
		assert.True(t, de.IsDir())
		names = append(names, de.Name())
	}
	assert.ElementsMatch(t, []string{"checkpoints", "loras", "vae", "controlnet", "upscale_models", "embeddings", "taesd", "clip", "unet"}, names)
	b, err := os.ReadFile(keep)
	require.NoError(t, err)
	assert.Equal(t, "w", string(b), "existing files are kept")

	assert.Error(t, CreateModelFolders(" "))
}
