package workflows

import (
	"context"
	"fmt"
	"sort"
)

// Type names a value flowing between nodes or a literal input's kind, as
// ComfyUI spells them.
type Type string

// Literal and link types.
const (
	TypeInt     Type = "INT"
	TypeFloat   Type = "FLOAT"
	TypeString  Type = "STRING"
	TypeBoolean Type = "BOOLEAN"
	// TypeCombo is a string chosen from InputSpec.Choices (when given).
	TypeCombo        Type = "COMBO"
	TypeModel        Type = "MODEL"
	TypeClip         Type = "CLIP"
	TypeVAE          Type = "VAE"
	TypeConditioning Type = "CONDITIONING"
	TypeLatent       Type = "LATENT"
	TypeImage        Type = "IMAGE"
	TypeMask         Type = "MASK"
)

// literal reports whether t is written in the JSON rather than linked.
func (t Type) literal() bool {
	switch t {
	case TypeInt, TypeFloat, TypeString, TypeBoolean, TypeCombo:
		return true
	}
	return false
}

// InputSpec describes one input of a node type.
type InputSpec struct {
	Name string
	Type Type
	// Optional inputs may be absent; Default (when non-nil) is used then.
	Optional bool
	Default  any
	// Min and Max bound INT and FLOAT values when Min < Max.
	Min, Max float64
	// Choices lists the accepted COMBO values; nil accepts any string
	// (file names, which are resolved at run time).
	Choices []string
	// File marks a string naming a file: its size and modification time
	// join the cache key, so a replaced file is read again.
	File FileKind
}

// FileKind says which model folder a file input is resolved in.
type FileKind int

// File kinds.
const (
	NoFile FileKind = iota
	FileCheckpoint
	FileVAE
	FileLora
	FileImage
)

// Args are a node's resolved inputs, by name: literals converted to int64,
// float64, string or bool, links replaced by the upstream output.
type Args map[string]any

// Int, Float, String and Bool read resolved literals (Validate checked
// their types).
func (a Args) Int(name string) int64     { v, _ := a[name].(int64); return v }
func (a Args) Float(name string) float64 { v, _ := a[name].(float64); return v }
func (a Args) String(name string) string { v, _ := a[name].(string); return v }
func (a Args) Bool(name string) bool     { v, _ := a[name].(bool); return v }
func (a Args) Has(name string) bool      { _, ok := a[name]; return ok && a[name] != nil }
func (a Args) Value(name string) any     { return a[name] }

// RunFunc computes a node's outputs, one per NodeSpec.Outputs entry.
type RunFunc func(ctx context.Context, rc *RunContext, args Args) ([]any, error)

// NodeSpec describes a node type.
type NodeSpec struct {
	Class   string
	Inputs  []InputSpec
	Outputs []Type
	// Output marks nodes that produce results (SaveImage): a run executes
	// the output nodes and what they depend on.
	Output bool
	// NoCache re-runs the node on every run even when its inputs are
	// unchanged (saving files).
	NoCache bool
	Run     RunFunc
}

// Input returns the spec of the named input.
func (s *NodeSpec) Input(name string) (InputSpec, bool) {
	for _, in := range s.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return InputSpec{}, false
}

// Registry maps class names to node types. It is built once and read-only
// afterwards.
type Registry struct {
	specs map[string]*NodeSpec
}

// NewRegistry builds a registry of the given node types; a duplicate class
// is an error.
func NewRegistry(specs ...NodeSpec) (*Registry, error) {
	r := &Registry{specs: make(map[string]*NodeSpec, len(specs))}
	for i := range specs {
		s := specs[i]
		if s.Class == "" || s.Run == nil {
			return nil, fmt.Errorf("workflows: node spec %d has no class or no Run", i)
		}
		if _, dup := r.specs[s.Class]; dup {
			return nil, fmt.Errorf("workflows: node class %s registered twice", s.Class)
		}
		r.specs[s.Class] = &s
	}
	return r, nil
}

// CoreRegistry is the registry of DreamLayer's built-in ComfyUI nodes.
func CoreRegistry() *Registry {
	r, err := NewRegistry(coreNodes()...)
	if err != nil {
		panic("workflows: core nodes: " + err.Error())
	}
	return r
}

// Lookup returns the spec of a class.
func (r *Registry) Lookup(class string) (*NodeSpec, bool) {
	s, ok := r.specs[class]
	return s, ok
}

// Classes lists the registered class names, sorted.
func (r *Registry) Classes() []string {
	out := make([]string, 0, len(r.specs))
	for c := range r.specs {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
