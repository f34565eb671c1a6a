package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
)

// maxTokenizeInput bounds text read from stdin; a prompt is a few KB.
const maxTokenizeInput = 1 << 20

// runTokenize prints CLIP token ids for a prompt, for checking prompts
// against other tools (A1111, ComfyUI) without loading a model.
func runTokenize(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "tokenize")
	family := fs.String("family", "sd1", "padding of the model family: sd1 (end token) or sd2, sdxl (0)")
	raw := fs.Bool("raw", false, "print the BPE ids only, without start/end tokens, padding or truncation")
	padded := fs.Bool("pad", false, "print the whole 77-token window, padded as the family pads it")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("want: tokenize [--family sd1|sd2|sdxl] [--raw | --pad] TEXT (TEXT \"-\" reads stdin)")
	}
	var pad clip.Padding
	switch *family {
	case "sd1":
		pad = clip.PadWithEnd
	case "sd2", "sdxl":
		pad = clip.PadWithZero
	default:
		return usageErr("unknown family %q (want sd1, sd2 or sdxl)", *family)
	}
	text := strings.Join(pos, " ")
	if text == "-" {
		b, err := io.ReadAll(io.LimitReader(env.Stdin, maxTokenizeInput+1))
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if len(b) > maxTokenizeInput {
			return fmt.Errorf("read stdin: text longer than %d bytes", maxTokenizeInput)
		}
		text = string(b)
	}
	tk, err := clip.NewTokenizer()
	if err != nil {
		return err
	}
	ids := tk.Encode(text)
	switch {
	case *raw:
	case *padded:
		ids = tk.Window(ids, pad)
	default:
		// The window up to and including the end token: what A1111 and
		// ComfyUI show as a prompt's tokens.
		window := tk.Window(ids, pad)
		ids = window[:min(len(ids), clip.ContextLength-2)+2]
	}
	if ids == nil {
		ids = []int{} // print [] rather than null
	}
	return json.NewEncoder(env.Stdout).Encode(ids)
}
