package lora

import (
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// Model parts an adapter can target. Kohya's lora_te_ and diffusers'
// text_encoder are the first (or only) text encoder; lora_te2_ and
// text_encoder_2 SDXL's OpenCLIP bigG.
const (
	partUNet = "unet"
	partTE1  = "te1"
	partTE2  = "te2"
)

// target is one weight an adapter module patches: the registry key and
// field, and for OpenCLIP's fused in_proj_weight the row block (0 q, 1 k,
// 2 v) of blocks equal blocks; block is -1 for an ordinary weight.
type target struct {
	key    string
	ptr    *tensor.Tensor
	block  int
	blocks int
}

// textSlot is where a checkpoint keeps a text encoder (detect's
// checkpointSlots, plus a standalone transformers file).
type textSlot struct {
	prefix, part string
	openCLIP     bool
}

var textSlots = [...]textSlot{
	{"cond_stage_model.transformer.text_model.", partTE1, false},
	{"cond_stage_model.transformer.", partTE1, false},
	{"cond_stage_model.model.", partTE1, true},
	{"conditioner.embedders.0.transformer.text_model.", partTE1, false},
	{"conditioner.embedders.1.model.", partTE2, true},
	{"conditioner.embedders.0.model.", partTE2, true},
	{"text_model.", partTE1, false},
}

// unetPrefixes are where a checkpoint keeps the LDM UNet (detect's
// findUNet); a bare UNet file has top-level names.
var unetPrefixes = [...]string{"model.diffusion_model.", "diffusion_model."}

var unetTop = [...]string{"input_blocks.", "middle_block.", "output_blocks.", "time_embed.", "label_emb.", "out."}

// openCLIPToHF renames an OpenCLIP resblock path to transformers' names,
// the spelling adapters use for every CLIP (kohya and diffusers train SD
// 2.x and SDXL's bigG as transformers CLIPTextModel).
var openCLIPToHF = strings.NewReplacer(
	"transformer.resblocks.", "encoder.layers.",
	".attn.out_proj", ".self_attn.out_proj",
	".mlp.c_fc", ".mlp.fc1",
	".mlp.c_proj", ".mlp.fc2",
)

// index resolves adapter module names to targets, per model part. Every
// module has several aliases: its canonical dotted path, kohya's
// underscored form, and for the UNet the diffusers name (dotted and
// underscored); for text encoders the same with "text_model." in front.
type index struct {
	alias map[string]map[string]target
}

func buildIndex(reg *nn.Registry) *index {
	x := &index{alias: map[string]map[string]target{partUNet: {}, partTE1: {}, partTE2: {}}}
	type unetWeight struct {
		path string
		t    target
	}
	var unet []unetWeight
	for _, key := range reg.Keys() {
		ptr, _ := reg.Lookup(key)
		if path, ok := unetPath(key); ok {
			unet = append(unet, unetWeight{path, target{key: key, ptr: ptr, block: -1}})
			continue
		}
		x.addText(key, ptr)
	}
	nrb := resBlocksPerLevel(func(yield func(string) bool) {
		for _, u := range unet {
			if !yield(u.path) {
				return
			}
		}
	})
	for _, u := range unet {
		x.add(partUNet, u.path, u.t)
		if d, ok := ldmToDiffusers(u.path, nrb); ok {
			x.add(partUNet, d, u.t)
		}
	}
	return x
}

// unetPath returns the module path of a UNet weight key ("….weight"
// stripped), or false for anything else.
func unetPath(key string) (string, bool) {
	rest, ok := strings.CutSuffix(key, ".weight")
	if !ok {
		return "", false
	}
	for _, p := range unetPrefixes {
		if r, ok := strings.CutPrefix(rest, p); ok {
			return r, true
		}
	}
	for _, p := range unetTop {
		if strings.HasPrefix(rest, p) {
			return rest, true
		}
	}
	return "", false
}

func (x *index) addText(key string, ptr *tensor.Tensor) {
	for _, s := range textSlots {
		rest, ok := strings.CutPrefix(key, s.prefix)
		if !ok {
			continue
		}
		if !s.openCLIP {
			if path, ok := strings.CutSuffix(rest, ".weight"); ok {
				x.addTextAliases(s.part, path, target{key: key, ptr: ptr, block: -1})
			}
			return
		}
		if layer, ok := strings.CutSuffix(rest, ".attn.in_proj_weight"); ok {
			layer = openCLIPToHF.Replace(layer)
			for i, qkv := range []string{"q_proj", "k_proj", "v_proj"} {
				x.addTextAliases(s.part, layer+".self_attn."+qkv, target{key: key, ptr: ptr, block: i, blocks: 3})
			}
			return
		}
		if path, ok := strings.CutSuffix(rest, ".weight"); ok {
			x.addTextAliases(s.part, openCLIPToHF.Replace(path), target{key: key, ptr: ptr, block: -1})
		}
		return
	}
}

func (x *index) addTextAliases(part, path string, t target) {
	x.add(part, path, t)
	x.add(part, "text_model."+path, t)
}

// add records path and its kohya form. A name already taken keeps its
// first target: kohya's underscores could in principle make two paths
// collide, and the first registered is as good a guess as any.
func (x *index) add(part, path string, t target) {
	m := x.alias[part]
	for _, a := range []string{path, kohyaName(path)} {
		if _, dup := m[a]; !dup {
			m[a] = t
		}
	}
}

func (x *index) lookup(part, name string) (target, bool) {
	t, ok := x.alias[part][name]
	return t, ok
}

// kohyaName is kohya's module spelling: dots become underscores.
func kohyaName(path string) string { return strings.ReplaceAll(path, ".", "_") }

// resBlocksPerLevel infers the UNet's residual blocks per down level from
// where the first downsample sits (input_blocks.nrb+1.0.op), or, for a
// one-level UNet, from the number of input blocks.
func resBlocksPerLevel(paths func(yield func(string) bool)) int {
	firstDown, maxIn := -1, -1
	for p := range paths {
		block, n, k, rest, ok := splitBlock(p)
		if !ok || block != "input_blocks" {
			continue
		}
		maxIn = max(maxIn, n)
		if _, isOp := cutModule(rest, ".op"); k == 0 && isOp && (firstDown < 0 || n < firstDown) {
			firstDown = n
		}
	}
	if firstDown > 0 {
		return firstDown - 1
	}
	return maxIn
}

// blockRows is the row range of block b of blocks in a tensor of rows rows.
func blockRows(rows, b, blocks int) (lo, hi int) {
	n := rows / blocks
	return b * n, (b + 1) * n
}
