package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoWorkflows is the repository's template folder.
const repoWorkflows = "../../workflows"

func TestTemplatesLoadAndValidate(t *testing.T) {
	user := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(user, "mine.json"), []byte(defaultGraph), 0o644))
	list, err := Catalog{Builtin: repoWorkflows, User: user}.List()
	require.NoError(t, err)
	var names []string
	reg := CoreRegistry()
	for _, tpl := range list {
		names = append(names, tpl.Name)
		g, err := LoadFile(tpl.Path)
		require.NoError(t, err)
		_, err = Validate(g, reg)
		require.NoError(t, err, tpl.Name)
		if tpl.Builtin {
			assert.NotEmpty(t, tpl.Description, tpl.Name)
			assert.Contains(t, tpl.Inputs, "prompt", tpl.Name)
		}
	}
	assert.Equal(t, []string{"hires/hires", "img2img/img2img", "inpaint-model/inpaint-model", "inpaint/inpaint", "txt2img/txt2img", "mine"}, names)
}

func TestBindRunsTemplate(t *testing.T) {
	ex, _ := newTestExecutor(t)
	g, err := LoadFile(filepath.Join(repoWorkflows, "txt2img", "txt2img.json"))
	require.NoError(t, err)
	require.NoError(t, g.Bind("model", "ckpt_name", "tiny.safetensors"))
	require.NoError(t, g.Bind("prompt", "text", "a red fox"))
	require.NoError(t, g.Bind("size", "width", 64))
	require.NoError(t, g.Bind("size", "height", 64))
	require.NoError(t, g.Bind("sampler", "steps", 2))
	assert.Error(t, g.Bind("nope", "x", 1))
	assert.Equal(t, json.Number("64"), g.Nodes["5"].Inputs["width"])
	res, err := ex.Run(t.Context(), g, nil)
	require.NoError(t, err)
	require.Len(t, res.Images, 1)
}
