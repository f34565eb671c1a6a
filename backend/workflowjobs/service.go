package workflowjobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
)

// Provider names in the job queue.
const (
	LocalProvider  = "workflow"
	RemoteProvider = "comfyui"
)

// Targets of RunRequest.
const (
	TargetLocal  = "local"
	TargetRemote = "remote"
)

// Mode is the jobs.Request.Mode of workflow jobs.
const Mode = "workflow"

// Params keys of a workflow job's request.
const (
	ParamGraph    = "graph"
	ParamTemplate = "template"
)

// remoteConcurrency is how many remote jobs run at once; the pool spreads
// them over the servers that are up, least busy first.
const remoteConcurrency = 4

// Errors callers branch on.
var (
	// ErrNoServers: a remote run or check was asked for with no ComfyUI
	// server configured.
	ErrNoServers = errors.New("no ComfyUI servers configured (Settings → ComfyUI servers)")
	// ErrUnknownTemplate: RunRequest or LoadTemplate named no template.
	ErrUnknownTemplate = errors.New("unknown workflow template")
)

// Options configure a Service.
type Options struct {
	// Catalog lists the templates.
	Catalog workflows.Catalog
	// Registry holds the node types; nil means workflows.CoreRegistry.
	Registry *workflows.Registry
	// Local returns the executor's folders and output folder, asked before
	// each local run so changed settings apply (Device and Log are the
	// service's own).
	Local func() workflows.Options
	// OutputDir returns where remote images are written.
	OutputDir func() string
	// NewDevice makes the device local runs use, once, on the first run;
	// nil means a CPU device using every core.
	NewDevice func() compute.Device
	// Remote configures the pool's clients.
	Remote remote.Options
	Log    *slog.Logger
}

// Service runs workflow jobs and answers the Workflows page. It is safe for
// concurrent use.
type Service struct {
	opts  Options
	reg   *workflows.Registry
	queue *jobs.Queue
	log   *slog.Logger

	mu      sync.Mutex
	servers []string
	pool    *remote.Pool

	// runMu serialises local runs (the executor runs one graph at a time)
	// and guards the executor, its options and the device.
	runMu    sync.Mutex
	exec     *workflows.Executor
	execOpts string
	device   compute.Device
}

// New returns a service that submits to queue. Register its Providers on
// the queue before submitting.
func New(queue *jobs.Queue, opts Options) *Service {
	s := &Service{opts: opts, reg: opts.Registry, queue: queue, log: opts.Log}
	if s.reg == nil {
		s.reg = workflows.CoreRegistry()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.Remote.Log == nil {
		s.opts.Remote.Log = s.log
	}
	return s
}

// Providers returns the local and the remote provider.
func (s *Service) Providers() []jobs.Provider {
	return []jobs.Provider{localProvider{s}, remoteProvider{s}}
}

// SetServers rebuilds the remote pool from the ComfyUI server URLs (the
// settings' list); an empty list removes it. The same list keeps the pool
// and its health state.
func (s *Service) SetServers(urls []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Equal(urls, s.servers) && (s.pool != nil) == (len(urls) > 0) {
		return nil
	}
	if len(urls) == 0 {
		s.servers, s.pool = nil, nil
		return nil
	}
	pool, err := remote.NewPool(urls, s.opts.Remote)
	if err != nil {
		return fmt.Errorf("comfyui servers: %w", err)
	}
	s.servers, s.pool = slices.Clone(urls), pool
	return nil
}

// Servers returns the configured server URLs.
func (s *Service) Servers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.servers)
}

func (s *Service) currentPool() *remote.Pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pool
}

// CheckServers health-checks servers: the given URLs (a list being edited
// in Settings, not yet saved) or, when urls is empty, the configured pool.
func (s *Service) CheckServers(ctx context.Context, urls []string) ([]remote.ServerStatus, error) {
	pool := s.currentPool()
	if len(urls) > 0 && !slices.Equal(urls, s.Servers()) {
		var err error
		if pool, err = remote.NewPool(urls, s.opts.Remote); err != nil {
			return nil, fmt.Errorf("check comfyui servers: %w", err)
		}
	}
	if pool == nil {
		return []remote.ServerStatus{}, nil
	}
	return pool.Check(ctx), nil
}

