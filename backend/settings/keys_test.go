package settings

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeys(t *testing.T) {
	keys := Keys()
	assert.True(t, slices.IsSorted(keys))
	assert.Equal(t, []string{
		"cloud.bflBaseURL", "cloud.ideogramBaseURL", "cloud.openaiBaseURL",
		"comfyui.servers",
		"engine.device", "engine.idleTimeoutMinutes", "engine.memoryBudgetGB",
		"extraModelRoots",
		"filenamePattern",
		"generation.batchSize", "generation.cfgScale", "generation.checkpoint", "generation.clipSkip",
		"generation.height", "generation.sampler", "generation.scheduler", "generation.seed",
		"generation.steps", "generation.width",
		"logLevel", "modelsRoot", "outputDir", "theme",
	}, keys)
}

// TestKeysAreSettable guards setField's type switch: every key must accept
// the text form of its default value.
func TestKeysAreSettable(t *testing.T) {
	defaults := map[string]string{}
	walk(reflect.TypeFor[Settings](), "", func(key string, idx []int) {
		v := reflect.ValueOf(Defaults()).FieldByIndex(idx)
		if v.Kind() == reflect.Slice {
			defaults[key] = ""
			return
		}
		defaults[key] = fmt.Sprint(v.Interface())
	})
	for _, k := range Keys() {
		s := Defaults()
		require.NoError(t, setField(&s, k, defaults[k]), k)
		assert.Equal(t, Defaults(), s, k)
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		key, value string
		check      func(t *testing.T, s Settings)
	}{
		{"theme", "dark", func(t *testing.T, s Settings) { assert.Equal(t, "dark", s.Theme) }},
		{"THEME", " Light ", func(t *testing.T, s Settings) { assert.Equal(t, "light", s.Theme) }},
		{"generation.steps", "42", func(t *testing.T, s Settings) { assert.Equal(t, 42, s.Generation.Steps) }},
		{"generation.cfgscale", "6.5", func(t *testing.T, s Settings) { assert.InDelta(t, 6.5, s.Generation.CFGScale, 0) }},
		{"generation.seed", "9007199254740993", func(t *testing.T, s Settings) { assert.Equal(t, int64(9007199254740993), s.Generation.Seed) }},
		{"engine.device", "cuda", func(t *testing.T, s Settings) { assert.Equal(t, "cuda", s.Engine.Device) }},
		{"engine.memoryBudgetGB", "12", func(t *testing.T, s Settings) { assert.InDelta(t, 12.0, s.Engine.MemoryBudgetGB, 0) }},
		{"extraModelRoots", ap("a") + ", ," + ap("b") + " ", func(t *testing.T, s Settings) {
			assert.Equal(t, []string{ap("a"), ap("b")}, s.ExtraModelRoots)
		}},
		{"modelsRoot", ap("m"), func(t *testing.T, s Settings) { assert.Equal(t, ap("m"), s.ModelsRoot) }},
		{"generation.checkpoint", "sd15-pruned", func(t *testing.T, s Settings) { assert.Equal(t, "sd15-pruned", s.Generation.Checkpoint) }},
		{"cloud.openaiBaseURL", " http://127.0.0.1:8080/v1 ", func(t *testing.T, s Settings) {
			assert.Equal(t, "http://127.0.0.1:8080/v1", s.Cloud.OpenAIBaseURL)
		}},
		{"comfyui.servers", " http://gpu-a:8188, https://gpu-b.example/ ", func(t *testing.T, s Settings) {
			assert.Equal(t, []string{"http://gpu-a:8188", "https://gpu-b.example"}, s.ComfyUI.Servers)
		}},
		{"cloud.bflBaseURL", "https://proxy.example/bfl", func(t *testing.T, s Settings) {
			assert.Equal(t, "https://proxy.example/bfl", s.Cloud.BFLBaseURL)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			f := newFixture(t)
			got, err := f.st.Set(tt.key, tt.value)
			require.NoError(t, err)
			tt.check(t, got)
			tt.check(t, f.st.Get())
			reloaded, err := NewStore(f.path, nil, nil).Load()
			require.NoError(t, err)
			tt.check(t, reloaded)
		})
	}
}

func TestSetClearsList(t *testing.T) {
	f := newFixture(t)
	_, err := f.st.Set("extraModelRoots", ap("a")+","+ap("b"))
	require.NoError(t, err)
	got, err := f.st.Set("extraModelRoots", "")
	require.NoError(t, err)
	assert.Empty(t, got.ExtraModelRoots)
	assert.NotNil(t, got.ExtraModelRoots, "an empty list, so the JSON says [] not null")
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		key, value, wantErr string
	}{
		{"apiKey", "sk-123", `unknown setting "apiKey"; known keys: cloud.bflBaseURL, `},
		{"version", "2", `unknown setting "version"`},
		{"generation", "x", `unknown setting "generation"`},
		{"", "", "unknown setting"},
		{"generation.steps", "many", `generation.steps: "many" is not a whole number`},
		{"generation.steps", "2.5", `generation.steps: "2.5" is not a whole number`},
		{"generation.steps", "99999999999999999999", "generation.steps: 99999999999999999999 is out of range"},
		{"generation.steps", "0", "generation.steps: 0 is out of range 1–150"},
		{"generation.cfgScale", "NaN", `generation.cfgScale: "NaN" is not a number`},
		{"generation.cfgScale", "1e400", `generation.cfgScale: "1e400" is not a number`},
		{"theme", "blue", `theme: "blue" is not one of system, light, dark`},
		{"outputDir", "relative/out", `outputDir: "relative/out" must be an absolute path`},
		{"comfyui.servers", "http://a:8188,gpu-b:8188", `comfyui.servers[1]: "gpu-b:8188" must start with http:// or https://`},
		{"comfyui.servers", "http://a:8188,http://a:8188/", `comfyui.servers[1]: "http://a:8188" repeats comfyui.servers[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.st.Set(tt.key, tt.value)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, Defaults(), f.st.Get())
			_, statErr := os.Stat(f.path)
			assert.True(t, os.IsNotExist(statErr), "nothing written on error")
		})
	}
}

func TestSetConcurrentKeysAllApplied(t *testing.T) {
	f := newFixture(t)
	sets := map[string]string{
		"theme": "dark", "generation.steps": "33", "generation.width": "768",
		"engine.device": "cpu", "logLevel": "debug", "generation.clipSkip": "2",
	}
	var wg sync.WaitGroup
	for k, v := range sets {
		wg.Go(func() {
			_, err := f.st.Set(k, v)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	got, err := NewStore(f.path, nil, nil).Load()
	require.NoError(t, err)
	assert.Equal(t, "dark", got.Theme)
	assert.Equal(t, 33, got.Generation.Steps)
	assert.Equal(t, 768, got.Generation.Width)
	assert.Equal(t, "cpu", got.Engine.Device)
	assert.Equal(t, "debug", got.LogLevel)
	assert.Equal(t, 2, got.Generation.ClipSkip)
	assert.Len(t, f.rec.all(), len(sets))
}

func TestNoSecretKeys(t *testing.T) {
	for _, k := range Keys() {
		l := strings.ToLower(k)
		for _, bad := range []string{"apikey", "api_key", "token", "secret", "password"} {
			assert.NotContains(t, l, bad)
		}
	}
}
