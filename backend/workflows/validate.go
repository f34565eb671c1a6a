package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// NodeError is a validation or execution error of one node.
type NodeError struct {
	ID    string
	Class string
	// Input is the input at fault, "" for the node as a whole.
	Input string
	Err   error
}

func (e *NodeError) Error() string {
	if e.Input != "" {
		return fmt.Sprintf("node %s (%s): input %q: %v", e.ID, e.Class, e.Input, e.Err)
	}
	return fmt.Sprintf("node %s (%s): %v", e.ID, e.Class, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// Validation error classes, wrapped in NodeError (and ErrInvalidGraph).
var (
	ErrUnknownClass = errors.New("unknown node type")
	ErrMissingInput = errors.New("required input missing")
	ErrInputType    = errors.New("wrong input type")
	ErrBadLink      = errors.New("bad link")
	ErrCycle        = errors.New("cycle")
	ErrNoOutputs    = errors.New("the workflow has no output node (SaveImage, PreviewImage)")
)

func nodeErr(n *Node, input string, err error, format string, args ...any) error {
	return &NodeError{ID: n.ID, Class: n.Class, Input: input,
		Err: fmt.Errorf("%w: %w: %s", ErrInvalidGraph, err, fmt.Sprintf(format, args...))}
}

// Plan is a validated graph: the nodes to run in order and their literal
// inputs converted to Go values.
type Plan struct {
	Graph *Graph
	// Order lists the output nodes and everything they depend on,
	// dependencies first (ties broken by id, so the order is stable).
	Order    []string
	specs    map[string]*NodeSpec
	literals map[string]Args
}

// Validate checks every node of g against reg and orders the nodes the
// outputs need. Each error is a *NodeError naming the node and class.
func Validate(g *Graph, reg *Registry) (*Plan, error) {
	p := &Plan{Graph: g, specs: map[string]*NodeSpec{}, literals: map[string]Args{}}
	ids := g.IDs()
	for _, id := range ids {
		n := g.Nodes[id]
		spec, ok := reg.Lookup(n.Class)
		if !ok {
			return nil, nodeErr(n, "", ErrUnknownClass, "%q is not a known node type", n.Class)
		}
		p.specs[id] = spec
		lits, err := checkInputs(g, reg, n, spec)
		if err != nil {
			return nil, err
		}
		p.literals[id] = lits
	}
	var outputs []string
	for _, id := range ids {
		if p.specs[id].Output {
			outputs = append(outputs, id)
		}
	}
	if len(outputs) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGraph, ErrNoOutputs)
	}
	order, err := topoOrder(g, ids, outputs)
	if err != nil {
		return nil, err
	}
	p.Order = order
	return p, nil
}

// checkInputs checks one node's inputs and converts its literals.
func checkInputs(g *Graph, reg *Registry, n *Node, spec *NodeSpec) (Args, error) {
	lits := Args{}
	for _, in := range spec.Inputs {
		v, present := n.Inputs[in.Name]
		if !present {
			if !in.Optional {
				return nil, nodeErr(n, in.Name, ErrMissingInput, "the node needs a %s", in.Type)
			}
			if in.Default != nil {
				lits[in.Name] = in.Default
			}
			continue
		}
		if l, ok := v.(Link); ok {
			src, ok := g.Nodes[l.Node]
			if !ok {
				return nil, nodeErr(n, in.Name, ErrBadLink, "links to node %s, which is not in the workflow", l.Node)
			}
			srcSpec, ok := reg.Lookup(src.Class)
			if !ok {
				return nil, nodeErr(src, "", ErrUnknownClass, "%q is not a known node type", src.Class)
			}
			if l.Output >= len(srcSpec.Outputs) {
				return nil, nodeErr(n, in.Name, ErrBadLink, "links to output %d of node %s (%s), which has %d outputs", l.Output, l.Node, src.Class, len(srcSpec.Outputs))
			}
			got := srcSpec.Outputs[l.Output]
			if !linkCompatible(got, in.Type) {
				return nil, nodeErr(n, in.Name, ErrInputType, "wants %s, but output %d of node %s (%s) is %s", in.Type, l.Output, l.Node, src.Class, got)
			}
			continue
		}
		if !in.Type.literal() {
			return nil, nodeErr(n, in.Name, ErrInputType, "wants a link to a %s output, got the value %s", in.Type, short(v))
		}
		cv, err := convertLiteral(in, v)
		if err != nil {
			return nil, nodeErr(n, in.Name, ErrInputType, "%v", err)
		}
		lits[in.Name] = cv
	}
	return lits, nil
}

