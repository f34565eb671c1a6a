package workflowjobs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/workflows"
)

// Field is one literal (widget) input of a node that a form can edit.
type Field struct {
	Node  string `json:"node"`
	Input string `json:"input"`
	// Type is INT, FLOAT, STRING, BOOLEAN or COMBO, as ComfyUI spells them.
	Type  string `json:"type"`
	Value any    `json:"value"`
	// Choices lists a COMBO's accepted values.
	Choices []string `json:"choices,omitempty"`
	// Min and Max bound INT and FLOAT values when both are set.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// File is "checkpoint", "vae", "lora" or "image" when the value names a
	// file resolved in that folder.
	File string `json:"file,omitempty"`
	// Multiline marks prompt text, edited in a text area.
	Multiline bool `json:"multiline,omitempty"`
}

// NamedInput is a node titled "input:NAME": what a template exposes.
type NamedInput struct {
	Name   string  `json:"name"`
	Node   string  `json:"node"`
	Class  string  `json:"class"`
	Fields []Field `json:"fields"`
}

// NodeInfo is one node of a graph with its editable fields.
type NodeInfo struct {
	ID    string `json:"id"`
	Class string `json:"class"`
	Title string `json:"title,omitempty"`
	// Known is false for a class the native executor does not have (it may
	// still run on a ComfyUI server that has the extension).
	Known  bool    `json:"known"`
	Fields []Field `json:"fields"`
}

// Workflow is a loaded graph as the Workflows page shows it.
type Workflow struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Source is "template", "json" or "png".
	Source string `json:"source"`
	// Template is the template id when Source is "template".
	Template string `json:"template,omitempty"`
	// Graph is the API-format JSON to send back with RunRequest.
	Graph  string       `json:"graph"`
	Nodes  []NodeInfo   `json:"nodes"`
	Inputs []NamedInput `json:"inputs"`
	// Problem is why the graph cannot run locally ("" when it can); it
	// may still run on a ComfyUI server.
	Problem string `json:"problem,omitempty"`
}

// Describe lists g's nodes and fields against reg, named inputs first.
func Describe(g *workflows.Graph, reg *workflows.Registry) (Workflow, error) {
	js, err := json.Marshal(g)
	if err != nil {
		return Workflow{}, fmt.Errorf("describe workflow: %w", err)
	}
	w := Workflow{Graph: string(js), Nodes: []NodeInfo{}, Inputs: []NamedInput{}}
	for _, id := range g.IDs() {
		n := g.Nodes[id]
		spec, known := reg.Lookup(n.Class)
		info := NodeInfo{ID: id, Class: n.Class, Title: n.Title, Known: known, Fields: fieldsOf(n, spec)}
		w.Nodes = append(w.Nodes, info)
		if name, ok := strings.CutPrefix(n.Title, "input:"); ok {
			w.Inputs = append(w.Inputs, NamedInput{Name: name, Node: id, Class: n.Class, Fields: info.Fields})
		}
	}
	sort.SliceStable(w.Inputs, func(i, j int) bool { return w.Inputs[i].Name < w.Inputs[j].Name })
	if _, err := workflows.Validate(g, reg); err != nil {
		w.Problem = err.Error()
	}
	return w, nil
}

// fieldsOf lists n's literal inputs: those of spec in its order, then any
// others (unknown classes, inputs the spec does not name) by name.
func fieldsOf(n *workflows.Node, spec *workflows.NodeSpec) []Field {
	out := []Field{}
	seen := map[string]bool{}
	if spec != nil {
		for _, in := range spec.Inputs {
			v, ok := n.Inputs[in.Name]
			if !ok {
				continue
			}
			seen[in.Name] = true
			if f, ok := specField(n.ID, in, v); ok {
				out = append(out, f)
			}
		}
	}
	var rest []string
	for name := range n.Inputs {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		if f, ok := guessField(n.ID, name, n.Inputs[name]); ok {
			out = append(out, f)
		}
	}
	return out
}

func specField(node string, in workflows.InputSpec, v any) (Field, bool) {
	switch in.Type {
	case workflows.TypeInt, workflows.TypeFloat, workflows.TypeString, workflows.TypeBoolean, workflows.TypeCombo:
	default:
		return Field{}, false // a link type
	}
	if _, isLink := v.(workflows.Link); isLink {
		return Field{}, false
	}
	f := Field{Node: node, Input: in.Name, Type: string(in.Type), Value: plain(v, in.Type), Choices: in.Choices}
	if in.Min < in.Max {
		lo, hi := in.Min, in.Max
		f.Min, f.Max = &lo, &hi
	}
	f.File = fileKind(in.File)
	f.Multiline = in.Type == workflows.TypeString && isPromptInput(in.Name)
	return f, true
}

// guessField types a literal the registry does not describe from its value.
func guessField(node, name string, v any) (Field, bool) {
	f := Field{Node: node, Input: name}
	switch x := v.(type) {
	case json.Number:
		if _, err := x.Int64(); err == nil {
			f.Type = string(workflows.TypeInt)
		} else {
			f.Type = string(workflows.TypeFloat)
		}
		f.Value = plain(x, workflows.Type(f.Type))
	case string:
		f.Type, f.Value, f.Multiline = string(workflows.TypeString), x, isPromptInput(name)
	case bool:
		f.Type, f.Value = string(workflows.TypeBoolean), x
	default:
		return Field{}, false // links and nested JSON are not form fields
	}
	return f, true
}

// plain turns json.Number into int64 or float64 so the UI gets numbers.
func plain(v any, t workflows.Type) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if t == workflows.TypeInt {
		if i, err := n.Int64(); err == nil {
			return i
		}
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

func fileKind(k workflows.FileKind) string {
	switch k {
	case workflows.FileCheckpoint:
		return "checkpoint"
	case workflows.FileVAE:
		return "vae"
	case workflows.FileLora:
		return "lora"
	case workflows.FileImage:
		return "image"
	}
	return ""
}

func isPromptInput(name string) bool {
	switch name {
	case "text", "text_g", "text_l", "prompt", "negative":
		return true
	}
	return false
}
