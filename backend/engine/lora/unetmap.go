package lora

import (
	"strconv"
	"strings"
)

// UNet block names: kohya's SD 1.x LoRAs and diffusers/PEFT files name
// modules as diffusers' UNet2DConditionModel does (down_blocks.i.resnets.j,
// attentions.j, downsamplers.0, mid_block, up_blocks.i.…), while the model
// is loaded with LDM openaimodel names (input_blocks.n.k, middle_block.k,
// output_blocks.n.k). The two line up the way diffusers'
// convert_original_stable_diffusion_to_diffusers.py pairs them: with nrb
// residual blocks per level going down (layers_per_block),
//
//	input_blocks.0.0                  conv_in
//	input_blocks.1+l(nrb+1)+j.0       down_blocks.l.resnets.j
//	input_blocks.1+l(nrb+1)+j.1       down_blocks.l.attentions.j
//	input_blocks.1+l(nrb+1)+nrb.0.op  down_blocks.l.downsamplers.0.conv
//	middle_block.0 / .1 / .2          mid_block.resnets.0 / attentions.0 / resnets.1
//	output_blocks.l(nrb+1)+j.0        up_blocks.l.resnets.j
//	output_blocks.l(nrb+1)+j.1        up_blocks.l.attentions.j (or the upsampler
//	                                  when the level has no attention)
//	output_blocks.…+nrb.{1,2}.conv    up_blocks.l.upsamplers.0.conv
//	time_embed.0 / .2                 time_embedding.linear_1 / linear_2
//	label_emb.0.0 / .2                add_embedding.linear_1 / linear_2
//	out.0 / out.2                     conv_norm_out / conv_out
//
// and inside a residual block in_layers.0/2, emb_layers.1, out_layers.0/3,
// skip_connection are norm1, conv1, time_emb_proj, norm2, conv2,
// conv_shortcut. Transformer internals are spelled alike in both.

var resnetNames = strings.NewReplacer(
	"in_layers.0", "norm1",
	"in_layers.2", "conv1",
	"emb_layers.1", "time_emb_proj",
	"out_layers.0", "norm2",
	"out_layers.3", "conv2",
	"skip_connection", "conv_shortcut",
)

// ldmToDiffusers maps an LDM UNet module path (no ".weight") to its
// diffusers name, for a UNet with nrb residual blocks per down level. It
// returns false for paths outside the table.
func ldmToDiffusers(path string, nrb int) (string, bool) {
	if nrb <= 0 {
		return "", false
	}
	for _, f := range []struct{ ldm, diff string }{
		{"time_embed.0", "time_embedding.linear_1"},
		{"time_embed.2", "time_embedding.linear_2"},
		{"label_emb.0.0", "add_embedding.linear_1"},
		{"label_emb.0.2", "add_embedding.linear_2"},
		{"out.0", "conv_norm_out"},
		{"out.2", "conv_out"},
		{"input_blocks.0.0", "conv_in"},
	} {
		if rest, ok := cutModule(path, f.ldm); ok {
			return f.diff + rest, true
		}
	}
	block, n, k, rest, ok := splitBlock(path)
	if !ok {
		return "", false
	}
	switch block {
	case "input_blocks":
		if n < 1 {
			return "", false
		}
		level, j := (n-1)/(nrb+1), (n-1)%(nrb+1)
		prefix := "down_blocks." + strconv.Itoa(level)
		switch {
		case j == nrb && k == 0:
			if r, ok := cutModule(rest, ".op"); ok {
				return prefix + ".downsamplers.0.conv" + r, true
			}
		case j < nrb && k == 0:
			return prefix + ".resnets." + strconv.Itoa(j) + resnetNames.Replace(rest), true
		case j < nrb && k == 1:
			return prefix + ".attentions." + strconv.Itoa(j) + rest, true
		}
	case "middle_block":
		switch k {
		case 0:
			return "mid_block.resnets.0" + resnetNames.Replace(rest), true
		case 1:
			return "mid_block.attentions.0" + rest, true
		case 2:
			return "mid_block.resnets.1" + resnetNames.Replace(rest), true
		}
	case "output_blocks":
		level, j := n/(nrb+1), n%(nrb+1)
		prefix := "up_blocks." + strconv.Itoa(level)
		if r, ok := cutModule(rest, ".conv"); ok && k >= 1 {
			return prefix + ".upsamplers.0.conv" + r, true
		}
		switch k {
		case 0:
			return prefix + ".resnets." + strconv.Itoa(j) + resnetNames.Replace(rest), true
		case 1:
			return prefix + ".attentions." + strconv.Itoa(j) + rest, true
		}
	}
	return "", false
}

// splitBlock splits "input_blocks.4.1.rest" into ("input_blocks", 4, 1,
// ".rest"); middle_block has no n ("middle_block.1.rest" → n 0, k 1).
func splitBlock(path string) (block string, n, k int, rest string, ok bool) {
	parts := strings.SplitN(path, ".", 4)
	if len(parts) < 2 {
		return "", 0, 0, "", false
	}
	block = parts[0]
	if block == "middle_block" {
		k, err := strconv.Atoi(parts[1])
		if err != nil || k < 0 {
			return "", 0, 0, "", false
		}
		if len(parts) > 2 {
			rest = "." + strings.Join(parts[2:], ".")
		}
		return block, 0, k, rest, true
	}
	if (block != "input_blocks" && block != "output_blocks") || len(parts) < 3 {
		return "", 0, 0, "", false
	}
	n, err1 := strconv.Atoi(parts[1])
	k, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || n < 0 || k < 0 {
		return "", 0, 0, "", false
	}
	if len(parts) == 4 {
		rest = "." + parts[3]
	}
	return block, n, k, rest, true
}

// cutModule strips module (a whole dotted component run) from the front of
// path, returning the remainder ("" or starting with ".").
func cutModule(path, module string) (string, bool) {
	rest, ok := strings.CutPrefix(path, module)
	if !ok || (rest != "" && rest[0] != '.') {
		return "", false
	}
	return rest, true
}
