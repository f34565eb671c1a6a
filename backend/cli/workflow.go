package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/fsutil"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/studio"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
)

// runWorkflow validates or runs a ComfyUI API-format graph natively.
func runWorkflow(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("want: workflow validate FILE.json | workflow run FILE.json [--set NODE.INPUT=VALUE]… [--server URL]… [--out DIR] [--threads N]")
	}
	switch args[0] {
	case "validate":
		if len(args) != 2 {
			return usageErr("want: workflow validate FILE.json")
		}
		g, err := workflows.LoadFile(args[1])
		if err != nil {
			return err
		}
		plan, err := workflows.Validate(g, workflows.CoreRegistry())
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "ok: %d nodes, %d run for the outputs\n", len(g.Nodes), len(plan.Order))
		return nil
	case "run":
		return workflowRun(ctx, env, args[1:])
	}
	return usageErr("unknown subcommand %q (want validate or run)", args[0])
}

func workflowRun(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "workflow run")
	var sets multiFlag
	fs.Var(&sets, "set", "set a node's input: NODE.INPUT=VALUE (NODE is an id or an input:NAME title; JSON values, else text)")
	out := fs.String("out", "", "output folder (default: the settings' output folder)")
	threads := fs.Int("threads", 0, "worker threads (0: all cores)")
	var servers multiFlag
	fs.Var(&servers, "server", "run on this ComfyUI server instead of locally (repeat to spread over several)")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("want exactly one FILE.json")
	}
	g, err := workflows.LoadFile(rest[0])
	if err != nil {
		return err
	}
	for _, s := range sets {
		if err := applySet(g, s); err != nil {
			return usageErr("--set %s: %v", s, err)
		}
	}
	st, err := openStudio(env)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(servers) > 0 {
		return workflowRunRemote(ctx, env, st, g, servers, *out)
	}
	opts := workflows.Options{OutputDir: *out, Log: st.Logger.Logger}
	if opts.OutputDir == "" {
		opts.OutputDir = st.OutputDir()
	}
	// Model inputs name files the way ComfyUI does: relative to the
	// checkpoints/, vae/ and loras/ folders of every models root (ComfyUI or
	// A1111 names), or as absolute paths.
	for _, root := range st.ModelRoots() {
		opts.Checkpoints = append(opts.Checkpoints, folders(root, paths.Checkpoints)...)
		opts.VAEs = append(opts.VAEs, folders(root, paths.VAE)...)
		opts.Loras = append(opts.Loras, folders(root, paths.Loras)...)
	}
	opts.Inputs = []string{filepath.Dir(rest[0])}
	tightenGC()
	dev := cpu.New(*threads)
	defer dev.Close()
	opts.Device = dev
	res, err := workflows.NewExecutor(workflows.CoreRegistry(), opts).Run(ctx, g, func(p workflows.Progress) {
		if p.Steps > 0 {
			fmt.Fprintf(env.Stderr, "node %s (%s) step %d/%d\n", p.Node, p.Class, p.Step, p.Steps)
			return
		}
		fmt.Fprintf(env.Stderr, "node %s (%s) %d/%d\n", p.Node, p.Class, p.Index, p.Nodes)
	})
	if err != nil {
		return err
	}
	for _, img := range res.Images {
		fmt.Fprintln(env.Stdout, img.Path)
	}
	return nil
}

// workflowRunRemote runs g on a pool of ComfyUI servers and writes the PNGs
// they return, byte for byte, into out (or the settings' output folder).
func workflowRunRemote(ctx context.Context, env *Env, st *studio.Studio, g *workflows.Graph, servers []string, out string) error {
	pool, err := remote.NewPool(servers, remote.Options{Log: st.Logger.Logger})
	if err != nil {
		return usageErr("--server: %v", err)
	}
	if out == "" {
		out = st.OutputDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	server := ""
	res, err := pool.Run(ctx, g, func(p remote.Progress) {
		if p.Server != server {
			server = p.Server
			fmt.Fprintf(env.Stderr, "server %s\n", p.Server)
		}
		if p.Steps > 0 {
			fmt.Fprintf(env.Stderr, "node %s (%s) step %d/%d\n", p.Node, p.Class, p.Step, p.Steps)
			return
		}
		fmt.Fprintf(env.Stderr, "node %s (%s) %d/%d\n", p.Node, p.Class, p.Index, p.Nodes)
	})
	if err != nil {
		return err
	}
	for _, img := range res.Images {
		path, err := freePath(out, img.Ref.Filename)
		if err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(path, img.PNG, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Fprintln(env.Stdout, path)
	}
	return nil
}

// freePath returns dir/name, or dir/stem-N.ext for the first N not taken,
// so an image from a server never overwrites a file (the server's names
// restart per server and may repeat).
func freePath(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := range 10000 {
		p := filepath.Join(dir, name)
		if n > 0 {
			p = filepath.Join(dir, fmt.Sprintf("%s-%d%s", stem, n, ext))
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no free file name for %s in %s", name, dir)
}

// folders lists the folders of one model kind under a root, by the ComfyUI
// name and every A1111 name that means the same kind.
func folders(root string, kind paths.Kind) []string {
	out := []string{filepath.Join(root, string(kind))}
	for _, name := range []string{"Stable-diffusion", "VAE", "Lora", "LyCORIS"} {
		if k, ok := paths.KindForFolder(name); ok && k == kind {
			out = append(out, filepath.Join(root, name))
		}
	}
	return out
}

// applySet parses NODE.INPUT=VALUE; VALUE is JSON when it parses (numbers,
// booleans, strings in quotes), else plain text.
func applySet(g *workflows.Graph, s string) error {
	target, value, ok := strings.Cut(s, "=")
	node, input, ok2 := strings.Cut(target, ".")
	if !ok || !ok2 || node == "" || input == "" {
		return fmt.Errorf("want NODE.INPUT=VALUE")
	}
	var v any = value
	var parsed any
	if err := json.Unmarshal([]byte(value), &parsed); err == nil {
		v = parsed
		if f, isNum := parsed.(float64); isNum && f == float64(int64(f)) {
			v = int64(f)
		}
	} else if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		v = n
	}
	if _, isID := g.Nodes[node]; isID {
		return g.Set(node, input, v)
	}
	return g.Bind(node, input, v)
}
