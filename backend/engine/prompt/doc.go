// Package prompt implements AUTOMATIC1111's prompt syntax, so prompts
// written for (and PNGs made by) stable-diffusion-webui condition the model
// the same way here.
//
// A prompt goes through three stages, mirroring A1111's modules:
//
//  1. Parse (extra_networks.parse_prompt + prompt_parser's lark grammar):
//     extra-network tags such as <lora:name:0.8> are removed and returned,
//     and the remaining text is parsed for prompt editing ([a:b:when]) and
//     alternation ([a|b]).
//  2. Schedule (get_learned_conditioning_prompt_schedules): for a number of
//     sampling steps, the distinct texts the prompt resolves to and the last
//     step each one applies to.
//  3. Chunks (sd_hijack_clip.tokenize_line over parse_prompt_attention): one
//     scheduled text becomes 75-token chunks with a weight per token, from
//     the emphasis syntax (word:1.2), (word), [word], BREAK and
//     textual-inversion embeddings. ApplyEmphasis then scales the text
//     encoder's hidden states by those weights ("Original" emphasis).
//
// The package is a leaf: it knows token ids only through a tokenize
// function and never imports the CLIP model, so the tokenizer (and the
// start, end and padding ids of each encoder) are arguments.
//
// Malformed prompts are never errors unless A1111 itself would refuse them
// for a reason a user can fix (a non-numeric extra-network weight): an
// unbalanced bracket is literal text or closes at the end, exactly as A1111
// treats it.
package prompt
