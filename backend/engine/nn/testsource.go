package nn

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// This file holds in-memory weight sources for tests: model packages build
// tiny checkpoints with the real key names from them (STYLE.md §8). They are
// exported because every model package's tests need them.

// MemTensor is one tensor of a MemSource: float32 values with a shape, stored
// as DType (F32 when empty; F16, BF16 and F64 exercise the conversion paths).
type MemTensor struct {
	Shape []int
	Data  []float32
	DType weights.DType
}

// MemSource is an in-memory weights.Source over tensors. It panics on a
// malformed fixture (data length not matching the shape, an unsupported
// dtype), like regexp.MustCompile: fixtures are code, not input.
func MemSource(tensors map[string]MemTensor) weights.Source {
	s := &memSource{tensors: make(map[string]memEntry, len(tensors))}
	for name, t := range tensors {
		if err := tensor.Shape(t.Shape).Validate(); err != nil {
			panic(fmt.Sprintf("nn: MemSource %s: %v", name, err))
		}
		if n := tensor.Shape(t.Shape).Numel(); len(t.Data) != n {
			panic(fmt.Sprintf("nn: MemSource %s: %d values for shape %v (%d)", name, len(t.Data), t.Shape, n))
		}
		dt := t.DType
		if dt == "" {
			dt = weights.F32
		}
		raw, err := encode(t.Data, dt)
		if err != nil {
			panic(fmt.Sprintf("nn: MemSource %s: %v", name, err))
		}
		shape := make([]int64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = int64(d)
		}
		s.tensors[name] = memEntry{info: weights.Info{Name: name, DType: dt, Shape: shape}, raw: raw}
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	return s
}

// RandomSource is a MemSource of F32 tensors with the given shapes and
// deterministic pseudo-random values. Values depend only on seed and the
// tensor's name, so adding a tensor to a spec leaves the others unchanged.
// Rank ≥ 2 tensors are uniform in ±1/√fanIn (fanIn = elements / shape[0],
// PyTorch's default Linear/Conv init bound), which keeps activations of a
// deep tiny model in range; rank ≤ 1 tensors (biases, norm scales) are
// uniform in ±1.
func RandomSource(spec map[string][]int, seed int64) weights.Source {
	ts := make(map[string]MemTensor, len(spec))
	for name, shape := range spec {
		if err := tensor.Shape(shape).Validate(); err != nil {
			panic(fmt.Sprintf("nn: RandomSource %s: %v", name, err))
		}
		n := tensor.Shape(shape).Numel()
		bound := 1.0
		if len(shape) >= 2 && shape[0] > 0 {
			bound = 1 / math.Sqrt(float64(n/shape[0]))
		}
		h := fnv.New64a()
		h.Write([]byte(name))
		r := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
		data := make([]float32, n)
		for i := range data {
			data[i] = float32((2*r.Float64() - 1) * bound)
		}
		ts[name] = MemTensor{Shape: shape, Data: data}
	}
	return MemSource(ts)
}

func encode(data []float32, dt weights.DType) ([]byte, error) {
	switch dt {
	case weights.F32:
		b := make([]byte, 4*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b, nil
	case weights.F64:
		b := make([]byte, 8*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(v)))
		}
		return b, nil
	case weights.F16, weights.BF16:
		b := make([]byte, 2*len(data))
		for i, v := range data {
			h := tensor.Float32ToHalf(v)
			if dt == weights.BF16 {
				h = tensor.Float32ToBF16(v)
			}
			binary.LittleEndian.PutUint16(b[2*i:], h)
		}
		return b, nil
	}
	return nil, fmt.Errorf("dtype %q not supported", dt)
}

type memEntry struct {
	info weights.Info
	raw  []byte
}

type memSource struct {
	tensors map[string]memEntry
	names   []string
}

func (s *memSource) Names() []string { return slices.Clone(s.names) }

func (s *memSource) Info(name string) (weights.Info, bool) {
	e, ok := s.tensors[name]
	if !ok {
		return weights.Info{}, false
	}
	info := e.info
	info.Shape = slices.Clone(info.Shape)
	return info, true
}

func (s *memSource) Metadata() map[string]string { return map[string]string{} }

func (s *memSource) Float32(name string) ([]float32, error) {
	e, ok := s.tensors[name]
	if !ok {
		return nil, fmt.Errorf("memory source: no tensor %q", name)
	}
	n := len(e.raw) / e.info.DType.Size()
	out := make([]float32, n)
	for i := range out {
		switch e.info.DType {
		case weights.F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(e.raw[4*i:]))
		case weights.F64:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(e.raw[8*i:])))
		case weights.F16:
			out[i] = tensor.HalfToFloat32(binary.LittleEndian.Uint16(e.raw[2*i:]))
		case weights.BF16:
			out[i] = tensor.BF16ToFloat32(binary.LittleEndian.Uint16(e.raw[2*i:]))
		}
	}
	return out, nil
}

func (s *memSource) Raw(name string) ([]byte, weights.Info, error) {
	e, ok := s.tensors[name]
	if !ok {
		return nil, weights.Info{}, fmt.Errorf("memory source: no tensor %q", name)
	}
	info, _ := s.Info(name)
	return e.raw, info, nil
}

func (s *memSource) Close() error { return nil }
