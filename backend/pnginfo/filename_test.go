package pnginfo

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatFilename(t *testing.T) {
	v := FilenameValues{
		Seed: 2873146516, ModelName: "SD1.5/dreamshaper_8.safetensors",
		Prompt: "(masterpiece:1.2), a cat: on/a \"mat\" <lora:x:0.5> with many more words here",
		Time:   time.Date(2024, 5, 12, 9, 3, 7, 0, time.UTC), Width: 512, Height: 768, Steps: 20,
	}
	tests := []struct {
		pattern, want string
	}{
		{"[seed]", "2873146516"},
		{"[date]_[time]-[seed]", "2024-05-12_090307-2873146516"},
		{"[model_name]-[width]x[height]-[steps]", "dreamshaper_8-512x768-20"},
		{"[SEED]-[Model_Name]", "2873146516-dreamshaper_8"},
		{"[prompt_words]", "masterpiece a cat on a mat lora x"},
		{"[unknown]-[seed]", "[unknown]-2873146516"},
		{"half [open", "half [open"},
		{"a/b\\c:d*e?f\"g<h>i|j\x01k\x7fl", "a_b_c_d_e_f_g_h_i_j_k_l"},
		{"  ..hidden. . ", "hidden"},
		{"", "image"},
		{"...", "image"},
		{"con", "_con"},
		{"CON.[seed]", "_CON.2873146516"},
		{"LPT1 ", "_LPT1"},
		{"com¹", "_com¹"},
		{"console", "console"},
		{"COM10", "COM10"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got := FormatFilename(tt.pattern, v)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, SanitizeFilename(got), "idempotent")
		})
	}
}

func TestSanitizeFilenameCapsLengthOnRuneBoundary(t *testing.T) {
	long := strings.Repeat("猫", 100) // 300 bytes
	got := SanitizeFilename(long)
	assert.LessOrEqual(t, len(got), MaxFilenameLen)
	assert.Equal(t, strings.Repeat("猫", MaxFilenameLen/3), got)

	got = SanitizeFilename(strings.Repeat("a", MaxFilenameLen-1) + " .b")
	assert.Equal(t, strings.Repeat("a", MaxFilenameLen-1), got, "trailing space and dot after the cut are trimmed")

	got = SanitizeFilename("bad\xffutf8")
	assert.Equal(t, "bad_utf8", got)
}

func TestUniquePathNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "cat.png")
	require.NoError(t, os.WriteFile(existing, []byte("keep me"), 0o644))

	p, err := UniquePath(dir, "cat", "png")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "cat-1.png"), p)
	got, err := os.ReadFile(existing)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(got))
	info, err := os.Stat(p)
	require.NoError(t, err)
	assert.Zero(t, info.Size(), "the reservation is an empty file")

	p, err = UniquePath(dir, "cat", ".png")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "cat-2.png"), p)
}

func TestUniquePathConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 40
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = UniquePath(dir, "seed-42", ".png")
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		assert.False(t, seen[p], "duplicate %s", p)
		seen[p] = true
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	assert.Len(t, names, n)
	assert.Contains(t, names, "seed-42.png")
	assert.Contains(t, names, "seed-42-39.png")
}

func TestUniquePathErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := UniquePath(dir, "x", "../png")
	require.ErrorContains(t, err, "invalid extension")
	_, err = UniquePath(dir, "x", ".p:g")
	require.ErrorContains(t, err, "invalid extension")
	_, err = UniquePath(filepath.Join(dir, "missing"), "x", ".png")
	require.ErrorIs(t, err, os.ErrNotExist)

	// The base is sanitised, so it cannot escape dir.
	p, err := UniquePath(dir, "../escape", ".png")
	require.NoError(t, err)
	assert.Equal(t, dir, filepath.Dir(p))
}
