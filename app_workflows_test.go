package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/workflowjobs"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
)

func TestAppWorkflowTemplatesAndLoad(t *testing.T) {
	app, _, _ := newTestApp(t)
	list, err := app.ListWorkflowTemplates()
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, tpl := range list {
		ids[tpl.ID] = true
		assert.True(t, tpl.Builtin)
		assert.NotEmpty(t, tpl.Description, tpl.ID)
	}
	for _, id := range []string{"txt2img/txt2img", "img2img/img2img", "inpaint/inpaint", "hires/hires"} {
		assert.True(t, ids[id], id)
	}

	w, err := app.LoadWorkflowTemplate("txt2img/txt2img")
	require.NoError(t, err)
	assert.Equal(t, "template", w.Source)
	assert.Len(t, w.Inputs, 5)

	loaded, err := app.LoadWorkflowData("g.json", base64.StdEncoding.EncodeToString([]byte(w.Graph)))
	require.NoError(t, err)
	assert.Equal(t, w.Nodes, loaded.Nodes)
	_, err = app.LoadWorkflowData("g.json", "%%%")
	assert.ErrorContains(t, err, "not base64")
	_, err = app.LoadWorkflowTemplate("nope")
	assert.ErrorIs(t, err, workflowjobs.ErrUnknownTemplate)
}

func TestAppRunsWorkflowsOnTheSettingsServers(t *testing.T) {
	app, _, _ := newTestApp(t)
	_, err := app.RunWorkflow(workflowjobs.RunRequest{Template: "txt2img/txt2img", Target: workflowjobs.TargetRemote})
	require.ErrorIs(t, err, workflowjobs.ErrNoServers)

	srv := comfytest.New(t, comfytest.Options{})
	cur, err := app.GetSettings()
	require.NoError(t, err)
	cur.ComfyUI.Servers = []string{srv.URL}
	_, err = app.SaveSettings(cur)
	require.NoError(t, err)

	status, err := app.CheckComfyServers(nil)
	require.NoError(t, err)
	require.Len(t, status, 1)
	assert.True(t, status[0].Up)

	job, err := app.RunWorkflow(workflowjobs.RunRequest{Template: "txt2img/txt2img", Target: workflowjobs.TargetRemote,
		Values: []workflowjobs.Value{{Node: "6", Input: "text", Value: "a lighthouse"}}})
	require.NoError(t, err)
	var done jobs.Job
	require.Eventually(t, func() bool {
		done, _ = app.studio.Jobs.Get(job.ID)
		return done.State.Final()
	}, 30*time.Second, 10*time.Millisecond)
	require.Equal(t, jobs.Done, done.State, done.Error)
	require.Len(t, done.Outputs, 1)
	data, err := os.ReadFile(done.Outputs[0].Path)
	require.NoError(t, err)
	assert.Equal(t, comfytest.Image(), data)
	assert.Equal(t, app.studio.OutputDir(), filepath.Dir(done.Outputs[0].Path))

	// The image is in the gallery, found by the job's prompt.
	require.Eventually(t, func() bool {
		page, err := app.ListOutputs("lighthouse", 0, 10)
		return err == nil && len(page.Items) == 1
	}, 10*time.Second, 10*time.Millisecond)

	// Removing the servers in Settings removes the pool.
	cur.ComfyUI.Servers = []string{}
	_, err = app.SaveSettings(cur)
	require.NoError(t, err)
	status, err = app.CheckComfyServers(nil)
	require.NoError(t, err)
	assert.Empty(t, status)
}
