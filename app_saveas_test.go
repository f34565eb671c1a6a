package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/dreamlayer/dreamlayer/backend/generation"
	"github.com/dreamlayer/dreamlayer/backend/history"
)

// addOutput writes an image file and records it as an output.
func addOutput(t *testing.T, app *App, dir string, data []byte) history.OutputRecord {
	t.Helper()
	path := filepath.Join(dir, "00001-42.png")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	rec, err := app.studio.History.AddOutput(context.Background(), history.OutputRecord{Path: path, Prompt: "a cat", Seed: 42})
	require.NoError(t, err)
	return rec
}

func TestAppSaveOutputAs(t *testing.T) {
	app, _, _ := newTestApp(t)
	data := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x10tEXtparameters\x00a cat, Seed: 42")
	rec := addOutput(t, app, t.TempDir(), data)
	dest := t.TempDir()

	tests := []struct {
		name   string
		answer string // what the dialog returns
		want   string // the path written; "" for none
	}{
		{name: "chosen path", answer: filepath.Join(dest, "keep.png"), want: filepath.Join(dest, "keep.png")},
		{name: "name without an extension", answer: filepath.Join(dest, "bare"), want: filepath.Join(dest, "bare.png")},
		{name: "cancelled", answer: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked runtime.SaveDialogOptions
			got, err := app.saveOutputAs(rec.ID, func(o runtime.SaveDialogOptions) (string, error) {
				asked = o
				return tc.answer, nil
			})
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, "00001-42.png", asked.DefaultFilename)
			require.Len(t, asked.Filters, 1)
			assert.Equal(t, "*.png", asked.Filters[0].Pattern)
			if tc.want != "" {
				written, err := os.ReadFile(tc.want)
				require.NoError(t, err)
				assert.Equal(t, data, written)
			}
		})
	}
}

func TestAppSaveOutputAsErrors(t *testing.T) {
	app, _, _ := newTestApp(t)
	data := []byte("\x89PNG\r\n\x1a\nimage")
	rec := addOutput(t, app, t.TempDir(), data)
	never := func(runtime.SaveDialogOptions) (string, error) {
		t.Fatal("the dialog must not open for an unknown output")
		return "", nil
	}

	_, err := app.saveOutputAs("no-such-id", never)
	require.ErrorIs(t, err, history.ErrNotFound)

	_, err = app.saveOutputAs(rec.ID, func(runtime.SaveDialogOptions) (string, error) { return rec.Path, nil })
	require.ErrorIs(t, err, generation.ErrSameFile)
	got, rerr := os.ReadFile(rec.Path)
	require.NoError(t, rerr)
	assert.Equal(t, data, got, "the output survives an attempt to save over itself")

	_, err = app.saveOutputAs(rec.ID, func(runtime.SaveDialogOptions) (string, error) {
		return filepath.Join(t.TempDir(), "missing", "x.png"), nil
	})
	require.Error(t, err)

	boom := errors.New("dialog failed")
	_, err = app.saveOutputAs(rec.ID, func(runtime.SaveDialogOptions) (string, error) { return "", boom })
	require.ErrorIs(t, err, boom)
}
