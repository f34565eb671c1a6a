package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/version"
)

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlags(env, "version")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	info := version.Get()
	if *asJSON {
		return json.NewEncoder(env.Stdout).Encode(info)
	}
	_, err := fmt.Fprintf(env.Stdout, "DreamLayer %s (commit %s, %s, %s/%s)\n", info.Version, info.Commit, info.GoVersion, info.OS, info.Arch)
	return err
}