// Template is one catalog entry with its named inputs described.
type Template struct {
	// ID is the catalog name ("txt2img/txt2img"), what RunRequest.Template
	// and LoadTemplate take.
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Builtin     bool         `json:"builtin"`
	Inputs      []NamedInput `json:"inputs"`
}

// Templates lists the catalog's templates. A file that does not load is
// logged and left out, so one broken user file hides no others.
func (s *Service) Templates() ([]Template, error) {
	list, err := s.opts.Catalog.List()
	if err != nil {
		s.log.Warn("workflow templates", "err", err)
	}
	out := []Template{}
	for _, t := range list {
		g, err := workflows.LoadFile(t.Path)
		if err != nil {
			continue // List already reported it
		}
		w, err := Describe(g, s.reg)
		if err != nil {
			s.log.Warn("workflow template", "name", t.Name, "err", err)
			continue
		}
		out = append(out, Template{ID: t.Name, Name: displayName(t.Name), Description: t.Description, Builtin: t.Builtin, Inputs: w.Inputs})
	}
	return out, nil
}

// displayName is a template's last path element ("txt2img/txt2img" →
// "txt2img"), or its folder when the two differ only by that.
func displayName(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (s *Service) template(id string) (workflows.Template, *workflows.Graph, error) {
	list, _ := s.opts.Catalog.List()
	for _, t := range list {
		if t.Name == id {
			g, err := workflows.LoadFile(t.Path)
			if err != nil {
				return t, nil, fmt.Errorf("template %s: %w", id, err)
			}
			return t, g, nil
		}
	}
	return workflows.Template{}, nil, fmt.Errorf("%w %q", ErrUnknownTemplate, id)
}

// LoadTemplate describes one template for the form.
func (s *Service) LoadTemplate(id string) (Workflow, error) {
	t, g, err := s.template(id)
	if err != nil {
		return Workflow{}, err
	}
	w, err := Describe(g, s.reg)
	if err != nil {
		return Workflow{}, err
	}
	w.Name, w.Description, w.Source, w.Template = displayName(t.Name), t.Description, "template", t.Name
	return w, nil
}

// Load describes a workflow from a file's bytes: API-format JSON, or a PNG
// whose "prompt" chunk holds one (ComfyUI's outputs, and DreamLayer's).
func (s *Service) Load(name string, data []byte) (Workflow, error) {
	source := "json"
	if bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		source = "png"
		prompt, err := promptChunk(data)
		if err != nil {
			return Workflow{}, fmt.Errorf("load %s: %w", name, err)
		}
		data = prompt
	}
	g, err := workflows.Load(data)
	if err != nil {
		return Workflow{}, fmt.Errorf("load %s: %w", name, err)
	}
	w, err := Describe(g, s.reg)
	if err != nil {
		return Workflow{}, err
	}
	w.Name, w.Source = name, source
	return w, nil
}

