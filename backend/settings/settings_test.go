package settings

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ap returns an absolute path on the running system built from parts, so the
// tests hold on Windows as well as Unix.
func ap(parts ...string) string {
	root, err := filepath.Abs(string(filepath.Separator))
	if err != nil {
		panic(err)
	}
	return filepath.Join(append([]string{root}, parts...)...)
}

func TestDefaultsAreValid(t *testing.T) {
	require.NoError(t, Defaults().Validate())
	assert.Equal(t, SchemaVersion, Defaults().Version)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Settings)
		wantErr string // "" means valid
	}{
		{"dark theme", func(s *Settings) { s.Theme = "dark" }, ""},
		{"cloud base URLs", func(s *Settings) {
			s.Cloud = Cloud{OpenAIBaseURL: "http://127.0.0.1:9/v1", IdeogramBaseURL: "https://proxy.example", BFLBaseURL: "https://api.bfl.ai"}
		}, ""},
		{"cloud URL not http", func(s *Settings) { s.Cloud.OpenAIBaseURL = "ftp://x/v1" }, `cloud.openaiBaseURL: "ftp://x/v1" must start with http:// or https://`},
		{"cloud URL relative", func(s *Settings) { s.Cloud.IdeogramBaseURL = "api.ideogram.ai" }, `cloud.ideogramBaseURL: "api.ideogram.ai" must start with http:// or https://`},
		{"cloud URL no host", func(s *Settings) { s.Cloud.BFLBaseURL = "https:///v1" }, `cloud.bflBaseURL: "https:///v1" has no host`},
		{"cloud URL with user", func(s *Settings) { s.Cloud.OpenAIBaseURL = "https://sk:x@h/v1" }, `cloud.openaiBaseURL: "https://sk:x@h/v1" must not contain a user name or password`},
		{"cloud URL with query", func(s *Settings) { s.Cloud.OpenAIBaseURL = "https://h/v1?key=1" }, `cloud.openaiBaseURL: "https://h/v1?key=1" must not have a query or fragment`},
		{"comfyui servers", func(s *Settings) {
			s.ComfyUI.Servers = []string{"http://gpu-box:8188", "https://comfy.example/proxy"}
		}, ""},
		{"comfyui server not http", func(s *Settings) { s.ComfyUI.Servers = []string{"gpu-box:8188"} }, `comfyui.servers[0]: "gpu-box:8188" must start with http:// or https://`},
		{"comfyui server relative", func(s *Settings) { s.ComfyUI.Servers = []string{"http://a:1", "/comfy"} }, `comfyui.servers[1]: "/comfy" must start with http:// or https://`},
		{"comfyui server repeated", func(s *Settings) { s.ComfyUI.Servers = []string{"http://a:1", "http://b:1", "http://a:1"} }, `comfyui.servers[2]: "http://a:1" repeats comfyui.servers[0]`},
		{"too many comfyui servers", func(s *Settings) {
			for i := range MaxComfyServers + 1 {
				s.ComfyUI.Servers = append(s.ComfyUI.Servers, fmt.Sprintf("http://h%d:8188", i))
			}
		}, "comfyui.servers: 17 servers is more than the limit of 16"},
		{"bad theme", func(s *Settings) { s.Theme = "blue" }, `theme: "blue" is not one of system, light, dark`},
		{"bad log level", func(s *Settings) { s.LogLevel = "trace" }, `logLevel: "trace" is not one of debug, info, warn, error`},
		{"absolute models root", func(s *Settings) { s.ModelsRoot = ap("srv", "models") }, ""},
		{"relative models root", func(s *Settings) { s.ModelsRoot = "models" }, `modelsRoot: "models" must be an absolute path`},
		{"relative output dir", func(s *Settings) { s.OutputDir = "out" }, `outputDir: "out" must be an absolute path`},
		{"relative extra root", func(s *Settings) { s.ExtraModelRoots = []string{ap("ok"), "rel"} }, `extraModelRoots[1]: "rel" must be an absolute path`},
		{"control char in path", func(s *Settings) { s.OutputDir = "/a\x00b" }, "outputDir: \"/a\\x00b\" contains control characters"},
		{"too many extra roots", func(s *Settings) { s.ExtraModelRoots = make([]string, MaxExtraModelRoots+1) }, "extraModelRoots: 65 folders is more than the limit of 64"},
		{"cuda", func(s *Settings) { s.Engine.Device = "cuda" }, ""},
		{"bad device", func(s *Settings) { s.Engine.Device = "metal" }, `engine.device: "metal" is not one of auto, cpu, cuda`},
		{"idle never", func(s *Settings) { s.Engine.IdleTimeoutMinutes = 0 }, ""},
		{"idle a day", func(s *Settings) { s.Engine.IdleTimeoutMinutes = 1440 }, ""},
		{"idle too long", func(s *Settings) { s.Engine.IdleTimeoutMinutes = 1441 }, "engine.idleTimeoutMinutes: 1441 is out of range 0–1440"},
		{"negative memory", func(s *Settings) { s.Engine.MemoryBudgetGB = -1 }, "engine.memoryBudgetGB: -1 is out of range 0–4096"},
		{"NaN memory", func(s *Settings) { s.Engine.MemoryBudgetGB = math.NaN() }, "engine.memoryBudgetGB: NaN is out of range"},
		{"bad sampler", func(s *Settings) { s.Generation.Sampler = "magic" }, `generation.sampler: "magic" is not one of euler,`},
		{"karras", func(s *Settings) { s.Generation.Scheduler = "karras" }, ""},
		{"bad scheduler", func(s *Settings) { s.Generation.Scheduler = "cosine" }, `generation.scheduler: "cosine" is not one of normal, karras, exponential, sgm_uniform, simple`},
		{"zero steps", func(s *Settings) { s.Generation.Steps = 0 }, "generation.steps: 0 is out of range 1–150"},
		{"max steps", func(s *Settings) { s.Generation.Steps = 150 }, ""},
		{"too many steps", func(s *Settings) { s.Generation.Steps = 151 }, "generation.steps: 151 is out of range 1–150"},
		{"cfg zero", func(s *Settings) { s.Generation.CFGScale = 0 }, ""},
		{"cfg too high", func(s *Settings) { s.Generation.CFGScale = 30.5 }, "generation.cfgScale: 30.5 is out of range 0–30"},
		{"cfg infinite", func(s *Settings) { s.Generation.CFGScale = math.Inf(1) }, "generation.cfgScale: +Inf is out of range"},
		{"width not multiple of 8", func(s *Settings) { s.Generation.Width = 500 }, "generation.width: 500 is not a multiple of 8"},
		{"height too small", func(s *Settings) { s.Generation.Height = 56 }, "generation.height: 56 is out of range 64–4096"},
		{"height too big", func(s *Settings) { s.Generation.Height = 4104 }, "generation.height: 4104 is out of range 64–4096"},
		{"sdxl size", func(s *Settings) { s.Generation.Width, s.Generation.Height = 1024, 1024 }, ""},
		{"random seed", func(s *Settings) { s.Generation.Seed = -1 }, ""},
		{"big seed", func(s *Settings) { s.Generation.Seed = math.MaxInt64 }, ""},
		{"negative seed", func(s *Settings) { s.Generation.Seed = -2 }, "generation.seed: -2 is invalid"},
		{"clip skip 0", func(s *Settings) { s.Generation.ClipSkip = 0 }, "generation.clipSkip: 0 is out of range 1–12"},
		{"batch 17", func(s *Settings) { s.Generation.BatchSize = 17 }, "generation.batchSize: 17 is out of range 1–16"},
		{"old version", func(s *Settings) { s.Version = 0 }, "version: 0 is not supported"},
		{"checkpoint with newline", func(s *Settings) { s.Generation.Checkpoint = "a\nb" }, "generation.checkpoint: must be a model id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Defaults()
			tt.mutate(&s)
			err := s.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestValidateJoinsAllProblems(t *testing.T) {
	s := Defaults()
	s.Theme = "neon"
	s.Generation.Steps = 0
	s.Generation.Width = 63
	err := s.Validate()
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	assert.Len(t, lines, 3)
	assert.Contains(t, err.Error(), "theme:")
	assert.Contains(t, err.Error(), "generation.steps:")
	assert.Contains(t, err.Error(), "generation.width:")
}

func TestValidateShortensLongValues(t *testing.T) {
	s := Defaults()
	s.Theme = strings.Repeat("x", 10000)
	err := s.Validate()
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200)
}

func TestNormalise(t *testing.T) {
	s := Defaults()
	s.Theme = "  Dark "
	s.Engine.Device = "CUDA"
	s.Generation.Sampler = " Euler_A"
	s.Generation.Checkpoint = " sd15-abc \t"
	s.ModelsRoot = " " + ap("srv", "models") + "/../models/ "
	s.ExtraModelRoots = []string{ap("a") + "/", "", " " + ap("a"), ap("b") + "//c"}
	input := slices.Clone(s.ExtraModelRoots)
	n := s.normalise()
	assert.Equal(t, "dark", n.Theme)
	assert.Equal(t, "cuda", n.Engine.Device)
	assert.Equal(t, "euler_a", n.Generation.Sampler)
	assert.Equal(t, "sd15-abc", n.Generation.Checkpoint)
	assert.Equal(t, ap("srv", "models"), n.ModelsRoot)
	assert.Equal(t, []string{ap("a"), ap("b", "c")}, n.ExtraModelRoots)
	assert.Equal(t, input, s.ExtraModelRoots, "input slice untouched")

	s.ComfyUI.Servers = []string{" http://a:8188/ ", "", "http://b:8188"}
	n = s.normalise()
	assert.Equal(t, []string{"http://a:8188", "http://b:8188"}, n.ComfyUI.Servers)
	assert.Equal(t, " http://a:8188/ ", s.ComfyUI.Servers[0], "input slice untouched")
	s.ComfyUI.Servers = []string{"http://a:8188/", "http://a:8188"}
	assert.ErrorContains(t, s.normalise().Validate(), "repeats", "a trailing slash does not make a second server")
}

func TestFilenamePatternIsNormalisedAndValidated(t *testing.T) {
	s := Defaults()
	assert.Equal(t, DefaultFilenamePattern, s.FilenamePattern)
	s.FilenamePattern = "   "
	assert.Equal(t, DefaultFilenamePattern, s.normalise().FilenamePattern, "blank means the default")
	for _, bad := range []string{"out/[seed]", `a\b`, strings.Repeat("x", MaxFilenamePattern+1)} {
		s.FilenamePattern = bad
		err := s.normalise().Validate()
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "filenamePattern")
	}
	s.FilenamePattern = "[seed]-[model_name]"
	assert.NoError(t, s.normalise().Validate())
}
