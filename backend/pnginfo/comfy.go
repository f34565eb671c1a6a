package pnginfo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"sort"
	"strconv"
	"strings"
)

// ErrNoSampler means a ComfyUI graph has no KSampler-like node to read
// settings from.
var ErrNoSampler = errors.New("no sampler node in ComfyUI graph")

// maxLinkDepth bounds how far one chain of links is followed, and
// maxWalkSteps the lookups of a whole extraction: following links tries
// several inputs per node, so a cyclic graph would otherwise cost
// exponential time within the depth bound.
const (
	maxLinkDepth = 64
	maxWalkSteps = 20000
)

// comfyNode is one node of ComfyUI's API-format graph ("prompt" chunk):
// {"3": {"class_type": "KSampler", "inputs": {"seed": 1, "model": ["4", 0]}}}.
// An input is a literal or a link ["nodeId", outputIndex].
type comfyNode struct {
	ClassType string                     `json:"class_type"`
	Inputs    map[string]json.RawMessage `json:"inputs"`
}

type comfyGraph map[string]comfyNode

// comfyWalk follows links in a graph within a budget of lookups.
type comfyWalk struct {
	g     comfyGraph
	steps int
}

// spend uses one lookup, reporting false once the budget is gone.
func (w *comfyWalk) spend() bool {
	w.steps++
	return w.steps <= maxWalkSteps
}

// ComfyParameters extracts best-effort Parameters from a ComfyUI API-format
// graph. It picks the sampler node (KSampler, KSamplerAdvanced or a custom
// node whose class name contains "KSampler"), preferring the one whose
// latent comes from an empty latent (the base pass of a hires-fix graph),
// then the lowest node id. From it: seed/noise_seed, steps, cfg,
// sampler_name, scheduler and denoise (kept only when below 1, as A1111 omits
// it for txt2img); the prompts by following its positive and negative links
// to CLIPTextEncode nodes (through conditioning nodes, and to a text node
// when "text" is itself a link); the size from the latent's width/height;
// the model from the checkpoint loader its model link leads to (file name
// without folder and extension, like A1111's Model); clip skip from a
// CLIPSetLastLayer node. Sampler names stay ComfyUI's ("dpmpp_2m").
func ComfyParameters(prompt []byte) (Parameters, error) {
	var g comfyGraph
	if err := json.Unmarshal(prompt, &g); err != nil {
		return Parameters{}, fmt.Errorf("decode ComfyUI graph: %w", err)
	}
	w := &comfyWalk{g: g}
	ids := g.sortedIDs()
	sampler := ""
	for _, id := range ids {
		if !strings.Contains(g[id].ClassType, "KSampler") {
			continue
		}
		if sampler == "" {
			sampler = id
		}
		if lat, ok := g.link(id, "latent_image"); ok && strings.Contains(g[lat.node].ClassType, "EmptyLatent") {
			sampler = id
			break
		}
	}
	if sampler == "" {
		return Parameters{}, ErrNoSampler
	}

	var p Parameters
	if n, ok := w.number(sampler, "seed", 0); ok {
		p.Seed, _ = parseSeed(n.String())
	} else if n, ok := w.number(sampler, "noise_seed", 0); ok {
		p.Seed, _ = parseSeed(n.String())
	}
	if n, ok := w.number(sampler, "steps", 0); ok {
		p.Steps = toInt(n)
	}
	if n, ok := w.number(sampler, "cfg", 0); ok {
		p.CFGScale = toFloat(n)
	}
	p.Sampler, _ = w.text(sampler, "sampler_name", 0)
	p.Schedule, _ = w.text(sampler, "scheduler", 0)
	if n, ok := w.number(sampler, "denoise", 0); ok {
		if d := toFloat(n); d < 1 {
			p.DenoisingStrength = &d
		}
	}
	if l, ok := g.link(sampler, "positive"); ok {
		p.Prompt, _ = w.conditioningText(l, 0)
	}
	if l, ok := g.link(sampler, "negative"); ok {
		p.NegativePrompt, _ = w.conditioningText(l, 0)
	}

	sizeNode := ""
	if l, ok := g.link(sampler, "latent_image"); ok {
		sizeNode = l.node
	}
	if _, ok := w.number(sizeNode, "width", 0); !ok {
		sizeNode = g.first(ids, func(n comfyNode) bool { return strings.Contains(n.ClassType, "EmptyLatent") })
	}
	if w, ok := w.number(sizeNode, "width", 0); ok {
		p.Width = toInt(w)
	}
	if h, ok := w.number(sizeNode, "height", 0); ok {
		p.Height = toInt(h)
	}

	if name, ok := w.modelName(sampler); ok {
		p.Model = modelStem(name)
	}
	if id := g.first(ids, func(n comfyNode) bool { return n.ClassType == "CLIPSetLastLayer" }); id != "" {
		if n, ok := w.number(id, "stop_at_clip_layer", 0); ok {
			// stop_at_clip_layer -2 is A1111's "Clip skip: 2".
			p.ClipSkip = -toInt(n)
		}
	}
	return p, nil
}

// link is the target of an input wired to another node.
type link struct {
	node   string
	output int
}

