package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestRegistryRecordsFields: every LoadX and TensorInto records the full
// checkpoint key (after renaming) with the address of the layer's field,
// shared by all views of one NewWeights; writing through the pointer is
// what the layer then uses.
func TestRegistryRecordsFields(t *testing.T) {
	src := nn.RandomSource(map[string][]int{
		"m.lin.weight": {3, 2}, "m.lin.bias": {3},
		"m.conv.weight": {2, 1, 3, 3},
		"m.norm.weight": {4}, "m.norm.bias": {4},
		"m.ln.weight": {2}, "m.ln.bias": {2},
		"m.emb.weight": {5, 2},
		"file.raw":     {2, 2},
	}, 1)
	dev := cpu.New(1)
	root := nn.NewWeights(src, dev)
	w := root.Sub("m")
	lin, err := nn.LoadLinear(w.Sub("lin"), 2, 3, true)
	require.NoError(t, err)
	conv, err := nn.LoadConv2D(w.Sub("conv"), 1, 2, 3, 1, 1, false)
	require.NoError(t, err)
	gn, err := nn.LoadGroupNorm(w.Sub("norm"), 2, 4, 1e-5)
	require.NoError(t, err)
	ln, err := nn.LoadLayerNorm(w.Sub("ln"), 2, 1e-5)
	require.NoError(t, err)
	emb, err := nn.LoadEmbedding(w.Sub("emb"), 5, 2)
	require.NoError(t, err)
	var raw tensor.Tensor
	renamed := root.WithRenamer(func(k string) string { return "file." + k })
	require.NoError(t, renamed.TensorInto(&raw, "raw", 2, 2))

	reg := root.Registry()
	assert.Same(t, reg, w.Sub("x").Index(3).Registry(), "views share the registry")
	assert.Equal(t, []string{"file.raw", "m.conv.weight", "m.emb.weight", "m.lin.bias", "m.lin.weight",
		"m.ln.bias", "m.ln.weight", "m.norm.bias", "m.norm.weight"}, reg.Keys())
	for key, field := range map[string]*tensor.Tensor{
		"m.lin.weight": &lin.Weight, "m.lin.bias": &lin.Bias, "m.conv.weight": &conv.Weight,
		"m.norm.weight": &gn.Gamma, "m.ln.bias": &ln.Beta, "m.emb.weight": &emb.Table, "file.raw": &raw,
	} {
		p, ok := reg.Lookup(key)
		require.True(t, ok, key)
		assert.Same(t, field, p, key)
	}
	_, ok := reg.Lookup("m.absent")
	assert.False(t, ok)

	// Swapping through the pointer changes what Forward uses.
	p, _ := reg.Lookup("m.lin.weight")
	zero, err := dev.Alloc(tensor.Shape{3, 2})
	require.NoError(t, err)
	*p = zero
	x, err := dev.Upload(tensor.Shape{1, 2}, []float32{1, 1})
	require.NoError(t, err)
	y, err := lin.Forward(dev, x, 0)
	require.NoError(t, err)
	got, err := dev.Download(y)
	require.NoError(t, err)
	bias, err := dev.Download(lin.Bias)
	require.NoError(t, err)
	assert.Equal(t, bias, got, "a zero weight leaves only the bias")

	// A failed load registers nothing.
	before := reg.Len()
	_, err = nn.LoadLinear(w.Sub("lin"), 2, 4, true)
	require.Error(t, err)
	require.Error(t, w.TensorInto(&raw, "lin.weight", 9, 9))
	assert.Equal(t, before, reg.Len())
}
