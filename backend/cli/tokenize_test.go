package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenize runs the command directly (the command table is wired by cli.go).
func tokenize(t *testing.T, stdin string, args ...string) ([]int, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut}
	err := runTokenize(t.Context(), env, args)
	if err != nil {
		return nil, err
	}
	var ids []int
	require.NoError(t, json.Unmarshal(out.Bytes(), &ids), "stdout %q", out.String())
	return ids, nil
}

func TestTokenizePrintsWindow(t *testing.T) {
	// "a photo of a cat" in CLIP BPE: 320 1125 539 320 2368.
	head := []int{49406, 320, 1125, 539, 320, 2368, 49407}
	tests := []struct {
		name string
		args []string
		pad  int
	}{
		{"default family is sd1", []string{"--pad", "a photo of a cat"}, 49407},
		{"sd1 pads with end", []string{"--pad", "--family", "sd1", "a photo of a cat"}, 49407},
		{"sd2 pads with zero", []string{"--pad", "--family", "sd2", "a photo of a cat"}, 0},
		{"sdxl pads with zero, flag after text", []string{"a photo of a cat", "--family=sdxl", "--pad"}, 0},
		{"words joined", []string{"a", "photo", "of", "a", "cat", "--pad"}, 49407},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := tokenize(t, "", tt.args...)
			require.NoError(t, err)
			require.Len(t, ids, 77)
			assert.Equal(t, head, ids[:7])
			for _, id := range ids[7:] {
				assert.Equal(t, tt.pad, id)
			}
		})
	}
}

func TestTokenizeDefaultEndsAtTheEndToken(t *testing.T) {
	ids, err := tokenize(t, "", "a photo of a cat")
	require.NoError(t, err)
	assert.Equal(t, []int{49406, 320, 1125, 539, 320, 2368, 49407}, ids)

	ids, err = tokenize(t, "", "--family", "sdxl", "")
	require.NoError(t, err)
	assert.Equal(t, []int{49406, 49407}, ids)

	ids, err = tokenize(t, "", strings.Repeat("cat ", 100))
	require.NoError(t, err)
	require.Len(t, ids, 77, "75 tokens fit between start and end")
	assert.Equal(t, 49407, ids[76])
}

func TestTokenizeRawAndStdin(t *testing.T) {
	ids, err := tokenize(t, "", "--raw", "a photo of a cat")
	require.NoError(t, err)
	assert.Equal(t, []int{320, 1125, 539, 320, 2368}, ids)

	ids, err = tokenize(t, "a photo\nof a cat\n", "--raw", "-")
	require.NoError(t, err)
	assert.Equal(t, []int{320, 1125, 539, 320, 2368}, ids)

	ids, err = tokenize(t, "", "--raw", " ")
	require.NoError(t, err)
	assert.Equal(t, []int{}, ids)

	long, err := tokenize(t, "", "--raw", strings.Repeat("cat ", 100))
	require.NoError(t, err)
	assert.Len(t, long, 100)
	win, err := tokenize(t, "", "--pad", strings.Repeat("cat ", 100))
	require.NoError(t, err)
	require.Len(t, win, 77)
	assert.Equal(t, long[:75], win[1:76])
	assert.Equal(t, 49407, win[76])
}

func TestTokenizeUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"--family", "sd3", "cat"}, {"--nope", "cat"}} {
		_, err := tokenize(t, "", args...)
		assert.ErrorIs(t, err, errUsage, "args %q", args)
	}
}
