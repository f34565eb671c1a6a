package workflows

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(s string) string
		sentinel error
		node     string
		want     string
	}{
		{"unknown class", func(s string) string { return strings.Replace(s, `"VAEDecode"`, `"FancyDecode"`, 1) }, ErrUnknownClass, "8", `"FancyDecode" is not a known node type`},
		{"missing input", func(s string) string { return strings.Replace(s, `"steps": 2, `, "", 1) }, ErrMissingInput, "3", `input "steps"`},
		{"string for int", func(s string) string { return strings.Replace(s, `"steps": 2`, `"steps": "two"`, 1) }, ErrInputType, "3", "wants an integer"},
		{"fraction for int", func(s string) string { return strings.Replace(s, `"steps": 2`, `"steps": 2.5`, 1) }, ErrInputType, "3", "wants an integer"},
		{"out of range", func(s string) string { return strings.Replace(s, `"denoise": 1.0`, `"denoise": 1.5`, 1) }, ErrInputType, "3", "outside"},
		{"unknown sampler", func(s string) string { return strings.Replace(s, `"euler"`, `"eulerish"`, 1) }, ErrInputType, "3", `"eulerish" is not one of`},
		{"literal for link", func(s string) string { return strings.Replace(s, `"model": ["4", 0]`, `"model": "x"`, 1) }, ErrInputType, "3", "wants a link to a MODEL"},
		{"link of wrong type", func(s string) string { return strings.Replace(s, `"model": ["4", 0]`, `"model": ["4", 1]`, 1) }, ErrInputType, "3", "output 1 of node 4 (CheckpointLoaderSimple) is CLIP"},
		{"link to missing node", func(s string) string { return strings.Replace(s, `"images": ["8", 0]`, `"images": ["80", 0]`, 1) }, ErrBadLink, "9", "node 80, which is not in the workflow"},
		{"bad output index", func(s string) string { return strings.Replace(s, `"clip": ["4", 1]`, `"clip": ["4", 7]`, 1) }, ErrBadLink, "6", "has 3 outputs"},
		{"cycle", func(s string) string {
			return strings.Replace(s, `"latent_image": ["5", 0]`, `"latent_image": ["10", 0]`, 1)[:len(s)-1] +
				`, "10": {"class_type": "LatentUpscaleBy", "inputs": {"samples": ["3", 0], "upscale_method": "bilinear", "scale_by": 1.0}}}`
		}, ErrCycle, "", "the links loop"},
	}
	reg := CoreRegistry()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := Load([]byte(c.edit(defaultGraph)))
			require.NoError(t, err)
			_, err = Validate(g, reg)
			require.ErrorIs(t, err, c.sentinel)
			require.ErrorIs(t, err, ErrInvalidGraph)
			var ne *NodeError
			require.ErrorAs(t, err, &ne)
			if c.node != "" {
				assert.Equal(t, c.node, ne.ID)
			}
			assert.Contains(t, err.Error(), "node "+ne.ID+" ("+ne.Class+")")
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestValidateNoOutputs(t *testing.T) {
	g, err := Load([]byte(`{"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64}}}`))
	require.NoError(t, err)
	_, err = Validate(g, CoreRegistry())
	require.ErrorIs(t, err, ErrNoOutputs)
}

func TestTopologicalOrder(t *testing.T) {
	g, err := Load([]byte(defaultGraph[:len(defaultGraph)-1] +
		`, "20": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64}}}`))
	require.NoError(t, err)
	p, err := Validate(g, CoreRegistry())
	require.NoError(t, err)
	// Node 20 feeds no output, so it is not run.
	assert.NotContains(t, p.Order, "20")
	assert.Len(t, p.Order, 7)
	pos := map[string]int{}
	for i, id := range p.Order {
		pos[id] = i
	}
	for _, id := range p.Order {
		for _, v := range g.Nodes[id].Inputs {
			if l, ok := v.(Link); ok {
				assert.Less(t, pos[l.Node], pos[id], "%s before %s", l.Node, id)
			}
		}
	}
	// Dependencies are visited in input-name order from the output
	// (KSampler: latent_image, model, negative, positive), so the order is
	// stable.
	assert.Equal(t, []string{"5", "4", "7", "6", "3", "8", "9"}, p.Order)
}
