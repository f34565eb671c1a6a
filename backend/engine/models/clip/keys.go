package clip

import (
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
)

// Block code spells weights as transformers' CLIPTextModel does
// (embeddings.token_embedding, encoder.layers.N.layer_norm1,
// self_attn.out_proj, mlp.fc1, final_layer_norm), plus
// self_attn.in_proj_weight/bias for the fused projection only open_clip has.

// openCLIPRenamer maps those names under prefix to open_clip's
// (open_clip/transformer.py TextTransformer and ResidualAttentionBlock).
// Keys outside prefix pass through unchanged.
func openCLIPRenamer(prefix string) nn.Renamer {
	r := strings.NewReplacer(
		"embeddings.token_embedding.", "token_embedding.",
		"embeddings.position_embedding.weight", "positional_embedding",
		"encoder.layers.", "transformer.resblocks.",
		"layer_norm1.", "ln_1.",
		"layer_norm2.", "ln_2.",
		"self_attn.", "attn.",
		"mlp.fc1.", "mlp.c_fc.",
		"mlp.fc2.", "mlp.c_proj.",
		"final_layer_norm.", "ln_final.",
	)
	return func(key string) string {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			return key
		}
		return prefix + r.Replace(rest)
	}
}
