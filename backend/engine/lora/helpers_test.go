package lora

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// model is a tiny fixture checkpoint loaded the way the pipeline loads
// one: detect, then unet.Load and clip.Load through one nn.Weights, whose
// registry the patcher uses.
type model struct {
	dev compute.Device
	reg *nn.Registry
}

func loadFixture(t *testing.T, family string) *model {
	t.Helper()
	path := filepath.Join(t.TempDir(), family+".safetensors")
	require.NoError(t, fixtures.Write(path, family, false, 7))
	src, err := weights.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { src.Close() })
	m, err := detect.Detect(src, detect.Overrides{})
	require.NoError(t, err)
	dev := cpu.New(1)
	w := nn.NewWeights(src, dev)
	u, err := unet.Load(w.Sub(strings.TrimSuffix(m.UNet.Prefix, ".")), *m.UNet)
	require.NoError(t, err)
	_ = u
	for _, c := range m.TextEncoders {
		e, err := clip.Load(w, c)
		require.NoError(t, err)
		t.Cleanup(e.Free)
	}
	return &model{dev: dev, reg: w.Registry()}
}

// weight downloads a registered weight.
func (m *model) weight(t *testing.T, key string) []float32 {
	t.Helper()
	p, ok := m.reg.Lookup(key)
	require.True(t, ok, "registry has %s", key)
	v, err := m.dev.Download(*p)
	require.NoError(t, err)
	return v
}

func (m *model) shape(t *testing.T, key string) []int {
	t.Helper()
	p, ok := m.reg.Lookup(key)
	require.True(t, ok, "registry has %s", key)
	return p.Shape()
}

// snapshot downloads every registered weight.
func (m *model) snapshot(t *testing.T) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for _, k := range m.reg.Keys() {
		out[k] = m.weight(t, k)
	}
	return out
}

// tensorSpec is one tensor of a test adapter file.
type tensorSpec struct {
	shape []int
	data  []float32
}

func randTensor(r *rand.Rand, shape ...int) tensorSpec {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(r.NormFloat64() * 0.3)
	}
	return tensorSpec{shape: shape, data: data}
}

func scalar(v float32) tensorSpec { return tensorSpec{shape: []int{}, data: []float32{v}} }

// writeAdapter writes tensors as an F32 safetensors file.
func writeAdapter(t *testing.T, dir, name string, tensors map[string]tensorSpec, meta map[string]string) string {
	t.Helper()
	var ws []safetensors.WriteTensor
	for n, ts := range tensors {
		buf := make([]byte, 4*len(ts.data))
		for i, v := range ts.data {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		shape := make([]int64, len(ts.shape))
		for i, d := range ts.shape {
			shape[i] = int64(d)
		}
		ws = append(ws, safetensors.WriteTensor{Name: n, DType: safetensors.F32, Shape: shape, Data: buf})
	}
	path := filepath.Join(dir, name)
	require.NoError(t, safetensors.WriteFile(path, ws, meta))
	return path
}

// Plain float64 references, written straight from the formulas and
// independent of the package's code.

// mm is a [m,k]·b[k,n].
func mm(a []float32, m, k int, b []float32, n int) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for x := range k {
				s += float64(a[i*k+x]) * float64(b[x*n+j])
			}
			out[i*n+j] = s
		}
	}
	return out
}

// einsumCP is torch.einsum('i j k l, j r, i p -> p r k l', t, wb, wa) for
// t [A,B,kh,kw], wb [B,in], wa [A,out] → [out, in, kh, kw].
func einsumCP(t []float32, A, B, kk int, wb []float32, in int, wa []float32, out int) []float64 {
	res := make([]float64, out*in*kk)
	for p := range out {
		for r := range in {
			for s := range kk {
				var sum float64
				for i := range A {
					for j := range B {
						sum += float64(t[(i*B+j)*kk+s]) * float64(wb[j*in+r]) * float64(wa[i*out+p])
					}
				}
				res[(p*in+r)*kk+s] = sum
			}
		}
	}
	return res
}

// kron is torch.kron(w1 [a,b,1,1], w2 [c,d,kk]) → [a·c, b·d, kk].
func kron(w1 []float64, a, b int, w2 []float64, c, d, kk int) []float64 {
	res := make([]float64, a*c*b*d*kk)
	for i := range a {
		for j := range b {
			for k := range c {
				for l := range d {
					for s := range kk {
						res[((i*c+k)*(b*d)+(j*d+l))*kk+s] = w1[i*b+j] * w2[(k*d+l)*kk+s]
					}
				}
			}
		}
	}
	return res
}

func scaled(x []float64, s float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * s
	}
	return out
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// requirePatched checks got == orig + strength·delta on rows [lo, hi) of
// the weight (rows of rowLen) within F16 rounding, other rows unchanged,
// and that the delta is large enough to matter.
func requirePatched(t *testing.T, orig, got []float32, delta []float64, strength float64, lo, hi, rowLen int) {
	t.Helper()
	require.Len(t, got, len(orig))
	require.Len(t, delta, (hi-lo)*rowLen)
	var biggest float64
	for i := range orig {
		row := i / rowLen
		want := float64(orig[i])
		if row >= lo && row < hi {
			dv := strength * delta[i-lo*rowLen]
			want += dv
			biggest = max(biggest, math.Abs(dv))
		}
		tol := math.Abs(want)*1e-3 + 1e-4 // F16 keeps 11 significant bits
		if math.Abs(float64(got[i])-want) > tol {
			require.InDeltaf(t, want, got[i], tol, "element %d (row %d)", i, row)
		}
	}
	require.Greater(t, biggest, 1e-2, "the delta must be visible above F16 rounding")
}
