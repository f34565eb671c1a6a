package workflowjobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/fsutil"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
)

// localProvider runs workflow jobs with the native executor.
type localProvider struct{ s *Service }

func (localProvider) Name() string { return LocalProvider }

// Concurrency is 1: the executor runs one graph at a time.
func (localProvider) Concurrency() int { return 1 }

func (p localProvider) Run(ctx context.Context, job jobs.Job, report func(jobs.Progress)) ([]jobs.Output, error) {
	g, err := graphOf(job)
	if err != nil {
		return nil, err
	}
	s := p.s
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ex := s.executor()
	res, err := ex.Run(ctx, g, func(pr workflows.Progress) {
		report(progressOf(pr.Node, pr.Class, pr.Cached, pr.Index, pr.Nodes, pr.Step, pr.Steps, ""))
	})
	if err != nil {
		return nil, err
	}
	seed := seedOf(g)
	var outs []jobs.Output
	for _, img := range res.Images {
		path := img.Path
		if path == "" {
			// PreviewImage keeps its PNG in memory only; the job's
			// results are files, so previews are saved beside the rest.
			if path, err = s.writeImage(s.localOutputDir(), "preview", img.PNG); err != nil {
				return outs, err
			}
		}
		outs = append(outs, output(path, img.PNG, seed, map[string]any{"node": img.Node, "target": TargetLocal}))
	}
	return outs, nil
}

func (s *Service) localOutputDir() string {
	if s.opts.Local != nil {
		if dir := s.opts.Local().OutputDir; dir != "" {
			return dir
		}
	}
	return s.outputDir()
}

func (s *Service) outputDir() string {
	if s.opts.OutputDir != nil {
		return s.opts.OutputDir()
	}
	return ""
}

// remoteProvider runs workflow jobs on the ComfyUI pool.
type remoteProvider struct{ s *Service }

func (remoteProvider) Name() string     { return RemoteProvider }
func (remoteProvider) Concurrency() int { return remoteConcurrency }

func (p remoteProvider) Run(ctx context.Context, job jobs.Job, report func(jobs.Progress)) ([]jobs.Output, error) {
	g, err := graphOf(job)
	if err != nil {
		return nil, err
	}
	pool := p.s.currentPool()
	if pool == nil {
		return nil, ErrNoServers
	}
	res, err := pool.Run(ctx, g, func(pr remote.Progress) {
		report(progressOf(pr.Node, pr.Class, pr.Cached, pr.Index, pr.Nodes, pr.Step, pr.Steps, pr.Server))
	})
	if err != nil {
		return nil, err
	}
	seed := seedOf(g)
	dir := p.s.outputDir()
	var outs []jobs.Output
	for _, img := range res.Images {
		// The server's file is kept byte for byte: its chunks already hold
		// the graph as ComfyUI wrote it ("prompt" and "workflow").
		path, err := p.s.writeImage(dir, strings.TrimSuffix(img.Ref.Filename, filepath.Ext(img.Ref.Filename)), img.PNG)
		if err != nil {
			return outs, err
		}
		outs = append(outs, output(path, img.PNG, seed, map[string]any{
			"node": img.Node, "target": TargetRemote, "server": img.Server, "promptId": res.PromptID,
		}))
	}
	return outs, nil
}

// writeImage writes data under a new name base(-N).png in dir.
func (s *Service) writeImage(dir, base string, data []byte) (string, error) {
	if dir == "" {
		return "", errors.New("save workflow image: no output folder")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("save workflow image: %w", err)
	}
	if base == "" {
		base = "comfyui"
	}
	path, err := pnginfo.UniquePath(dir, base, ".png")
	if err != nil {
		return "", fmt.Errorf("save workflow image: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, data, 0o644); err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("save workflow image: %w", err)
	}
	return path, nil
}

// output describes one saved image; a PNG whose header does not decode
// (which the writers above never produce) is recorded without a size.
func output(path string, data []byte, seed int64, md map[string]any) jobs.Output {
	o := jobs.Output{Path: path, Seed: seed, Metadata: md}
	if cfg, err := png.DecodeConfig(bytes.NewReader(data)); err == nil {
		o.Width, o.Height = cfg.Width, cfg.Height
	}
	return o
}

// graphOf parses the graph a job carries.
func graphOf(job jobs.Job) (*workflows.Graph, error) {
	js, ok := job.Request.Params[ParamGraph].(string)
	if !ok || js == "" {
		return nil, fmt.Errorf("workflow job %s: no graph in params", job.ID)
	}
	g, err := workflows.Load([]byte(js))
	if err != nil {
		return nil, fmt.Errorf("workflow job %s: %w", job.ID, err)
	}
	return g, nil
}

// progressOf maps a node report to the queue's progress: sampler steps
// when a sampler runs, else the node's place in the run.
func progressOf(node, class string, cached bool, index, nodes, step, steps int, server string) jobs.Progress {
	msg := class
	if node != "" {
		msg = fmt.Sprintf("%s (node %s)", class, node)
	}
	if cached {
		msg += " · cached"
	}
	if server != "" {
		msg += " · " + server
	}
	if steps > 0 {
		return jobs.Progress{Step: step, Total: steps, Message: msg}
	}
	return jobs.Progress{Step: index, Total: nodes, Message: msg}
}

// seedOf is the first sampler's seed (KSampler "seed", KSamplerAdvanced
// "noise_seed"), 0 when none is a literal.
func seedOf(g *workflows.Graph) int64 {
	for _, id := range g.IDs() {
		n := g.Nodes[id]
		for _, key := range []string{"seed", "noise_seed"} {
			v, ok := n.Inputs[key]
			if !ok {
				continue
			}
			if i, ok := plain(v, workflows.TypeInt).(int64); ok {
				return i
			}
		}
	}
	return 0
}
