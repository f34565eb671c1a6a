package nn

import (
	"slices"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Registry records every weight loaded through a Weights view (and the
// views derived from it) by its full checkpoint key, with the address of
// the tensor field the layer holds. A patcher (LoRA) can then swap a
// weight in place — write a new tensor.Tensor through the pointer — and the
// next Forward uses it, without reloading the model.
//
// The registry is only a directory: it owns nothing and frees nothing. Its
// pointers are valid while the layers they point into are alive; a model
// loaded through a fresh NewWeights gets a fresh registry, so the pipeline
// keeps one registry per loaded checkpoint. Swapping a tensor while a
// Forward runs is the caller's race to avoid.
type Registry struct {
	mu sync.Mutex
	m  map[string]*tensor.Tensor
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]*tensor.Tensor{}} }

// Register records dst under key, replacing an earlier entry (a model
// loaded twice through one view registers its latest copy). A nil
// registry or dst is ignored, so views built by hand stay usable.
func (r *Registry) Register(key string, dst *tensor.Tensor) {
	if r == nil || dst == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[key] = dst
}

// Lookup returns the field that holds the weight stored under key.
func (r *Registry) Lookup(key string) (*tensor.Tensor, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.m[key]
	return p, ok
}

// Keys lists the registered keys, sorted.
func (r *Registry) Keys() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	keys := make([]string, 0, len(r.m))
	for k := range r.m {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	slices.Sort(keys)
	return keys
}

// Len is the number of registered weights.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// Registry is the registry shared by w and every view derived from it.
func (w *Weights) Registry() *Registry { return w.reg }

// Register records dst as the holder of name (in this scope, after
// renaming). Models that build a weight themselves — a reshaped view of a
// loaded tensor — call it so the weight stays patchable.
func (w *Weights) Register(name string, dst *tensor.Tensor) { w.reg.Register(w.Key(name), dst) }

// TensorInto is Tensor that stores the result in *dst and registers dst
// under the weight's full key. On an error *dst is left unchanged.
func (w *Weights) TensorInto(dst *tensor.Tensor, name string, shape ...int) error {
	t, err := w.Tensor(name, shape...)
	if err != nil {
		return err
	}
	*dst = t
	w.Register(name, dst)
	return nil
}