// promptChunk returns the "prompt" text chunk of a PNG.
func promptChunk(data []byte) ([]byte, error) {
	chunks, err := pnginfo.ReadTextChunks(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var prompt string
	for _, c := range chunks {
		if c.Keyword == "prompt" {
			prompt = c.Text // the last wins, as in PIL
		}
	}
	if prompt == "" {
		return nil, errors.New("the PNG has no ComfyUI workflow (no \"prompt\" chunk)")
	}
	return []byte(prompt), nil
}

// Value is one form value: a node's literal input.
type Value struct {
	Node  string `json:"node"`
	Input string `json:"input"`
	Value any    `json:"value"`
}

// RunRequest asks for one workflow run.
type RunRequest struct {
	// Template names a catalog template; otherwise Graph holds API-format
	// JSON (a loaded file's Workflow.Graph).
	Template string `json:"template,omitempty"`
	Graph    string `json:"graph,omitempty"`
	// Name labels the job (the file's name); "" means the template's.
	Name   string  `json:"name,omitempty"`
	Values []Value `json:"values"`
	// Target is TargetLocal or TargetRemote.
	Target string `json:"target"`
}

// Submit builds the graph with the request's values and queues it. A local
// run is validated here so a broken form fails at once; a remote one is
// left to the server, which may have node types DreamLayer lacks.
func (s *Service) Submit(ctx context.Context, req RunRequest) (jobs.Job, error) {
	var provider string
	switch req.Target {
	case TargetLocal, "":
		provider = LocalProvider
	case TargetRemote:
		provider = RemoteProvider
		if len(s.Servers()) == 0 {
			return jobs.Job{}, ErrNoServers
		}
	default:
		return jobs.Job{}, fmt.Errorf("run workflow: unknown target %q (want local or remote)", req.Target)
	}
	var g *workflows.Graph
	name := req.Name
	switch {
	case req.Template != "":
		t, tg, err := s.template(req.Template)
		if err != nil {
			return jobs.Job{}, fmt.Errorf("run workflow: %w", err)
		}
		g = tg
		if name == "" {
			name = displayName(t.Name)
		}
	case req.Graph != "":
		var err error
		if g, err = workflows.Load([]byte(req.Graph)); err != nil {
			return jobs.Job{}, fmt.Errorf("run workflow: %w", err)
		}
	default:
		return jobs.Job{}, errors.New("run workflow: neither a template nor a graph")
	}
	for _, v := range req.Values {
		if err := g.Set(v.Node, v.Input, formValue(v.Value)); err != nil {
			return jobs.Job{}, fmt.Errorf("run workflow: %w", err)
		}
	}
	if provider == LocalProvider {
		if _, err := workflows.Validate(g, s.reg); err != nil {
			return jobs.Job{}, fmt.Errorf("run workflow: %w", err)
		}
	}
	js, err := json.Marshal(g)
	if err != nil {
		return jobs.Job{}, fmt.Errorf("run workflow: %w", err)
	}
	if name == "" {
		name = "workflow"
	}
	params := map[string]any{ParamGraph: string(js)}
	if req.Template != "" {
		params[ParamTemplate] = req.Template
	}
	pos, neg := prompts(g)
	return s.queue.Submit(ctx, jobs.Request{
		Provider: provider, Model: name, Mode: Mode, Prompt: pos, NegativePrompt: neg, Params: params,
	})
}

// formValue turns a JSON number that holds an integer into int64, so an
// INT input set from the UI (JavaScript numbers arrive as float64) is
// written as 20, not 2e+01.
func formValue(v any) any {
	if f, ok := v.(float64); ok && f == float64(int64(f)) && f > -1<<53 && f < 1<<53 {
		return int64(f)
	}
	return v
}

// prompts finds the graph's prompt texts for the job's record: the texts
// bound as input:prompt / input:negative, else the CLIPTextEncode nodes
// feeding a sampler's positive and negative inputs.
func prompts(g *workflows.Graph) (pos, neg string) {
	text := func(id string) string {
		if n, ok := g.Nodes[id]; ok {
			if t, ok := n.Inputs["text"].(string); ok {
				return t
			}
		}
		return ""
	}
	for _, id := range g.IDs() {
		n := g.Nodes[id]
		switch n.Title {
		case "input:prompt":
			pos = text(id)
		case "input:negative":
			neg = text(id)
		}
	}
	for _, id := range g.IDs() {
		n := g.Nodes[id]
		if !strings.HasPrefix(n.Class, "KSampler") {
			continue
		}
		if l, ok := n.Inputs["positive"].(workflows.Link); ok && pos == "" {
			pos = text(l.Node)
		}
		if l, ok := n.Inputs["negative"].(workflows.Link); ok && neg == "" {
			neg = text(l.Node)
		}
	}
	return pos, neg
}

// Close frees the local device.
func (s *Service) Close() error {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.exec = nil
	if s.device != nil {
		err := s.device.Close()
		s.device = nil
		return err
	}
	return nil
}

// executor returns the executor for the current options, keeping the old
// one (and its cache of loaded models) while they are unchanged. Call with
// runMu held.
func (s *Service) executor() *workflows.Executor {
	var o workflows.Options
	if s.opts.Local != nil {
		o = s.opts.Local()
	}
	key, _ := json.Marshal([]any{o.Checkpoints, o.VAEs, o.Loras, o.Inputs, o.OutputDir})
	if s.exec != nil && string(key) == s.execOpts {
		return s.exec
	}
	if s.device == nil {
		if s.opts.NewDevice != nil {
			s.device = s.opts.NewDevice()
		} else {
			s.device = cpu.New(0)
		}
	}
	o.Device, o.Log = s.device, s.log
	s.exec, s.execOpts = workflows.NewExecutor(s.reg, o), string(key)
	return s.exec
}
