package workflowjobs

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote/comfytest"
)

func TestTemplatesListBuiltinsAndUserFiles(t *testing.T) {
	e := newEnv(t, false)
	user := e.svc.opts.Catalog.User
	require.NoError(t, os.MkdirAll(user, 0o755))
	mine := `{"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}, "_meta": {"title": "input:size"}},
	  "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}`
	require.NoError(t, os.WriteFile(filepath.Join(user, "mine.json"), []byte(mine), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(user, "broken.json"), []byte("{"), 0o644))

	list, err := e.svc.Templates()
	require.NoError(t, err)
	byID := map[string]Template{}
	for _, tpl := range list {
		byID[tpl.ID] = tpl
	}
	for _, id := range []string{"txt2img/txt2img", "img2img/img2img", "inpaint/inpaint", "hires/hires", "mine"} {
		assert.Contains(t, byID, id)
	}
	assert.NotContains(t, byID, "broken", "a file that does not load is left out")
	txt := byID["txt2img/txt2img"]
	assert.True(t, txt.Builtin)
	assert.Equal(t, "txt2img", txt.Name)
	assert.Contains(t, txt.Description, "Text to image")
	names := []string{}
	for _, in := range txt.Inputs {
		names = append(names, in.Name)
	}
	assert.Equal(t, []string{"model", "negative", "prompt", "sampler", "size"}, names)
	sampler := txt.Inputs[3]
	assert.Equal(t, "3", sampler.Node)
	assert.Equal(t, "KSampler", sampler.Class)
	fields := map[string]Field{}
	for _, f := range sampler.Fields {
		fields[f.Input] = f
	}
	assert.Equal(t, "INT", fields["steps"].Type)
	assert.Equal(t, int64(20), fields["steps"].Value)
	assert.Equal(t, "FLOAT", fields["cfg"].Type)
	assert.Equal(t, 7.0, fields["cfg"].Value)
	assert.Equal(t, "COMBO", fields["sampler_name"].Type)
	assert.Contains(t, fields["sampler_name"].Choices, "euler")
	assert.NotContains(t, fields, "model", "links are not form fields")
	assert.False(t, byID["mine"].Builtin)
}

func TestDescribeOrdersFieldsAndFlagsUnknownNodes(t *testing.T) {
	g, err := workflows.Load([]byte(`{
	  "1": {"class_type": "CLIPTextEncode", "inputs": {"text": "hi", "clip": ["3", 1]}, "_meta": {"title": "input:prompt"}},
	  "2": {"class_type": "FancyCustomNode", "inputs": {"strength": 0.5, "count": 3, "label": "x", "on": true, "nested": {"a": 1}, "src": ["1", 0]}},
	  "3": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}}
	}`))
	require.NoError(t, err)
	w, err := Describe(g, workflows.CoreRegistry())
	require.NoError(t, err)
	require.Len(t, w.Inputs, 1)
	assert.Equal(t, []Field{{Node: "1", Input: "text", Type: "STRING", Value: "hi", Multiline: true}}, w.Inputs[0].Fields)
	require.Len(t, w.Nodes, 3)
	custom := w.Nodes[1]
	assert.False(t, custom.Known)
	assert.Equal(t, []Field{
		{Node: "2", Input: "count", Type: "INT", Value: int64(3)},
		{Node: "2", Input: "label", Type: "STRING", Value: "x"},
		{Node: "2", Input: "on", Type: "BOOLEAN", Value: true},
		{Node: "2", Input: "strength", Type: "FLOAT", Value: 0.5},
	}, custom.Fields, "nested JSON and links are left out; the rest are typed by value")
	assert.Contains(t, w.Problem, "FancyCustomNode", "the graph cannot run locally")
	again, err := workflows.Load([]byte(w.Graph))
	require.NoError(t, err)
	assert.Equal(t, g, again, "Graph round-trips")
}

// pngWith returns a 4×4 PNG with the given text chunks.
func pngWith(t *testing.T, text map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))))
	if len(text) == 0 {
		return buf.Bytes()
	}
	data, err := pnginfo.Embed(buf.Bytes(), text, nil)
	require.NoError(t, err)
	return data
}

func TestLoadReadsJSONAndComfyPNGs(t *testing.T) {
	e := newEnv(t, false)
	graph, err := os.ReadFile(filepath.Join(e.svc.opts.Catalog.Builtin, "txt2img", "txt2img.json"))
	require.NoError(t, err)

	w, err := e.svc.Load("mine.json", graph)
	require.NoError(t, err)
	assert.Equal(t, "json", w.Source)
	assert.Equal(t, "mine.json", w.Name)
	assert.Len(t, w.Nodes, 7)
	assert.Empty(t, w.Problem)

	p, err := e.svc.Load("ComfyUI_0001.png", pngWith(t, map[string]string{"prompt": string(graph), "workflow": "{}"}))
	require.NoError(t, err)
	assert.Equal(t, "png", p.Source)
	assert.Equal(t, w.Graph, p.Graph)

	_, err = e.svc.Load("plain.png", pngWith(t, nil))
	assert.ErrorContains(t, err, "no ComfyUI workflow")
	_, err = e.svc.Load("bad.json", []byte(`{"1": 5}`))
	assert.ErrorIs(t, err, workflows.ErrInvalidGraph)
	_, err = e.svc.Load("cut.png", pngWith(t, map[string]string{"prompt": string(graph)})[:60])
	assert.Error(t, err)
}