// sortedIDs orders node ids numerically when they are numbers ("3" < "10"),
// then as strings.
func (g comfyGraph) sortedIDs() []string {
	ids := make([]string, 0, len(g))
	for id := range g {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, errA := strconv.ParseInt(ids[i], 10, 64)
		b, errB := strconv.ParseInt(ids[j], 10, 64)
		switch {
		case errA == nil && errB == nil && a != b:
			return a < b
		case errA == nil && errB != nil:
			return true
		case errA != nil && errB == nil:
			return false
		}
		return ids[i] < ids[j]
	})
	return ids
}

func (g comfyGraph) first(ids []string, pred func(comfyNode) bool) string {
	for _, id := range ids {
		if pred(g[id]) {
			return id
		}
	}
	return ""
}

// link reads input key of node id as a link.
func (g comfyGraph) link(id, key string) (link, bool) {
	raw, ok := g[id].Inputs[key]
	if !ok {
		return link{}, false
	}
	var pair []json.RawMessage
	if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 {
		return link{}, false
	}
	var out float64
	if json.Unmarshal(pair[1], &out) != nil {
		return link{}, false
	}
	var target string
	if json.Unmarshal(pair[0], &target) != nil {
		var n json.Number
		if json.Unmarshal(pair[0], &n) != nil {
			return link{}, false
		}
		target = n.String()
	}
	if _, exists := g[target]; !exists {
		return link{}, false
	}
	return link{node: target, output: int(out)}, true
}

// valueKeys are the inputs of primitive-like nodes (rgthree, WAS, Comfy's
// own primitives) that hold the value they output.
var valueKeys = []string{"value", "text", "string", "seed", "noise_seed", "int", "float", "number", "Text"}

// text resolves input key of node id to a string, following a link to a
// node that outputs one.
func (w *comfyWalk) text(id, key string, depth int) (string, bool) {
	raw, ok := w.g[id].Inputs[key]
	if !ok || depth > maxLinkDepth || !w.spend() {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	if l, ok := w.g.link(id, key); ok {
		for _, k := range valueKeys {
			if s, ok := w.text(l.node, k, depth+1); ok {
				return s, true
			}
		}
	}
	return "", false
}

// number resolves input key of node id to a number the same way.
func (w *comfyWalk) number(id, key string, depth int) (json.Number, bool) {
	raw, ok := w.g[id].Inputs[key]
	if !ok || depth > maxLinkDepth || !w.spend() {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var n json.Number
	if dec.Decode(&n) == nil {
		return n, true
	}
	if l, ok := w.g.link(id, key); ok {
		for _, k := range append([]string{key}, valueKeys...) {
			if n, ok := w.number(l.node, k, depth+1); ok {
				return n, true
			}
		}
	}
	return "", false
}

// conditioningText follows a conditioning link back to the text encoded.
// Nodes with both positive and negative inputs (ControlNetApplyAdvanced)
// output them in that order, so the link's output index picks the side.
func (w *comfyWalk) conditioningText(l link, depth int) (string, bool) {
	if depth > maxLinkDepth || !w.spend() {
		return "", false
	}
	for _, k := range []string{"text", "text_g", "text_l", "prompt"} {
		if s, ok := w.text(l.node, k, depth+1); ok {
			return s, true
		}
	}
	inputs := []string{"conditioning", "conditioning_1", "conditioning_to", "conditioning_from", "base_positive"}
	_, hasPos := w.g[l.node].Inputs["positive"]
	_, hasNeg := w.g[l.node].Inputs["negative"]
	if hasPos && hasNeg {
		side := "positive"
		if l.output == 1 {
			side = "negative"
		}
		inputs = append([]string{side}, inputs...)
	}
	for _, k := range inputs {
		if next, ok := w.g.link(l.node, k); ok {
			if s, ok := w.conditioningText(next, depth+1); ok {
				return s, true
			}
		}
	}
	return "", false
}

// modelName follows the sampler's model link (through LoRA loaders,
// sampling patches, …) to a loader naming a checkpoint or UNet.
func (w *comfyWalk) modelName(sampler string) (string, bool) {
	id := sampler
	for depth := 0; depth <= maxLinkDepth; depth++ {
		l, ok := w.g.link(id, "model")
		if !ok {
			return "", false
		}
		id = l.node
		for _, k := range []string{"ckpt_name", "unet_name"} {
			if s, ok := w.text(id, k, 0); ok {
				return s, true
			}
		}
	}
	return "", false
}

// modelStem turns "SD1.5\\dreamshaper_8.safetensors" into "dreamshaper_8".
func modelStem(name string) string {
	if name == "" {
		return ""
	}
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	for _, ext := range []string{".safetensors", ".ckpt", ".pt", ".pth", ".sft", ".gguf", ".bin"} {
		if n := len(name) - len(ext); n > 0 && strings.EqualFold(name[n:], ext) {
			return name[:n]
		}
	}
	return name
}

// toInt converts a number to an int clamped to the int32 range, so a
// nonsense value in a graph cannot overflow.
func toInt(n json.Number) int {
	return int(math.Max(math.MinInt32, math.Min(math.MaxInt32, math.Trunc(toFloat(n)))))
}

func toFloat(n json.Number) float64 {
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
