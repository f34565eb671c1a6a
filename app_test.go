package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/generation"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/studio"
)

// recordingOpener stands in for the OS file manager, the edge of the outside world.
type recordingOpener struct{ opened, revealed []string }

func (r *recordingOpener) Open(path string) error { r.opened = append(r.opened, path); return nil }
func (r *recordingOpener) Reveal(path string) error {
	r.revealed = append(r.revealed, path)
	return nil
}

func newTestApp(t *testing.T) (*App, *recordingOpener, string) {
	t.Helper()
	keyring.MockInit()
	for _, v := range []string{"OPENAI_API_KEY", "IDEOGRAM_API_KEY", "BFL_API_KEY"} {
		t.Setenv(v, "")
	}
	home := t.TempDir()
	layout, err := paths.ResolveFrom(func(k string) string {
		if k == paths.HomeEnv {
			return home
		}
		return ""
	}, "linux", home)
	require.NoError(t, err)
	opener := &recordingOpener{}
	st, err := studio.Open(studio.Options{Layout: &layout, Opener: opener})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return NewApp(st, &events.Relay{}), opener, home
}

func TestAppSettingsRoundTripAndValidation(t *testing.T) {
	app, _, _ := newTestApp(t)
	cur, err := app.GetSettings()
	require.NoError(t, err)
	cur.Generation.Steps = 33
	saved, err := app.SaveSettings(cur)
	require.NoError(t, err)
	assert.Equal(t, 33, saved.Generation.Steps)
	again, err := app.GetSettings()
	require.NoError(t, err)
	assert.Equal(t, 33, again.Generation.Steps)

	cur.Generation.Steps = 0
	_, err = app.SaveSettings(cur)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "generation.steps")
}

func TestAppKeysShowOnlyTheirState(t *testing.T) {
	app, _, _ := newTestApp(t)
	const key = "sk-app-test-abcdefgh12345678"
	st, err := app.SetKey("openai", key)
	require.NoError(t, err)
	assert.True(t, st.Set)
	assert.Equal(t, "5678", st.Last4)

	state, err := app.GetKeyState()
	require.NoError(t, err)
	for _, k := range state.Keys {
		assert.NotContains(t, k.Last4+k.Name+k.Source, key)
	}
	_, err = app.SetKey("nosuch", key)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)

	st, err = app.DeleteKey("openai")
	require.NoError(t, err)
	assert.False(t, st.Set)
}

func TestAppModelsFolderAndGallery(t *testing.T) {
	app, opener, home := newTestApp(t)
	require.NoError(t, app.OpenModelsFolder("Stable-diffusion"))
	require.NoError(t, app.OpenModelsFolder(""))
	assert.Equal(t, []string{filepath.Join(home, "models", "checkpoints"), filepath.Join(home, "models")}, opener.opened)
	assert.Error(t, app.OpenModelsFolder("not-a-kind"))
	assert.Error(t, app.RevealModel("missing"))

	page, err := app.ListOutputs("", 0, 50)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Equal(t, 0, page.Total)

	models, err := app.ListModels()
	require.NoError(t, err)
	assert.Empty(t, models)
}

func TestAppPromptsAndStyles(t *testing.T) {
	app, _, _ := newTestApp(t)
	a, err := app.RandomPrompt(7)
	require.NoError(t, err)
	b, err := app.RandomPrompt(7)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same seed gives the same prompt")
	assert.NotEmpty(t, a.Positive)

	styles, err := app.ListStyles()
	require.NoError(t, err)
	require.NotEmpty(t, styles)
	styles, err = app.SaveStyle(styles[0])
	require.NoError(t, err)
	n := len(styles)
	styles, err = app.DeleteStyle(styles[0].Name)
	require.NoError(t, err)
	assert.Len(t, styles, n-1)

	jobs, err := app.ListJobs()
	require.NoError(t, err)
	assert.Empty(t, jobs)
	assert.Error(t, app.CancelJob("nope"))
}

func TestAppGenerationHelpers(t *testing.T) {
	app, _, _ := newTestApp(t)
	_, err := app.Generate(generation.Request{Model: "no-such-id", Prompt: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no-such-id")

	count, err := app.CountTokens("a photo of a cat")
	require.NoError(t, err)
	assert.Equal(t, generation.TokenCount{Tokens: 5, Chunks: 1}, count)

	data := []byte("\x89PNG not really")
	plain, err := app.SaveUpload("drop.png", base64.StdEncoding.EncodeToString(data))
	require.NoError(t, err)
	viaURL, err := app.SaveUpload("drop.png", "data:image/png;base64,"+base64.StdEncoding.EncodeToString(data))
	require.NoError(t, err)
	assert.Equal(t, plain, viaURL)
	stored, err := os.ReadFile(plain)
	require.NoError(t, err)
	assert.Equal(t, data, stored)
	_, err = app.SaveUpload("drop.png", "%%% not base64")
	assert.Error(t, err)
	_, err = app.ReadPNGInfoData(base64.StdEncoding.EncodeToString([]byte("not a png")))
	assert.Error(t, err)
	require.NoError(t, app.ClearFinishedJobs())
}

func TestAppCloudModelsUnlockWithAKey(t *testing.T) {
	app, _, _ := newTestApp(t)
	models, err := app.ListCloudModels()
	require.NoError(t, err)
	providers := map[string]bool{}
	for _, m := range models {
		providers[m.Provider] = true
		assert.True(t, m.Locked, "%s/%s without a key", m.Provider, m.ID)
	}
	assert.Equal(t, map[string]bool{"openai": true, "ideogram": true, "bfl": true}, providers)

	_, err = app.SetKey("openai", "sk-test-unlock-0123456789")
	require.NoError(t, err)
	models, err = app.ListCloudModels()
	require.NoError(t, err)
	for _, m := range models {
		assert.Equal(t, m.Provider != "openai", m.Locked, "%s/%s", m.Provider, m.ID)
	}
	_, err = app.TestKey("nosuch")
	assert.Error(t, err)
}

func TestAppStatsFromHistory(t *testing.T) {
	app, _, _ := newTestApp(t)
	empty, err := app.GetStats(24)
	require.NoError(t, err)
	assert.Zero(t, empty.Jobs)

	// Two finished jobs, 4 s and 8 s for one image each, a minute ago.
	start := time.Now().Add(-time.Minute)
	for i, secs := range []int{4, 8} {
		fin := start.Add(time.Duration(secs) * time.Second)
		require.NoError(t, app.studio.History.RecordJob(t.Context(), jobs.Job{
			ID: fmt.Sprintf("j%d", i), State: jobs.Done, CreatedAt: start, StartedAt: &start, FinishedAt: &fin,
			Request: jobs.Request{Provider: "local", Model: "/m/tiny.safetensors"},
			Outputs: []jobs.Output{{Path: fmt.Sprintf("/o/%d.png", i), Width: 64, Height: 64}},
		}))
	}
	s, err := app.GetStats(24)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Jobs)
	assert.Equal(t, 1.0, s.Outcomes.SuccessRate)
	assert.InDelta(t, 6, s.ImageSeconds.Overall.Median, 1e-9)
	require.Len(t, s.ImageSeconds.ByModel, 1)
	assert.Equal(t, "tiny", s.ImageSeconds.ByModel[0].Label)

	_, err = app.GetStats(-1)
	require.Error(t, err)
}

func TestAppMoveJobErrors(t *testing.T) {
	app, _, _ := newTestApp(t)
	require.ErrorIs(t, app.MoveJob("nope", 0), jobs.ErrNotFound)
}
