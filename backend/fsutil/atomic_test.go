package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entries lists a directory so tests can prove no temporary file is left.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, 0, len(des))
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte // nil: no file before the write
		data     []byte
	}{
		{name: "new file", data: []byte(`{"a":1}`)},
		{name: "replace longer with shorter", existing: []byte("0123456789"), data: []byte("ab")},
		{name: "replace with empty", existing: []byte("old"), data: []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "settings.json")
			if tt.existing != nil {
				require.NoError(t, os.WriteFile(path, tt.existing, 0o644))
			}
			require.NoError(t, WriteFileAtomic(path, tt.data, 0o600))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.data, got)
			assert.Equal(t, []string{"settings.json"}, entries(t, dir), "temporary file left behind")
		})
	}
}

func TestWriteFileAtomicPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, WriteFileAtomic(path, []byte("x"), 0o640))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
}

func TestWriteFileAtomicFailureKeepsOldFile(t *testing.T) {
	boom := errors.New("disk full")
	tests := []struct {
		name string
		ops  func() fileOps
	}{
		{name: "write fails", ops: func() fileOps {
			o := osOps()
			o.write = func(f *os.File, data []byte) error {
				// Write part of the data first, as a full disk would.
				_, _ = f.Write(data[:len(data)/2])
				return boom
			}
			return o
		}},
		{name: "rename fails", ops: func() fileOps {
			o := osOps()
			o.rename = func(string, string) error { return boom }
			return o
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "settings.json")
			old := []byte(`{"theme":"dark"}`)
			require.NoError(t, os.WriteFile(path, old, 0o644))

			err := writeFileAtomic(path, []byte(`{"theme":"light","more":"data"}`), 0o644, tt.ops())
			require.ErrorIs(t, err, boom)
			assert.Contains(t, err.Error(), path, "error names the file")

			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, old, got)
			assert.Equal(t, []string{"settings.json"}, entries(t, dir), "temporary file left behind")
		})
	}
}

func TestWriteFileAtomicErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
	}{
		{name: "missing directory", path: filepath.Join(dir, "nope", "f.json")},
		{name: "directory path", path: dir + string(filepath.Separator)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, WriteFileAtomic(tt.path, []byte("x"), 0o644))
		})
	}
}

func TestWriteFileAtomicOverDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(target, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(target, "keep"), []byte("k"), 0o644))
	require.Error(t, WriteFileAtomic(target, []byte("x"), 0o644))
	fi, err := os.Stat(target)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	assert.Equal(t, []string{"out"}, entries(t, dir))
}
