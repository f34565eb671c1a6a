package generation

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pngWithText is a PNG signature, an IHDR and a tEXt "parameters" chunk:
// enough to see that metadata bytes are copied unchanged.
func pngWithText() []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, "\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55"...)
	b = append(b, "\x00\x00\x00\x18tEXtparameters\x00a cat, Steps: 3"...)
	return append(b, 0, 1, 2, 0xff)
}

func TestCopyImageCopiesBytesExactly(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "out.png")
	data := pngWithText()
	require.NoError(t, os.WriteFile(src, data, 0o644))

	tests := []struct {
		name string
		dst  string
		pre  []byte // an existing file at dst, replaced by the copy
	}{
		{name: "new file", dst: filepath.Join(dir, "copy.png")},
		{name: "replaces another file", dst: filepath.Join(dir, "old.png"), pre: []byte("older and longer content than the image")},
		{name: "another folder", dst: filepath.Join(t.TempDir(), "elsewhere.png")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pre != nil {
				require.NoError(t, os.WriteFile(tc.dst, tc.pre, 0o644))
			}
			require.NoError(t, CopyImage(src, tc.dst))
			got, err := os.ReadFile(tc.dst)
			require.NoError(t, err)
			assert.Equal(t, data, got)
			still, err := os.ReadFile(src)
			require.NoError(t, err)
			assert.Equal(t, data, still, "the source is untouched")
		})
	}
}

func TestCopyImageRefusesTheSource(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "out.png")
	data := pngWithText()
	require.NoError(t, os.WriteFile(src, data, 0o644))
	link := filepath.Join(dir, "link.png")
	require.NoError(t, os.Symlink(src, link))
	hard := filepath.Join(dir, "hard.png")
	require.NoError(t, os.Link(src, hard))

	for name, dst := range map[string]string{
		"same path":      src,
		"other spelling": filepath.Join(dir, ".", "sub", "..", "out.png"),
		"symlink":        link,
		"hard link":      hard,
	} {
		t.Run(name, func(t *testing.T) {
			err := CopyImage(src, dst)
			require.ErrorIs(t, err, ErrSameFile)
			got, rerr := os.ReadFile(src)
			require.NoError(t, rerr)
			assert.Equal(t, data, got, "the source survives")
		})
	}
}

func TestCopyImageErrors(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "out.png")
	require.NoError(t, os.WriteFile(src, pngWithText(), 0o644))

	tests := []struct {
		name, src, dst, want string
	}{
		{name: "no destination", src: src, dst: "", want: "no destination"},
		{name: "missing source", src: filepath.Join(dir, "gone.png"), dst: filepath.Join(dir, "x.png"), want: "gone.png"},
		{name: "source is a folder", src: dir, dst: filepath.Join(dir, "x.png"), want: "not a file"},
		{name: "destination folder missing", src: src, dst: filepath.Join(dir, "no", "such", "x.png"), want: "x.png"},
		{name: "destination is a folder", src: src, dst: t.TempDir(), want: "save image to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CopyImage(tc.src, tc.dst)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "x.png"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no partial file is left behind")
}
