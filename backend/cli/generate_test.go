package cli

import (
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// tinyModel writes a tiny SD 1.x checkpoint with the real key layout.
func tinyModel(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "tiny-sd1.safetensors")
	require.NoError(t, fixtures.Write(p, fixtures.SD1, false, 3))
	return p
}

// TestGenerateAndPNGInfoRoundTrip is the must-show: generate on a
// tiny fixture writes a PNG whose parameters parse back through pnginfo
// --json to the same prompt, seed, steps, sampler and size, and a second run
// gives identical bytes.
func TestGenerateAndPNGInfoRoundTrip(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	args := func(out string) []string {
		return []string{"generate", "--model", model, "--prompt", "a photo of a cat", "--negative", "ugly",
			"--steps", "2", "--sampler", "DPM++ 2M", "--seed", "1234", "--width", "64", "--height", "48",
			"--out", out, "--threads", "1"}
	}
	var files []string
	for i := 0; i < 2; i++ {
		code, out, stderr := h.run("", args(t.TempDir())...)
		require.Equal(t, 0, code, stderr)
		path := strings.TrimSpace(out)
		require.FileExists(t, path)
		assert.Contains(t, stderr, "sample 2/2", "plain progress lines off a terminal")
		files = append(files, path)
	}
	a, err := os.ReadFile(files[0])
	require.NoError(t, err)
	b, err := os.ReadFile(files[1])
	require.NoError(t, err)
	require.Equal(t, a, b, "two runs give identical bytes")

	code, out, stderr := h.run("", "pnginfo", files[0], "--json")
	require.Equal(t, 0, code, stderr)
	var info struct {
		Source     string `json:"source"`
		Parameters struct {
			Prompt         string `json:"prompt"`
			NegativePrompt string `json:"negative_prompt"`
			Seed           int64  `json:"seed"`
			Steps          int    `json:"steps"`
			Sampler        string `json:"sampler"`
			Width          int    `json:"width"`
			Height         int    `json:"height"`
		} `json:"parameters"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &info))
	p := info.Parameters
	assert.Equal(t, "dreamlayer", info.Source)
	assert.Equal(t, "a photo of a cat", p.Prompt)
	assert.Equal(t, "ugly", p.NegativePrompt)
	assert.Equal(t, int64(1234), p.Seed)
	assert.Equal(t, 2, p.Steps)
	assert.Equal(t, "DPM++ 2M", p.Sampler)
	assert.Equal(t, [2]int{64, 48}, [2]int{p.Width, p.Height})

	code, out, _ = h.run("", "pnginfo", files[0])
	require.Equal(t, 0, code)
	assert.Contains(t, out, "Steps: 2, Sampler: DPM++ 2M")
}

// TestGenerateResolvesModelNames: a bare name is found under the studio's
// model folders, and without --out images go to the studio's outputs.
func TestGenerateResolvesModelNames(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.home, "models", "checkpoints")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	tinyModel(t, dir)
	code, out, stderr := h.run("", "generate", "--model", "tiny-sd1", "--prompt", "x", "--steps", "1",
		"--width", "64", "--height", "64", "--seed", "1")
	require.Equal(t, 0, code, stderr)
	path := strings.TrimSpace(out)
	require.FileExists(t, path)
	assert.True(t, strings.HasPrefix(path, h.home), "%s is under the studio home %s", path, h.home)

	code, _, stderr = h.run("", "generate", "--model", "no-such-model", "--prompt", "x")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no-such-model")
}

func TestGenerateUsageErrors(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"generate", "--prompt", "x"}, "--model"},
		{"bad lora weight", []string{"generate", "--model", model, "--lora", "a:b"}, "weight"},
		{"bad width", []string{"generate", "--model", model, "--width", "65", "--out", t.TempDir()}, "Width"},
		{"bad sampler", []string{"generate", "--model", model, "--sampler", "nope", "--out", t.TempDir()}, "Sampler"},
		{"stray argument", []string{"generate", "--model", model, "extra"}, "extra"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := h.run("", tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.want)
		})
	}
}

func TestPNGInfoErrors(t *testing.T) {
	h := newHarness(t)
	code, _, _ := h.run("", "pnginfo")
	assert.Equal(t, 2, code)
	bad := filepath.Join(t.TempDir(), "x.png")
	require.NoError(t, os.WriteFile(bad, []byte("not a png"), 0o644))
	code, _, stderr := h.run("", "pnginfo", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not a PNG")
}

// TestBenchGenerateJSON: bench generate prints one JSON object with the
// stage timings and peak memory.
func TestBenchGenerateJSON(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	code, out, stderr := h.run("", "bench", "generate", "--model", model, "--prompt", "x", "--steps", "2",
		"--width", "64", "--height", "64", "--seed", "3", "--json")
	require.Equal(t, 0, code, stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	for _, k := range []string{"s_per_step", "text_encode_s", "sample_s", "decode_s", "total_s", "peak_rss_mb"} {
		v, ok := got[k].(float64)
		require.True(t, ok, "%s missing in %s", k, out)
		assert.Greater(t, v, 0.0, k)
	}
	assert.Equal(t, 2.0, got["steps"])
	assert.Equal(t, "cpu", got["device"], "--device defaults to cpu")
	assert.NotEmpty(t, got["device_description"])
	assert.InDelta(t, 1/got["s_per_step"].(float64), got["it_per_s"], 1e-9*got["it_per_s"].(float64))
	peak, ok := got["peak_device_mb"].(float64)
	require.True(t, ok, "peak_device_mb missing in %s", out)
	assert.GreaterOrEqual(t, peak, 0.0)
}

// TestBenchGenerateCPUProfile: --cpuprofile leaves a pprof profile (gzip'd
// protobuf) of the run, and a path that cannot be written is an error
// before any work.
func TestBenchGenerateCPUProfile(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	model := tinyModel(t, dir)
	prof := filepath.Join(dir, "gen.pprof")
	code, _, stderr := h.run("", "bench", "generate", "--model", model, "--prompt", "x", "--steps", "1",
		"--width", "64", "--height", "64", "--json", "--cpuprofile", prof)
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(prof)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err, "a pprof profile is gzip'd")
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.NotEmpty(t, body)

	code, _, stderr = h.run("", "bench", "generate", "--model", model, "--prompt", "x", "--steps", "1",
		"--width", "64", "--height", "64", "--cpuprofile", filepath.Join(dir, "no", "such", "dir", "p"))
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "cpu profile")
}

// TestDeviceFlag: generate and bench generate run on the device --device
// names; a name this binary does not have is a usage error that lists the
// ones it has (the CPU build has no cuda).
func TestDeviceFlag(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	for _, cmd := range [][]string{{"generate"}, {"bench", "generate"}} {
		t.Run(strings.Join(cmd, " ")+" unknown", func(t *testing.T) {
			args := append(append([]string{}, cmd...), "--model", model, "--prompt", "x", "--steps", "1",
				"--width", "64", "--height", "64", "--out", t.TempDir(), "--device", "abacus")
			code, out, stderr := h.run("", args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, stderr, `"abacus"`)
			assert.Contains(t, stderr, "unknown device")
			assert.Contains(t, stderr, "have cpu", "names the devices this binary has")
		})
	}
	t.Run("generate --device cpu matches the default", func(t *testing.T) {
		var files []string
		for _, extra := range [][]string{nil, {"--device", "cpu"}} {
			args := append([]string{"generate", "--model", model, "--prompt", "a cat", "--steps", "1", "--seed", "5",
				"--width", "64", "--height", "64", "--out", t.TempDir(), "--threads", "1"}, extra...)
			code, out, stderr := h.run("", args...)
			require.Equal(t, 0, code, stderr)
			files = append(files, strings.TrimSpace(out))
		}
		a, err := os.ReadFile(files[0])
		require.NoError(t, err)
		b, err := os.ReadFile(files[1])
		require.NoError(t, err)
		assert.Equal(t, a, b)
	})
	t.Run("bench generate --device cpu text report", func(t *testing.T) {
		code, out, stderr := h.run("", "bench", "generate", "--model", model, "--prompt", "x", "--steps", "1",
			"--width", "64", "--height", "64", "--seed", "3", "--device", "cpu", "--threads", "1")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, out, "on cpu (")
		assert.Contains(t, out, ", 1 threads)")
		assert.Contains(t, out, "it/s")
	})
}

// TestGenerateUsesEmbeddingsFromTheModelsFolder: a word naming a file in
// embeddings/ is replaced by that file's vectors.
func TestGenerateUsesEmbeddingsFromTheModelsFolder(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	run := func() []byte {
		out := t.TempDir()
		code, stdout, stderr := h.run("", "generate", "--model", model, "--prompt", "a photo of shinycat",
			"--steps", "2", "--seed", "5", "--width", "64", "--height", "64", "--out", out, "--threads", "1")
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(strings.TrimSpace(stdout))
		require.NoError(t, err)
		return data
	}
	before := run()

	src, err := weights.Open(model)
	require.NoError(t, err)
	info, ok := src.Info("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight")
	require.NoError(t, src.Close())
	require.True(t, ok)
	width := int(info.Shape[1])
	vec := make([]byte, 2*width*4)
	for i := 0; i < 2*width; i++ {
		binary.LittleEndian.PutUint32(vec[4*i:], math.Float32bits(float32(i%5)*0.1))
	}
	dir := filepath.Join(h.home, "models", "embeddings")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, safetensors.WriteFile(filepath.Join(dir, "ShinyCat.safetensors"), []safetensors.WriteTensor{
		{Name: "emb_params", DType: safetensors.F32, Shape: []int64{2, int64(width)}, Data: vec},
	}, nil))

	assert.NotEqual(t, before, run(), "the embedding changes the image")
}

func TestProviderArgFindsTheProviderFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "m", "--provider", "openai"}, "openai"},
		{[]string{"--provider=bfl", "--prompt", "x"}, "bfl"},
		{[]string{"-provider", "ideogram"}, "ideogram"},
		{[]string{"--prompt", "--provider is text here"}, ""},
		{[]string{"--model", "m"}, ""},
		{[]string{"--provider"}, ""},
	} {
		assert.Equal(t, tc.want, providerArg(tc.args), "%q", tc.args)
	}
}

func TestGenerateNamesFilesWithTheSettingsPattern(t *testing.T) {
	h := newHarness(t)
	model := tinyModel(t, t.TempDir())
	code, _, stderr := h.run("", "settings", "set", "filenamePattern", "[seed]-from-settings")
	require.Equal(t, 0, code, stderr)
	out := t.TempDir()
	code, stdout, stderr := h.run("", "generate", "--model", model, "--prompt", "a cat", "--steps", "1",
		"--seed", "77", "--width", "64", "--height", "64", "--out", out, "--threads", "1")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "77-from-settings.png", filepath.Base(strings.TrimSpace(stdout)))
}
