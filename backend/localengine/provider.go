package localengine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"

	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// ProviderName is the local engine's name in the job queue.
const ProviderName = "local"

// ProviderOptions configure a Provider.
type ProviderOptions struct {
	// OutputDir returns the folder outputs go to (the output folder
	// setting), asked once per job. Required.
	OutputDir func() string
	// Logger receives the provider's logs (nil: discard).
	Logger *slog.Logger
}

// Provider runs the queue's "local" jobs on a Worker.
type Provider struct {
	w    Worker
	opts ProviderOptions
	log  *slog.Logger
	// readProc samples a worker process (a seam for tests): /proc on
	// Linux, nothing elsewhere.
	readProc func(pid int) (procStat, error)
}

var _ jobs.Provider = (*Provider)(nil)

// NewProvider returns the local provider over w.
func NewProvider(w Worker, opts ProviderOptions) *Provider {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provider{w: w, opts: opts, log: log, readProc: readProcStat}
}

// Name implements jobs.Provider.
func (p *Provider) Name() string { return ProviderName }

// Concurrency implements jobs.Provider: one device runs one job at a time.
func (p *Provider) Concurrency() int { return 1 }

// Run implements jobs.Provider.
func (p *Provider) Run(ctx context.Context, job jobs.Job, report func(jobs.Progress)) ([]jobs.Output, error) {
	req, err := EngineRequest(job.Request)
	if err != nil {
		return nil, err
	}
	if p.opts.OutputDir == nil || p.opts.OutputDir() == "" {
		return nil, errors.New("local engine: no output folder configured")
	}
	req.OutputDir = p.opts.OutputDir()
	batches := max(req.BatchCount, 1)
	// A worker the app can observe is measured while the job runs: its
	// device, peak resident memory and CPU time go into each output's
	// metadata for the stats page, with the peak GPU memory the worker
	// reports for the job.
	var m *meter
	if info, ok := p.w.(ProcessInfo); ok {
		m = startMeter(info, p.readProc, usageInterval)
	}
	res, err := p.w.Generate(ctx, job.ID, req, func(wp worker.Progress) {
		jp := jobs.Progress{Step: wp.Step, Total: wp.Total, Message: stageMessage(wp.Stage, wp.Batch, batches)}
		if len(wp.PreviewPNG) > 0 {
			jp.Preview = "data:image/png;base64," + base64.StdEncoding.EncodeToString(wp.PreviewPNG)
		}
		report(jp)
	})
	var used map[string]any
	if m != nil {
		if u, ok := m.finish(); ok {
			used = u.metadata()
		}
	}
	if err != nil {
		return nil, err
	}
	outs := make([]jobs.Output, 0, len(res.Images))
	for _, img := range res.Images {
		md := map[string]any{"parameters": img.Parameters, "steps": res.Steps, "timings": res.Timings}
		maps.Copy(md, used)
		if res.PeakDeviceBytes > 0 {
			md[metaPeakVRAMBytes] = res.PeakDeviceBytes
		}
		if img.Subseed != 0 {
			md["subseed"] = img.Subseed
		}
		outs = append(outs, jobs.Output{Path: img.Path, Width: img.Width, Height: img.Height, Seed: img.Seed, Metadata: md})
	}
	return outs, nil
}

// EngineRequest builds the engine request of a queued job: Params are
// pipeline.Request's fields by their JSON names ("steps", "cfg_scale",
// "sampler", "seed", "width", "hires": {…}, "loras": […]); the job's Model
// (the checkpoint's path), Prompt, NegativePrompt and Mode win over Params.
// An unknown or mistyped parameter is an error wrapping
// pipeline.ErrInvalidRequest that names it; the engine validates values.
// output_dir is always the app's output folder.
func EngineRequest(r jobs.Request) (pipeline.Request, error) {
	var req pipeline.Request
	if len(r.Params) > 0 {
		raw, err := json.Marshal(r.Params)
		if err != nil {
			return req, fmt.Errorf("%w: params: %v", pipeline.ErrInvalidRequest, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, fmt.Errorf("%w: params: %v", pipeline.ErrInvalidRequest, err)
		}
	}
	if r.Model != "" {
		req.Model = r.Model
	}
	if r.Prompt != "" {
		req.Prompt = r.Prompt
	}
	if r.NegativePrompt != "" {
		req.NegativePrompt = r.NegativePrompt
	}
	if r.Mode != "" {
		req.Mode = r.Mode
	}
	req.OutputDir = ""
	return req, nil
}

// stageMessage is the line the UI shows under the progress bar.
func stageMessage(stage string, batch, batches int) string {
	label, ok := map[string]string{
		pipeline.StageLoad:   "Loading model",
		pipeline.StageEncode: "Encoding prompt",
		pipeline.StageSample: "Sampling",
		pipeline.StageHires:  "Hires fix",
		pipeline.StageRefine: "Refining",
		pipeline.StageDecode: "Decoding",
		pipeline.StageSave:   "Saving",
	}[stage]
	if !ok {
		label = stage
	}
	if batches > 1 {
		label = fmt.Sprintf("%s (batch %d of %d)", label, batch+1, batches)
	}
	return label
}
