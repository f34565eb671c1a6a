package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
)

// TestDevTinyModelFamiliesInspect is the must-show: every tiny family
// written by `dev tiny-model` is reported by `models inspect --json` under
// its family label.
func TestDevTinyModelFamiliesInspect(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	tests := []struct {
		family         string
		inpaint, vpred bool
	}{
		{"sd1", false, false},
		{"sd1-inpaint", true, false},
		{"sd2", false, false},
		{"sd2-v", false, true},
		{"sdxl", false, false},
		{"sdxl-refiner", false, false},
	}
	require.Len(t, tests, len(fixtures.Families()), "every family the generator knows is checked")
	for _, tc := range tests {
		t.Run(tc.family, func(t *testing.T) {
			file := filepath.Join(dir, tc.family+".safetensors")
			code, out, errOut := h.run("", "dev", "tiny-model", "--family", tc.family, "--seed", "3", "--out", file)
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "wrote "+file)

			code, out, errOut = h.run("", "models", "inspect", file, "--json")
			require.Equal(t, 0, code, errOut)
			var got struct {
				Kind, Family, Status string
				Inpaint, VPrediction bool
			}
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			assert.Equal(t, "ok", got.Status)
			assert.Equal(t, "checkpoint", got.Kind)
			assert.Equal(t, tc.family, got.Family)
			assert.Equal(t, tc.inpaint, got.Inpaint)
			assert.Equal(t, tc.vpred, got.VPrediction)

			code, out, _ = h.run("", "models", "inspect", file)
			require.Equal(t, 0, code)
			assert.Regexp(t, `family\s+`+tc.family+`\n`, out)
		})
	}
}

func TestDevTinyModelUsage(t *testing.T) {
	h := newHarness(t)
	out := filepath.Join(t.TempDir(), "x.safetensors")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"dev"}, "want: dev tiny-model"},
		{"unknown subcommand", []string{"dev", "huge-model"}, `unknown subcommand "huge-model"`},
		{"no out", []string{"dev", "tiny-model", "--family", "sd1"}, "--out FILE is required"},
		{"unknown family", []string{"dev", "tiny-model", "--family", "sdxl_refiner", "--out", out}, `unknown family "sdxl_refiner"`},
		{"no family", []string{"dev", "tiny-model", "--out", out}, `unknown family ""`},
		{"stray argument", []string{"dev", "tiny-model", "--family", "sd1", "--out", out, "extra"}, `unexpected argument "extra"`},
		{"load-check without file", []string{"dev", "load-check"}, "want exactly one FILE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := h.run("", tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut, tc.want)
		})
	}
	assert.NoFileExists(t, out)
}

// TestDevLoadCheck loads a tiny checkpoint the way a model load does and
// reports what it measured; figures for full-size files come from running
// the command by hand (see the Local engine II notes), not from tests.
func TestDevLoadCheck(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "sd1.safetensors")
	require.NoError(t, fixtures.Write(file, fixtures.SD1, false, 1))
	spec, _, err := fixtures.Spec(fixtures.SD1, false)
	require.NoError(t, err)
	var floats, params int64
	for name, shape := range spec {
		if strings.HasSuffix(name, "position_ids") {
			continue
		}
		floats++
		n := int64(1)
		for _, d := range shape {
			n *= int64(d)
		}
		params += n
	}

	code, out, errOut := h.run("", "dev", "load-check", "--threads", "1", file)
	require.Equal(t, 0, code, errOut)
	var got LoadCheck
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, file, got.File)
	assert.EqualValues(t, floats, got.Tensors)
	assert.Equal(t, params, got.Parameters)
	assert.Equal(t, 2*params, got.DeviceBytes, "F16 weights stay half on the device")
	assert.Equal(t, 1, got.Threads)
	assert.True(t, got.WarmCache)
	assert.Positive(t, got.LoadSecs)
	assert.Positive(t, got.GoHeapLive)
	if got.RSS > 0 { // Linux: /proc/self/status was read
		assert.GreaterOrEqual(t, got.PeakRSS, got.RSS)
		assert.Positive(t, got.RSSAfterGC)
	}

	code, _, errOut = h.run("", "dev", "load-check", filepath.Join(t.TempDir(), "missing.safetensors"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "missing.safetensors")
}

func TestParseProcStatus(t *testing.T) {
	in := "Name:\tdreamlayer\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nRssAnon:\t 12 kB\nThreads:\t4\nBad:\tx kB\nHuge:\t99999999999999999999 kB\n"
	assert.Equal(t, map[string]int64{"VmHWM": 2048 << 10, "VmRSS": 1024 << 10, "RssAnon": 12 << 10},
		parseProcStatus(strings.NewReader(in)))
}

func FuzzParseProcStatus(f *testing.F) {
	f.Add("VmRSS:\t  1024 kB\n")
	f.Add("a:b:c\n:\n kB\n-1 kB\n")
	f.Fuzz(func(t *testing.T, s string) {
		for k, v := range parseProcStatus(strings.NewReader(s)) {
			if v < 0 || v%1024 != 0 || v > 1<<60 || strings.Contains(k, "\n") {
				t.Fatalf("%q: %d", k, v)
			}
		}
	})
}
