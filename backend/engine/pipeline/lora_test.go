package pipeline

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// writeLoRA writes a kohya-style LoRA for the tiny SD 1.x fixture: one
// rank-2 adapter on the first cross-attention's to_k (context 64 → 32).
func writeLoRA(t *testing.T, dir string) string {
	t.Helper()
	f32 := func(n int, scale float32) []byte {
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(scale*float32((i*7)%11-5)))
		}
		return b
	}
	const mod = "lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_k"
	var buf bytes.Buffer
	require.NoError(t, safetensors.Write(&buf, []safetensors.WriteTensor{
		{Name: mod + ".lora_down.weight", DType: safetensors.DType("F32"), Shape: []int64{2, 64}, Data: f32(2*64, 0.5)},
		{Name: mod + ".lora_up.weight", DType: safetensors.DType("F32"), Shape: []int64{32, 2}, Data: f32(32*2, 0.5)},
		{Name: mod + ".alpha", DType: safetensors.DType("F32"), Shape: []int64{}, Data: f32(1, 0.4)},
	}, nil))
	p := filepath.Join(dir, "tiny-lora.safetensors")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return p
}

// TestLoRAChangesAndRestores: a LoRA (by path, or by name through the
// prompt tag) changes the image and is recorded in the metadata; the next
// job without it gives the plain model's image again.
func TestLoRAChangesAndRestores(t *testing.T) {
	dir := t.TempDir()
	loraPath := writeLoRA(t, dir)
	e := newEngine(t)
	e.opts.FindLora = func(name string) (string, error) { return filepath.Join(dir, name+".safetensors"), nil }
	req := base(fixture(t, "sd1"))
	plain, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)

	withPath := req
	withPath.Loras = []Lora{{Path: loraPath, Weight: 4}}
	a, err := e.Generate(t.Context(), withPath, nil)
	require.NoError(t, err)
	assert.False(t, bytes.Equal(plain.Images[0].PNG, a.Images[0].PNG), "the LoRA changes the image")
	assert.Contains(t, a.Images[0].Parameters, "Lora hashes: \"tiny-lora: ")

	withTag := req
	withTag.Prompt += " <lora:tiny-lora:4>"
	b, err := e.Generate(t.Context(), withTag, nil)
	require.NoError(t, err)
	assert.Greater(t, maxPixelDiff(decodePNG(t, plain.Images[0].PNG), decodePNG(t, b.Images[0].PNG)), 0)

	again, err := e.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, plain.Images[0].PNG, again.Images[0].PNG, "originals restored")
}