func TestSubmitErrors(t *testing.T) {
	e := newEnv(t, false)
	cases := []struct {
		name string
		req  RunRequest
		want string
	}{
		{"unknown target", RunRequest{Template: "txt2img/txt2img", Target: "moon"}, `unknown target "moon"`},
		{"unknown template", RunRequest{Template: "nope"}, "unknown workflow template"},
		{"nothing", RunRequest{}, "neither a template nor a graph"},
		{"bad graph", RunRequest{Graph: "[]"}, "invalid workflow"},
		{"unknown node", RunRequest{Template: "txt2img/txt2img", Values: []Value{{Node: "77", Input: "x", Value: 1.0}}}, "no node 77"},
		{"link", RunRequest{Template: "txt2img/txt2img", Values: []Value{{Node: "3", Input: "model", Value: "x"}}}, "is a link"},
		{"invalid locally", RunRequest{Template: "txt2img/txt2img", Values: []Value{{Node: "3", Input: "steps", Value: "many"}}}, "steps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Submit(t.Context(), tc.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Empty(t, e.queue.List(), "nothing was queued")
}

func TestSubmitLoadedGraphWithValues(t *testing.T) {
	e := newEnv(t, false)
	srv := comfytest.New(t, comfytest.Options{})
	require.NoError(t, e.svc.SetServers([]string{srv.URL}))
	// An unknown node type is left to the server to judge.
	graph := `{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "old", "clip": ["2", 1]}},
	  "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a.safetensors"}},
	  "3": {"class_type": "SomeExtensionNode", "inputs": {"cond": ["1", 0]}}}`
	job, err := e.svc.Submit(t.Context(), RunRequest{Graph: graph, Name: "x.json", Target: TargetRemote,
		Values: []Value{{Node: "1", Input: "text", Value: "new"}}})
	require.NoError(t, err)
	assert.Equal(t, "x.json", job.Request.Model)
	var sent map[string]any
	require.NoError(t, json.Unmarshal([]byte(job.Request.Params[ParamGraph].(string)), &sent))
	assert.Equal(t, "new", sent["1"].(map[string]any)["inputs"].(map[string]any)["text"])
	// The local target validates first.
	_, err = e.svc.Submit(t.Context(), RunRequest{Graph: graph, Target: TargetLocal})
	assert.ErrorIs(t, err, workflows.ErrUnknownClass)
}

func TestFormValueKeepsIntegersIntegers(t *testing.T) {
	assert.Equal(t, int64(20), formValue(20.0))
	assert.Equal(t, 7.5, formValue(7.5))
	assert.Equal(t, "x", formValue("x"))
	assert.Equal(t, 1e300, formValue(1e300), "outside int64 it stays a float")
}

func TestSetServersAndCheck(t *testing.T) {
	e := newEnv(t, false)
	up := comfytest.New(t, comfytest.Options{})
	down := comfytest.New(t, comfytest.Options{})
	down.Down()

	got, err := e.svc.CheckServers(t.Context(), nil)
	require.NoError(t, err)
	assert.Empty(t, got, "no servers configured")

	require.NoError(t, e.svc.SetServers([]string{up.URL}))
	pool := e.svc.currentPool()
	require.NoError(t, e.svc.SetServers([]string{up.URL}))
	assert.Same(t, pool, e.svc.currentPool(), "the same list keeps the pool")

	got, err = e.svc.CheckServers(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Up)

	// A list being edited is checked without being saved.
	got, err = e.svc.CheckServers(t.Context(), []string{up.URL, down.URL})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].Up)
	assert.False(t, got[1].Up)
	assert.NotEmpty(t, got[1].Err)
	assert.Equal(t, []string{up.URL}, e.svc.Servers())

	_, err = e.svc.CheckServers(t.Context(), []string{"ftp://x"})
	assert.Error(t, err)
	assert.Error(t, e.svc.SetServers([]string{"not a url"}))
	require.NoError(t, e.svc.SetServers(nil))
	assert.Nil(t, e.svc.currentPool())
}

func TestInstallTemplatesReplacesStaleFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "builtin")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "old"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "old", "old.json"), []byte("{}"), 0o644))
	src := fstest.MapFS{
		"a/a.json":    {Data: []byte(`{}`)},
		"a/README.md": {Data: []byte("A")},
		"a/notes.txt": {Data: []byte("skip")},
	}
	require.NoError(t, InstallTemplates(src, dir))
	b, err := os.ReadFile(filepath.Join(dir, "a", "a.json"))
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b))
	assert.FileExists(t, filepath.Join(dir, "a", "README.md"))
	assert.NoFileExists(t, filepath.Join(dir, "a", "notes.txt"))
	assert.NoDirExists(t, filepath.Join(dir, "old"))
}

// FuzzLoad feeds Load arbitrary bytes, raw and as a PNG's prompt chunk: it
// must return a workflow or an error, never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"1": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}}`))
	f.Add([]byte(`{"prompt": {"1": {"class_type": "X", "inputs": {"a": ["2", 0]}}}}`))
	f.Add([]byte(`{"1": {"class_type": "KSampler", "inputs": {"seed": 1e400}}}`))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte(`[]`))
	svc := New(nil, Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := svc.Load("f", data)
		if err == nil {
			_, err := workflows.Load([]byte(w.Graph))
			require.NoError(t, err, "a described graph loads again")
		}
		var buf bytes.Buffer
		_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
		if withChunk, err := pnginfo.Embed(buf.Bytes(), map[string]string{"prompt": string(data)}, nil); err == nil {
			_, _ = svc.Load("f.png", withChunk)
		}
	})
}
