package nn_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

func TestWeightsScoping(t *testing.T) {
	src := nn.RandomSource(map[string][]int{
		"model.diffusion_model.input_blocks.1.0.weight": {4, 3},
		"model.diffusion_model.out.2.weight":            {2, 5},
	}, 1)
	root := nn.NewWeights(src, cpu.New(1))
	tests := []struct {
		name string
		w    *nn.Weights
		key  string
		want string
		has  bool
	}{
		{"root", root, "x", "x", false},
		{"sub", root.Sub("model").Sub("diffusion_model"), "out.2.weight", "model.diffusion_model.out.2.weight", true},
		{"index", root.Sub("model.diffusion_model.input_blocks").Index(1).Index(0), "weight", "model.diffusion_model.input_blocks.1.0.weight", true},
		{"empty sub", root.Sub("model.diffusion_model").Sub(""), "out.2.weight", "model.diffusion_model.out.2.weight", true},
		{"absent", root.Sub("model"), "nope", "model.nope", false},
		{"renamed", root.Sub("unet").WithRenamer(func(k string) string {
			return strings.Replace(k, "unet.", "model.diffusion_model.", 1)
		}).Sub("out").Index(2), "weight", "model.diffusion_model.out.2.weight", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.w.Key(tc.key))
			assert.Equal(t, tc.has, tc.w.Has(tc.key))
			shape, ok := tc.w.Shape(tc.key)
			assert.Equal(t, tc.has, ok)
			if tc.has {
				assert.NotEmpty(t, shape)
			}
		})
	}
	// Sub never alters the receiver.
	m := root.Sub("model")
	_ = m.Sub("diffusion_model")
	assert.Equal(t, "model.", m.Prefix())
}

func TestWeightsTensorErrors(t *testing.T) {
	src := nn.RandomSource(map[string][]int{"model.diffusion_model.out.2.weight": {4, 320, 3, 3}}, 1)
	w := nn.NewWeights(src, cpu.New(1)).Sub("model.diffusion_model")
	tests := []struct {
		name    string
		key     string
		shape   []int
		wantErr string
		is      error
	}{
		{"missing", "out.0.weight", []int{4}, "nn: model.diffusion_model.out.0.weight: missing weight", nn.ErrMissing},
		{"wrong shape", "out.2.weight", []int{4, 320, 1, 1}, "nn: model.diffusion_model.out.2.weight: bad shape: shape [4 320 3 3], want [4 320 1 1]", tensor.ErrShape},
		{"wrong rank", "out.2.weight", []int{4, 320}, "want [4 320]", tensor.ErrShape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Tensor(tc.key, tc.shape...)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
	t.Run("optional wrong shape", func(t *testing.T) {
		_, _, err := w.Optional("out.2.weight", 1)
		assert.ErrorIs(t, err, tensor.ErrShape)
	})
	t.Run("optional absent", func(t *testing.T) {
		x, ok, err := w.Optional("label_emb.weight", 3)
		require.NoError(t, err)
		assert.False(t, ok)
		assert.True(t, x.IsZero())
	})
	t.Run("optional present", func(t *testing.T) {
		x, ok, err := w.Optional("out.2.weight", 4, 320, 3, 3)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, tensor.Shape{4, 320, 3, 3}, x.Shape())
	})
}

func TestWeightsTensorDTypes(t *testing.T) {
	vals := []float32{0.5, -1.25, 3, 0.0078125, -2, 1024}
	dev := cpu.New(1)
	tests := []struct {
		name   string
		stored weights.DType
		want   tensor.DType
	}{
		{"f32", weights.F32, tensor.F32},
		{"f16 stays half", weights.F16, tensor.F16},
		{"bf16 stays half", weights.BF16, tensor.BF16},
		{"f64 widened", weights.F64, tensor.F32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := nn.MemSource(map[string]nn.MemTensor{"w": {Shape: []int{2, 3}, Data: vals, DType: tc.stored}})
			x, err := nn.NewWeights(src, dev).Tensor("w", 2, 3)
			require.NoError(t, err)
			assert.Equal(t, tc.want, x.DType())
			got, err := dev.Download(x)
			require.NoError(t, err)
			// Every value is exact in F16 and BF16, so all dtypes round-trip.
			assert.Equal(t, vals, got)
		})
	}
	t.Run("int dtype refused", func(t *testing.T) {
		src := intSource{nn.MemSource(map[string]nn.MemTensor{"ids": {Shape: []int{2}, Data: []float32{0, 1}}})}
		_, err := nn.NewWeights(src, dev).Tensor("ids", 2)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "nn: ids: dtype I64 is not a float type")
	})
}