// linkCompatible: a literal-typed input may take a link from a node whose
// output has that type (primitive nodes); otherwise the types must match.
func linkCompatible(out, in Type) bool {
	return out == in || (in == TypeCombo && out == TypeString)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// convertLiteral checks a JSON literal against its spec and converts it.
func convertLiteral(in InputSpec, v any) (any, error) {
	switch in.Type {
	case TypeInt:
		num, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("wants an integer, got %s", short(v))
		}
		i, err := num.Int64()
		if err != nil {
			// ComfyUI accepts 20.0 for an INT.
			f, ferr := num.Float64()
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil, fmt.Errorf("wants an integer, got %s", num)
			}
			i = int64(f)
		}
		if in.Min < in.Max && (float64(i) < in.Min || float64(i) > in.Max) {
			return nil, fmt.Errorf("%d is outside %g…%g", i, in.Min, in.Max)
		}
		return i, nil
	case TypeFloat:
		num, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("wants a number, got %s", short(v))
		}
		f, err := num.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("wants a finite number, got %s", num)
		}
		if in.Min < in.Max && (f < in.Min || f > in.Max) {
			return nil, fmt.Errorf("%g is outside %g…%g", f, in.Min, in.Max)
		}
		return f, nil
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("wants true or false, got %s", short(v))
		}
		return b, nil
	case TypeString, TypeCombo:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("wants a string, got %s", short(v))
		}
		if in.Choices != nil && !slices.Contains(in.Choices, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(in.Choices, ", "))
		}
		return s, nil
	}
	return nil, fmt.Errorf("type %s takes no literal", in.Type)
}

// topoOrder orders the ancestors of outputs, dependencies first, by a depth-
// first walk in id order; a back edge is a cycle, reported with its path.
func topoOrder(g *Graph, ids, outputs []string) ([]string, error) {
	const (
		unseen = iota
		active
		done
	)
	state := make(map[string]int, len(ids))
	var order, stack []string
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case done:
			return nil
		case active:
			i := slices.Index(stack, id)
			path := append(slices.Clone(stack[i:]), id)
			n := g.Nodes[id]
			return nodeErr(n, "", ErrCycle, "the links loop: %s", strings.Join(path, " → "))
		}
		state[id] = active
		stack = append(stack, id)
		n := g.Nodes[id]
		for _, name := range sortedInputs(n) {
			if l, ok := n.Inputs[name].(Link); ok {
				if err := visit(l.Node); err != nil {
					return err
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		order = append(order, id)
		return nil
	}
	for _, id := range outputs {
		if err := visit(id); err != nil {
			return nil, err
		}
	}
	// Cycles among nodes no output needs are still errors.
	for _, id := range ids {
		if state[id] == unseen {
			if err := checkAcyclic(g, id, state); err != nil {
				return nil, err
			}
		}
	}
	return order, nil
}

// checkAcyclic walks the nodes no output needs, only to report cycles.
func checkAcyclic(g *Graph, start string, state map[string]int) error {
	var stack []string
	var visit func(id string) error
	visit = func(id string) error {
		if state[id] != 0 {
			return nil
		}
		if i := slices.Index(stack, id); i >= 0 {
			return nodeErr(g.Nodes[id], "", ErrCycle, "the links loop: %s", strings.Join(append(slices.Clone(stack[i:]), id), " → "))
		}
		stack = append(stack, id)
		n := g.Nodes[id]
		for _, name := range sortedInputs(n) {
			if l, ok := n.Inputs[name].(Link); ok {
				if _, exists := g.Nodes[l.Node]; exists {
					if err := visit(l.Node); err != nil {
						return err
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = 2 // done
		return nil
	}
	return visit(start)
}

func sortedInputs(n *Node) []string {
	names := make([]string, 0, len(n.Inputs))
	for k := range n.Inputs {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
