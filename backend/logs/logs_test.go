package logs

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/natefinch/lumberjack.v2"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{"", slog.LevelInfo, false},
		{" warn ", slog.LevelWarn, false},
		{"warning", slog.LevelWarn, false},
		{"Error", slog.LevelError, false},
		{"verbose", 0, true},
		{"1", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "debug, info, warn, error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestOpenWritesAndFilters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs") // not created yet: Open must create it
	l, err := Open(dir, "info")
	require.NoError(t, err)

	l.Debug("hidden detail")
	l.Info("engine started", "device", "cpu")
	require.NoError(t, l.SetLevel("debug"))
	l.Debug("now visible")
	require.NoError(t, l.SetLevel("error"))
	l.Warn("dropped warning")
	require.NoError(t, l.Close())

	got := readLog(t, filepath.Join(dir, AppFile))
	assert.Contains(t, got, `msg="engine started" device=cpu`)
	assert.Contains(t, got, "now visible")
	assert.NotContains(t, got, "hidden detail")
	assert.NotContains(t, got, "dropped warning")
}

func TestSetLevelRejectsUnknown(t *testing.T) {
	l, err := Open(t.TempDir(), "warn")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	require.Error(t, l.SetLevel("loud"))
	assert.Equal(t, slog.LevelWarn, l.Level.Level(), "a bad level leaves the old one")
}

func TestOpenFileSeparateFiles(t *testing.T) {
	dir := t.TempDir()
	eng, err := OpenFile(dir, EngineFile, "debug")
	require.NoError(t, err)
	acc, err := OpenFile(dir, AccessFile, "")
	require.NoError(t, err)
	eng.Debug("step", "i", 3)
	acc.Info("GET /api/models", "status", 200)
	require.NoError(t, eng.Close())
	require.NoError(t, acc.Close())

	e := readLog(t, filepath.Join(dir, EngineFile))
	a := readLog(t, filepath.Join(dir, AccessFile))
	assert.Contains(t, e, "step")
	assert.NotContains(t, e, "GET /api/models")
	assert.Contains(t, a, "GET /api/models")
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	tests := []struct {
		name, dir, file, level, wantErr string
	}{
		{"bad level", dir, AppFile, "chatty", "chatty"},
		{"empty folder", "", AppFile, "info", "folder is empty"},
		{"name with separator", dir, "../x.log", "info", "not a plain file name"},
		{"folder is a file", filepath.Join(blocker, "logs"), AppFile, "info", "open log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenFile(tt.dir, tt.file, tt.level)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestReopenAppends(t *testing.T) {
	dir := t.TempDir()
	for _, msg := range []string{"first run", "second run"} {
		l, err := Open(dir, "info")
		require.NoError(t, err)
		l.Info(msg)
		require.NoError(t, l.Close())
	}
	got := readLog(t, filepath.Join(dir, AppFile))
	assert.Equal(t, 2, strings.Count(got, "run"))
}

func TestCloseNil(t *testing.T) {
	var l *Logger
	assert.NoError(t, l.Close())
}

func TestRotationLimits(t *testing.T) {
	l, err := Open(t.TempDir(), "info")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	lj, ok := l.closer.(*lumberjack.Logger)
	require.True(t, ok, "file loggers rotate through lumberjack")
	assert.Equal(t, 20, lj.MaxSize, "MB per file")
	assert.Equal(t, 5, lj.MaxBackups)
	assert.False(t, lj.Compress)
}
