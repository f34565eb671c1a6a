package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits that keep a hostile file from asking for absurd work.
const (
	// MaxGraphBytes bounds the JSON Load accepts.
	MaxGraphBytes = 8 << 20
	// MaxNodes bounds the nodes of one graph.
	MaxNodes = 10000
	// maxInputs bounds one node's inputs.
	maxInputs = 256
)

// ErrInvalidGraph is wrapped by every Load and Validate error.
var ErrInvalidGraph = errors.New("invalid workflow")

// Link is an input wired to another node's output: ["id", index] in the
// JSON.
type Link struct {
	Node   string
	Output int
}

// Node is one node of a graph. Inputs hold literal values (string,
// json.Number, bool, or nested JSON as any) and Links.
type Node struct {
	ID     string
	Class  string
	Inputs map[string]any
	// Title is the node's "_meta"."title", "" when absent.
	Title string
}

// Graph is a parsed API-format workflow; MarshalJSON writes it back in the
// unwrapped form (SaveImage embeds that).
type Graph struct {
	Nodes map[string]*Node
}

// IDs returns the node ids in a stable order (numeric ids numerically).
func (g *Graph) IDs() []string {
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	return ids
}

func idLess(a, b string) bool {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	switch {
	case aerr == nil && berr == nil:
		return ai < bi
	case aerr == nil:
		return true
	case berr == nil:
		return false
	}
	return a < b
}

// Clone returns a deep copy whose inputs may be changed (Set, Bind)
// without touching g.
func (g *Graph) Clone() *Graph {
	out := &Graph{Nodes: make(map[string]*Node, len(g.Nodes))}
	for id, n := range g.Nodes {
		c := *n
		c.Inputs = make(map[string]any, len(n.Inputs))
		for k, v := range n.Inputs {
			c.Inputs[k] = v
		}
		out.Nodes[id] = &c
	}
	return out
}

type rawNode struct {
	ClassType *string                    `json:"class_type"`
	Inputs    map[string]json.RawMessage `json:"inputs"`
	Meta      *struct {
		Title string `json:"title"`
	} `json:"_meta"`
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidGraph, fmt.Sprintf(format, args...))
}

// Load parses an API-format workflow, bare or wrapped as {"prompt": {…}}
// (the body of ComfyUI's POST /prompt). It checks the JSON's shape only;
// Validate checks the graph against a Registry.
func Load(data []byte) (*Graph, error) {
	if len(data) > MaxGraphBytes {
		return nil, invalidf("%d bytes; at most %d", len(data), MaxGraphBytes)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, invalidf("not a JSON object: %v", err)
	}
	if p, ok := top["prompt"]; ok && !looksLikeNode(p) {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(p, &inner); err != nil {
			return nil, invalidf("\"prompt\" is not a JSON object: %v", err)
		}
		top = inner
	}
	if len(top) == 0 {
		return nil, invalidf("no nodes")
	}
	if len(top) > MaxNodes {
		return nil, invalidf("%d nodes; at most %d", len(top), MaxNodes)
	}
	g := &Graph{Nodes: make(map[string]*Node, len(top))}
	for id, raw := range top {
		n, err := parseNode(id, raw)
		if err != nil {
			return nil, err
		}
		g.Nodes[id] = n
	}
	return g, nil
}

// looksLikeNode tells a node whose id is "prompt" from the wrapper.
func looksLikeNode(raw json.RawMessage) bool {
	var probe struct {
		ClassType json.RawMessage `json:"class_type"`
	}
	return json.Unmarshal(raw, &probe) == nil && probe.ClassType != nil
}

func parseNode(id string, raw json.RawMessage) (*Node, error) {
	if id == "" {
		return nil, invalidf("a node has an empty id")
	}
	var rn rawNode
	if err := json.Unmarshal(raw, &rn); err != nil {
		return nil, invalidf("node %s: not a node object: %v", id, err)
	}
	if rn.ClassType == nil || strings.TrimSpace(*rn.ClassType) == "" {
		return nil, invalidf("node %s: no class_type", id)
	}
	n := &Node{ID: id, Class: *rn.ClassType, Inputs: make(map[string]any, len(rn.Inputs))}
	if rn.Meta != nil {
		n.Title = rn.Meta.Title
	}
	if len(rn.Inputs) > maxInputs {
		return nil, invalidf("node %s (%s): %d inputs; at most %d", id, n.Class, len(rn.Inputs), maxInputs)
	}
	for name, v := range rn.Inputs {
		val, err := parseValue(v)
		if err != nil {
			return nil, invalidf("node %s (%s): input %q: %v", id, n.Class, name, err)
		}
		n.Inputs[name] = val
	}
	return n, nil
}

// parseValue decodes one input: a link ["id", index] or a literal.
func parseValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 {
		return v, nil
	}
	var node string
	switch x := arr[0].(type) {
	case string:
		node = x
	case json.Number:
		node = x.String()
	default:
		return v, nil
	}
	num, ok := arr[1].(json.Number)
	if !ok {
		return v, nil
	}
	idx, err := num.Int64()
	if err != nil || idx < 0 || idx > math.MaxInt32 {
		return nil, fmt.Errorf("link to node %s has output index %s", node, num)
	}
	return Link{Node: node, Output: int(idx)}, nil
}

// MarshalJSON writes the graph in API format (with "_meta" titles).
func (g *Graph) MarshalJSON() ([]byte, error) {
	type outNode struct {
		Inputs    map[string]any `json:"inputs"`
		ClassType string         `json:"class_type"`
		Meta      *struct {
			Title string `json:"title"`
		} `json:"_meta,omitempty"`
	}
	m := make(map[string]outNode, len(g.Nodes))
	for id, n := range g.Nodes {
		in := make(map[string]any, len(n.Inputs))
		for k, v := range n.Inputs {
			if l, ok := v.(Link); ok {
				v = []any{l.Node, l.Output}
			}
			in[k] = v
		}
		o := outNode{Inputs: in, ClassType: n.Class}
		if n.Title != "" {
			o.Meta = &struct {
				Title string `json:"title"`
			}{n.Title}
		}
		m[id] = o
	}
	return json.Marshal(m)
}

func jsonNumber(s string) json.Number { return json.Number(s) }
