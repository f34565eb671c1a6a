package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// runPNGInfo prints the generation metadata of a PNG (A1111, ComfyUI,
// InvokeAI or DreamLayer): the parameters text, or with --json the parsed
// Info.
func runPNGInfo(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "pnginfo")
	asJSON := fs.Bool("json", false, "print the parsed metadata as JSON")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("want exactly one FILE")
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := pnginfo.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	if text, ok := info.Chunks[pnginfo.KeyParameters]; ok {
		fmt.Fprintln(env.Stdout, text)
		return nil
	}
	if info.Parameters != nil {
		fmt.Fprintln(env.Stdout, pnginfo.FormatA1111(*info.Parameters))
		return nil
	}
	if len(info.Chunks) == 0 {
		fmt.Fprintln(env.Stdout, "no text chunks")
		return nil
	}
	keys := make([]string, 0, len(info.Chunks))
	for k := range info.Chunks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(env.Stdout, "%s: %s\n", k, info.Chunks[k])
	}
	return nil
}
