package workflows

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
)

// Options configure an Executor.
type Options struct {
	// Device runs the models.
	Device compute.Device
	// Checkpoints, VAEs, Loras and Inputs are the folders file inputs are
	// resolved in (ComfyUI's models/checkpoints, models/vae, models/loras
	// and input/); an absolute path is taken as it is.
	Checkpoints, VAEs, Loras, Inputs []string
	// OutputDir receives SaveImage's files (required for SaveImage).
	OutputDir string
	Log       *slog.Logger
}

// Progress is one report of a run.
type Progress struct {
	// Node and Class are the node running; Cached marks a node whose
	// output came from the cache.
	Node   string
	Class  string
	Cached bool
	// Index is the node's position in the run (1-based) of Nodes.
	Index, Nodes int
	// Step and Steps are a sampler's progress, 0 outside sampling.
	Step, Steps int
}

// SavedImage is one file SaveImage wrote, or one PreviewImage kept.
type SavedImage struct {
	Node string
	// Path is the written file ("" for previews).
	Path string
	// PNG is the encoded image with its metadata.
	PNG []byte
}

// Result is what a run produced.
type Result struct {
	Images []SavedImage
	// Executed lists the nodes that ran, in order; cached ones are not in
	// it.
	Executed []string
}

// Executor runs validated graphs. It keeps the outputs of the previous
// run's nodes, keyed by each node's input hash, and reuses those whose
// inputs did not change (ComfyUI's cache), so loaded models stay loaded.
// One run at a time.
type Executor struct {
	reg  *Registry
	opts Options
	mu   sync.Mutex
	// cache maps a node key to its outputs; it holds the last run's
	// nodes only, so memory is bounded by one graph's values.
	cache map[string][]any
}

// NewExecutor returns an executor of reg's node types.
func NewExecutor(reg *Registry, opts Options) *Executor {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Executor{reg: reg, opts: opts, cache: map[string][]any{}}
}

// RunContext is what a node's Run may use.
type RunContext struct {
	Options
	// NodeID is the running node.
	NodeID string
	// Graph is the whole workflow (SaveImage embeds it).
	Graph *Graph
	// Step reports a sampler's progress.
	Step func(step, steps int)
	// Images collects SaveImage and PreviewImage results.
	images *[]SavedImage
}

// AddImage records a saved or preview image of the running node.
func (rc *RunContext) AddImage(path string, png []byte) {
	*rc.images = append(*rc.images, SavedImage{Node: rc.NodeID, Path: path, PNG: png})
}

// Run validates g and executes it. progress (may be nil) is called before
// each node and per sampler step. A cancelled ctx stops the run between
// nodes and between sampler steps.
func (e *Executor) Run(ctx context.Context, g *Graph, progress func(Progress)) (Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	plan, err := Validate(g, e.reg)
	if err != nil {
		return Result{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	var res Result
	outputs := map[string][]any{}
	keys := map[string]string{}
	next := map[string][]any{}
	for i, id := range plan.Order {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		n, spec := g.Nodes[id], plan.specs[id]
		key, err := e.nodeKey(n, spec, plan.literals[id], keys)
		if err != nil {
			return res, &NodeError{ID: id, Class: n.Class, Err: err}
		}
		keys[id] = key
		p := Progress{Node: id, Class: n.Class, Index: i + 1, Nodes: len(plan.Order)}
		if out, ok := e.cache[key]; ok && !spec.NoCache {
			p.Cached = true
			progress(p)
			outputs[id], next[key] = out, out
			continue
		}
		progress(p)
		args := Args{}
		for k, v := range plan.literals[id] {
			args[k] = v
		}
		for name, v := range n.Inputs {
			if l, ok := v.(Link); ok {
				args[name] = outputs[l.Node][l.Output]
			}
		}
		rc := &RunContext{Options: e.opts, NodeID: id, Graph: g, images: &res.Images,
			Step: func(step, steps int) {
				q := p
				q.Step, q.Steps = step, steps
				progress(q)
			}}
		out, err := spec.Run(ctx, rc, args)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, &NodeError{ID: id, Class: n.Class, Err: err}
		}
		if len(out) != len(spec.Outputs) {
			return res, &NodeError{ID: id, Class: n.Class, Err: fmt.Errorf("returned %d outputs, want %d", len(out), len(spec.Outputs))}
		}
		outputs[id] = out
		res.Executed = append(res.Executed, id)
		if !spec.NoCache {
			next[key] = out
		}
	}
	// Keep what this run used; values of nodes that left the graph go.
	e.cache = next
	return res, nil
}

// nodeKey hashes a node's class, literal inputs (with file fingerprints)
// and the keys of the nodes it links to: equal keys mean equal outputs.
func (e *Executor) nodeKey(n *Node, spec *NodeSpec, lits Args, keys map[string]string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", n.Class)
	names := make([]string, 0, len(n.Inputs)+len(lits))
	seen := map[string]bool{}
	for k := range lits {
		names, seen[k] = append(names, k), true
	}
	for k := range n.Inputs {
		if !seen[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if l, ok := n.Inputs[k].(Link); ok {
			fmt.Fprintf(h, "%s=link:%s:%d\x00", k, keys[l.Node], l.Output)
			continue
		}
		v, ok := lits[k]
		if !ok {
			continue // an input the spec does not know: ignored, as ComfyUI does
		}
		b, _ := json.Marshal(v)
		fmt.Fprintf(h, "%s=%s\x00", k, b)
		if in, _ := spec.Input(k); in.File != NoFile {
			if path, err := e.opts.Resolve(in.File, lits.String(k)); err == nil {
				if st, err := os.Stat(path); err == nil {
					fmt.Fprintf(h, "file:%s:%d:%d\x00", path, st.Size(), st.ModTime().UnixNano())
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Resolve finds a file input in its folders: an absolute path is used as
// it is, a relative name is looked up in each folder of its kind (with
// ComfyUI's "/" separators). Names may not climb out of a folder.
func (o Options) Resolve(kind FileKind, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("no file named")
	}
	if filepath.IsAbs(name) {
		return name, nil
	}
	rel := filepath.FromSlash(name)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%q leaves its folder", name)
	}
	var dirs []string
	switch kind {
	case FileCheckpoint:
		dirs = o.Checkpoints
	case FileVAE:
		dirs = o.VAEs
	case FileLora:
		dirs = o.Loras
	case FileImage:
		dirs = o.Inputs
	}
	for _, d := range dirs {
		p := filepath.Join(d, rel)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in %s", name, strings.Join(dirs, ", "))
}
