package lora

import "strings"

// Tensor roles inside one adapter module.
const (
	roleDown  = "lora_down"
	roleUp    = "lora_up"
	roleMid   = "lora_mid"
	roleAlpha = "alpha"
	roleW1A   = "hada_w1_a"
	roleW1B   = "hada_w1_b"
	roleW2A   = "hada_w2_a"
	roleW2B   = "hada_w2_b"
	roleT1    = "hada_t1"
	roleT2    = "hada_t2"
	roleK1    = "lokr_w1"
	roleK1A   = "lokr_w1_a"
	roleK1B   = "lokr_w1_b"
	roleK2    = "lokr_w2"
	roleK2A   = "lokr_w2_a"
	roleK2B   = "lokr_w2_b"
	roleKT2   = "lokr_t2"
	roleDiff  = "diff"
	// Recognised but not applied: bias diffs and DoRA's magnitude vector.
	roleDiffB = "diff_b"
	roleDoRA  = "dora_scale"
)

// suffixes maps a tensor-name ending to its role, longest first where one
// ends another. "_lora.down.weight" is diffusers' old attention-processor
// form (…processor.to_q_lora.down.weight).
var suffixes = []struct{ suffix, role string }{
	{".lora_down.weight", roleDown},
	{".lora_up.weight", roleUp},
	{".lora_mid.weight", roleMid},
	{".lora_A.weight", roleDown},
	{".lora_B.weight", roleUp},
	{"_lora.down.weight", roleDown},
	{"_lora.up.weight", roleUp},
	{".lora.down.weight", roleDown},
	{".lora.up.weight", roleUp},
	{".alpha", roleAlpha},
	{".hada_w1_a", roleW1A},
	{".hada_w1_b", roleW1B},
	{".hada_w2_a", roleW2A},
	{".hada_w2_b", roleW2B},
	{".hada_t1", roleT1},
	{".hada_t2", roleT2},
	{".lokr_w1_a", roleK1A},
	{".lokr_w1_b", roleK1B},
	{".lokr_w2_a", roleK2A},
	{".lokr_w2_b", roleK2B},
	{".lokr_w1", roleK1},
	{".lokr_w2", roleK2},
	{".lokr_t2", roleKT2},
	{".diff_b", roleDiffB},
	{".diff", roleDiff},
	{".dora_scale", roleDoRA},
}

// prefixes maps a key's start to the model part and whether the module
// name is kohya-underscored. Longer prefixes come before their own
// prefixes (lora_te1_ before lora_te_, text_encoder_2. before
// text_encoder.).
var prefixes = []struct {
	prefix, part string
	kohya        bool
}{
	{"lora_unet_", partUNet, true},
	{"lora_te1_", partTE1, true},
	{"lora_te2_", partTE2, true},
	{"lora_te_", partTE1, true},
	{"unet.", partUNet, false},
	{"text_encoder_2.", partTE2, false},
	{"text_encoder.", partTE1, false},
	{"model.diffusion_model.", partUNet, false},
	{"diffusion_model.", partUNet, false},
}

// module identifies one adapter module: the model part and its name in
// the file's spelling, after the part's prefix.
type module struct {
	part, name string
}

// maxKeyLen bounds the names parseKey accepts; real ones are under 200.
const maxKeyLen = 1024

// parseKey splits an adapter tensor name into its module and role. ok is
// false for names that are not adapter tensors of a known model part.
// Bare diffusers UNet names (down_blocks.…, from attention-processor files
// saved without the "unet." prefix) count as UNet modules.
func parseKey(name string) (m module, role string, ok bool) {
	if len(name) > maxKeyLen {
		return module{}, "", false
	}
	var base string
	for _, s := range suffixes {
		if b, found := strings.CutSuffix(name, s.suffix); found {
			base, role = b, s.role
			break
		}
	}
	if role == "" {
		return module{}, "", false
	}
	if strings.HasSuffix(name, "_lora.down.weight") || strings.HasSuffix(name, "_lora.up.weight") {
		// …attn1.processor.to_out_lora → …attn1.to_out.0
		base = strings.Replace(base, ".processor.", ".", 1)
		if b, found := strings.CutSuffix(base, ".to_out"); found {
			base = b + ".to_out.0"
		}
	}
	for _, p := range prefixes {
		if rest, found := strings.CutPrefix(base, p.prefix); found {
			if rest == "" || (p.kohya && strings.Contains(rest, ".")) {
				return module{}, "", false
			}
			return module{part: p.part, name: rest}, role, true
		}
	}
	for _, p := range []string{"down_blocks.", "mid_block.", "up_blocks."} {
		if strings.HasPrefix(base, p) {
			return module{part: partUNet, name: base}, role, true
		}
	}
	return module{}, "", false
}
