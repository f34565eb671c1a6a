package weights

import (
	"fmt"
	"slices"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/pickle"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// stSource adapts a safetensors.File.
type stSource struct {
	path string
	f    *safetensors.File
}

func (s *stSource) Names() []string {
	ts := s.f.Header().Tensors // sorted by name
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func (s *stSource) Info(name string) (Info, bool) {
	t, ok := s.f.Header().Lookup(name)
	if !ok {
		return Info{}, false
	}
	return Info{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape)}, true
}

func (s *stSource) Metadata() map[string]string {
	if m := s.f.Header().Metadata; m != nil {
		return m
	}
	return map[string]string{}
}

func (s *stSource) Float32(name string) ([]float32, error) { return s.f.Float32(name) }

func (s *stSource) Raw(name string) ([]byte, Info, error) {
	b, t, err := s.f.Bytes(name)
	return b, Info{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape)}, err
}

func (s *stSource) Close() error { return s.f.Close() }

// Release implements Releaser.
func (s *stSource) Release(name string) { s.f.Release(name) }

// ptSource adapts a pickle.Checkpoint.
type ptSource struct {
	path string
	c    *pickle.Checkpoint
}

func (s *ptSource) Names() []string { return s.c.Names() }

func (s *ptSource) Info(name string) (Info, bool) {
	t, ok := s.c.Tensor(name)
	if !ok {
		return Info{}, false
	}
	// pickle spells dtypes like safetensors, so the conversion is a rename.
	return Info{Name: name, DType: DType(t.DType()), Shape: slices.Clone(t.Shape)}, true
}

func (s *ptSource) Metadata() map[string]string { return s.c.Metadata() }

func (s *ptSource) Warnings() []string { return s.c.Warnings() }

func (s *ptSource) Raw(name string) ([]byte, Info, error) {
	info, ok := s.Info(name)
	if !ok {
		return nil, Info{}, fmt.Errorf("checkpoint %s: no tensor %q", s.path, name)
	}
	b, err := s.c.Raw(name)
	if err != nil {
		return nil, info, fmt.Errorf("checkpoint %s: %w", s.path, err)
	}
	return b, info, nil
}

func (s *ptSource) Float32(name string) ([]float32, error) {
	b, info, err := s.Raw(name)
	if err != nil {
		return nil, err
	}
	out, err := safetensors.ToFloat32(info.DType, b)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %q: %w", s.path, name, err)
	}
	return out, nil
}

func (s *ptSource) Close() error {
	if err := s.c.Close(); err != nil {
		return fmt.Errorf("close checkpoint %s: %w", s.path, err)
	}
	return nil
}