// intSource reports every tensor as I64, as checkpoints store position_ids.
type intSource struct{ weights.Source }

func (s intSource) Info(name string) (weights.Info, bool) {
	i, ok := s.Source.Info(name)
	i.DType = weights.I64
	return i, ok
}

func TestRandomSource(t *testing.T) {
	a := nn.RandomSource(map[string][]int{"a.weight": {8, 16}, "a.bias": {8}}, 7)
	b := nn.RandomSource(map[string][]int{"a.weight": {8, 16}, "z": {3}}, 7)
	c := nn.RandomSource(map[string][]int{"a.weight": {8, 16}}, 8)
	assert.Equal(t, []string{"a.bias", "a.weight"}, a.Names())

	wa, err := a.Float32("a.weight")
	require.NoError(t, err)
	wb, err := b.Float32("a.weight")
	require.NoError(t, err)
	wc, err := c.Float32("a.weight")
	require.NoError(t, err)
	assert.Equal(t, wa, wb, "values depend on seed and name only")
	assert.NotEqual(t, wa, wc, "another seed gives other values")
	bound := float32(1 / 4.0) // 1/√16
	for _, v := range wa {
		assert.LessOrEqual(t, v, bound)
		assert.GreaterOrEqual(t, v, -bound)
	}
	bias, err := a.Float32("a.bias")
	require.NoError(t, err)
	assert.Len(t, bias, 8)
}

func TestMemSourcePanicsOnBadFixture(t *testing.T) {
	assert.Panics(t, func() { nn.MemSource(map[string]nn.MemTensor{"x": {Shape: []int{2, 2}, Data: []float32{1}}}) })
	assert.Panics(t, func() { nn.RandomSource(map[string][]int{"x": {0, 2}}, 1) })
}

func TestWithRenamerComposes(t *testing.T) {
	src := nn.RandomSource(map[string][]int{"file.b.weight": {2}}, 1)
	w := nn.NewWeights(src, cpu.New(1)).
		WithRenamer(func(k string) string { return "file." + k }).
		WithRenamer(func(k string) string { return strings.Replace(k, "a.", "b.", 1) })
	assert.Equal(t, "file.b.weight", w.Sub("a").Key("weight"))
	_, err := w.Sub("a").Tensor("weight", 2)
	require.NoError(t, err)
}

// FuzzWeightsTensor checks that a stored shape and a requested one never
// cause a panic or a load of the wrong shape: Tensor succeeds exactly when
// they match.
func FuzzWeightsTensor(f *testing.F) {
	f.Add([]byte{2, 3}, []byte{2, 3})
	f.Add([]byte{4, 1, 3, 3}, []byte{4, 3, 3})
	f.Add([]byte{}, []byte{})
	f.Add([]byte{5}, []byte{0})
	dev := cpu.New(1)
	f.Fuzz(func(t *testing.T, stored, want []byte) {
		if len(stored) > 4 || len(want) > 6 {
			return // keep fixtures small; rank is what matters
		}
		shape := make([]int, len(stored))
		for i, b := range stored {
			shape[i] = int(b%7) + 1
		}
		req := make([]int, len(want))
		for i, b := range want {
			req[i] = int(b%9) - 1 // includes 0 and -1
		}
		src := nn.RandomSource(map[string][]int{"w": shape}, 1)
		x, err := nn.NewWeights(src, dev).Tensor("w", req...)
		match := len(shape) == len(req)
		for i := range req {
			match = match && req[i] == shape[i]
		}
		if !match {
			require.ErrorIs(t, err, tensor.ErrShape)
			return
		}
		require.NoError(t, err)
		assert.True(t, tensor.Shape(shape).Equal(x.Shape()), "%v vs %v", shape, x.Shape())
		nn.Free(dev, x)
	})
}
