package studio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/gallery"
	"github.com/dreamlayer/dreamlayer/backend/generation"
	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/localengine"
	"github.com/dreamlayer/dreamlayer/backend/logs"
	"github.com/dreamlayer/dreamlayer/backend/outputs"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/prompts"
	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/builtin"
	"github.com/dreamlayer/dreamlayer/backend/providers/httpx"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
	"github.com/dreamlayer/dreamlayer/backend/settings"
	"github.com/dreamlayer/dreamlayer/backend/stats"
	"github.com/dreamlayer/dreamlayer/backend/workflowjobs"
	"github.com/dreamlayer/dreamlayer/backend/workflows"
	builtinworkflows "github.com/dreamlayer/dreamlayer/workflows"
)

// Options says how to build a Studio. Zero values pick the real thing.
type Options struct {
	// Layout overrides the resolved folders (tests); nil means paths.Resolve.
	Layout *paths.Layout
	// Emitter receives every service event; nil drops them.
	Emitter events.Emitter
	// Keyring overrides the OS keychain (tests use keyring.MockInit instead).
	Keyring secrets.Keyring
	// Opener overrides the OS file manager integration.
	Opener gallery.Opener
	// KeyTimeout bounds every keychain call; zero means the secrets default.
	KeyTimeout time.Duration
}

// Studio holds DreamLayer's services, built once per process.
type Studio struct {
	Layout   paths.Layout
	Logger   *logs.Logger
	Settings *settings.Store
	Secrets  *secrets.Store
	Catalog  *catalog.Catalog
	History  *history.DB
	Jobs     *jobs.Queue
	// Engine supervises the local diffusion engine's worker process; it
	// starts the worker on the first local job.
	Engine  *localengine.Supervisor
	Gallery *gallery.Service
	Opener  gallery.Opener
	Styles  *prompts.StyleStore
	// Generation turns the Generate pages' requests into jobs.
	Generation *generation.Service
	Prompts    *prompts.Generator
	// Stats answers the Stats page from the history database.
	Stats *stats.Service
	// Workflows runs ComfyUI workflows, locally or on the ComfyUI servers
	// of the settings, and answers the Workflows page.
	Workflows *workflowjobs.Service
}

// Open resolves the folders, loads settings and opens every service. The
// catalog is built but not started: the window starts it in the background,
// while one-shot commands start it only when they need it.
func Open(opts Options) (*Studio, error) {
	var layout paths.Layout
	if opts.Layout != nil {
		layout = *opts.Layout
	} else {
		var err error
		if layout, err = paths.Resolve(); err != nil {
			return nil, fmt.Errorf("resolve folders: %w", err)
		}
	}
	if err := layout.Ensure(); err != nil {
		return nil, fmt.Errorf("create folders: %w", err)
	}
	emitter := opts.Emitter
	if emitter == nil {
		emitter = events.Nop{}
	}

	// Settings come first: the log level and the model roots depend on them.
	bootLog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store := settings.NewStore(layout.SettingsPath, emitter, bootLog)
	current, err := store.Load()
	if err != nil {
		return nil, fmt.Errorf("load settings: %w", err)
	}
	logger, err := logs.Open(layout.LogsDir, current.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	log := logger.Logger

	s := &Studio{Layout: layout, Logger: logger, Settings: store}
	if s.History, err = history.Open(layout.DatabasePath); err != nil {
		_ = logger.Close()
		return nil, fmt.Errorf("open history: %w", err)
	}

	keyring := opts.Keyring
	if keyring == nil {
		keyring = secrets.SystemKeyring{}
	}
	s.Secrets = secrets.NewStore(keyring, secrets.Options{Timeout: opts.KeyTimeout, Logger: log})

	s.Catalog = catalog.New(catalog.Config{
		Roots:     s.modelRoots(current),
		CachePath: filepath.Join(layout.CacheDir, "model-hashes.json"),
		Emitter:   emitter,
		Logger:    log,
		Hash:      true,
	})
	s.Jobs = jobs.NewQueue(jobs.Options{Emitter: emitter, Logger: log, Recorder: galleryRecorder{db: s.History, emitter: emitter}})
	s.Engine = localengine.NewSupervisor(localengine.Options{
		Device:      current.Engine.Device,
		IdleTimeout: time.Duration(current.Engine.IdleTimeoutMinutes) * time.Minute,
		Logger:      log,
		Notify: func(msg string) {
			emitter.Emit(events.AppNotice, events.Notice{Level: "info", Message: msg})
		},
	})
	if err := s.Jobs.Register(localengine.NewProvider(s.Engine, localengine.ProviderOptions{OutputDir: s.OutputDir, Logger: log})); err != nil {
		_ = s.History.Close()
		_ = logger.Close()
		return nil, fmt.Errorf("register the local engine: %w", err)
	}
	if err := s.openWorkflows(current); err != nil {
		_ = s.History.Close()
		_ = logger.Close()
		return nil, err
	}
	s.Generation = generation.New(s.Catalog, s.Jobs, filepath.Join(layout.CacheDir, "uploads"))
	pattern := func() string { return s.Settings.Get().FilenamePattern }
	s.Generation.Pattern = pattern
	// Cloud models run in the same queue; their images land in the gallery.
	cloud, err := builtin.All(s.CloudConfig())
	if err != nil {
		_ = s.History.Close()
		_ = logger.Close()
		return nil, fmt.Errorf("cloud providers: %w", err)
	}
	s.Generation.Cloud = generation.Cloud{Providers: cloud, HasKey: func(ctx context.Context, provider string) bool {
		p, err := secrets.ParseProvider(provider)
		if err != nil {
			return false
		}
		st, err := s.Secrets.Status(ctx, p)
		return err == nil && st.Set
	}}
	saver := outputs.NewSaver(s.OutputDir, s.History, emitter, log)
	saver.Pattern = pattern
	for _, p := range cloud {
		if err := s.Jobs.Register(providers.JobProvider(p, saver)); err != nil {
			_ = s.History.Close()
			_ = logger.Close()
			return nil, fmt.Errorf("register %s: %w", p.Name(), err)
		}
	}
	opener := opts.Opener
	if opener == nil {
		opener = gallery.NewSystemOpener(log)
	}
	s.Opener = opener
	s.Gallery = gallery.New(s.History, opener, emitter, log)
	s.Styles = prompts.NewStyleStore(filepath.Join(layout.ConfigDir, "styles.json"))
	s.Prompts = prompts.NewGenerator()
	s.Stats = stats.New(s.History, stats.Options{})
	if notice := store.Notice(); notice != "" {
		log.Warn("settings", "notice", notice)
	}
	return s, nil
}

// ModelRoots lists the folders the catalog watches under the current settings.
func (s *Studio) ModelRoots() []string { return s.modelRoots(s.Settings.Get()) }

func (s *Studio) modelRoots(cur settings.Settings) []string {
	root := cur.ModelsRoot
	if root == "" {
		root = s.Layout.DefaultModelsRoot
	}
	roots := []string{root}
	for _, extra := range cur.ExtraModelRoots {
		if extra != "" && extra != root {
			roots = append(roots, extra)
		}
	}
	return roots
}

// CloudConfig is what cloud providers are built from: base-URL overrides
// from settings (the DREAMLAYER_*_BASE_URL variables win), keys from the
// keychain, one retrying HTTP client.
func (s *Studio) CloudConfig() providers.Config {
	c := s.Settings.Get().Cloud
	log := s.Logger.Logger
	return providers.Config{
		BaseURLs: map[string]string{
			string(secrets.OpenAI): c.OpenAIBaseURL, string(secrets.Ideogram): c.IdeogramBaseURL, string(secrets.BFL): c.BFLBaseURL,
		},
		HTTP:   &httpx.Client{Logger: log},
		Keys:   s.Secrets,
		Logger: log,
	}
}

// OutputDir is where generated images are written under the current settings.
func (s *Studio) OutputDir() string {
	if dir := s.Settings.Get().OutputDir; dir != "" {
		return dir
	}
	return s.Layout.DefaultOutputDir
}

// StartCatalog creates the default models folders (so a new user sees where
// files go) and starts scanning and watching every root.
func (s *Studio) StartCatalog(ctx context.Context) error {
	roots := s.ModelRoots()
	if err := paths.CreateModelFolders(roots[0]); err != nil {
		s.Logger.Warn("create model folders", "root", roots[0], "err", err)
	}
	if err := s.Catalog.Start(ctx); err != nil {
		return fmt.Errorf("start model catalog: %w", err)
	}
	return nil
}

// SaveSettings validates and stores new settings, then applies what changed
// to the running services: the log level and the watched model roots.
func (s *Studio) SaveSettings(ctx context.Context, next settings.Settings) (settings.Settings, error) {
	saved, err := s.Settings.Save(next)
	if err != nil {
		return settings.Settings{}, err
	}
	if err := s.apply(ctx, saved); err != nil {
		return saved, err
	}
	return saved, nil
}

// SetSetting changes one setting by its dotted key (the CLI's `settings set`).
func (s *Studio) SetSetting(ctx context.Context, key, value string) (settings.Settings, error) {
	saved, err := s.Settings.Set(key, value)
	if err != nil {
		return settings.Settings{}, err
	}
	return saved, s.apply(ctx, saved)
}

func (s *Studio) apply(ctx context.Context, cur settings.Settings) error {
	if err := s.Logger.SetLevel(cur.LogLevel); err != nil {
		return fmt.Errorf("apply log level: %w", err)
	}
	if err := s.Workflows.SetServers(cur.ComfyUI.Servers); err != nil {
		return fmt.Errorf("apply comfyui servers: %w", err)
	}
	s.Engine.Configure(cur.Engine.Device, time.Duration(cur.Engine.IdleTimeoutMinutes)*time.Minute)
	if err := s.Catalog.SetRoots(ctx, s.modelRoots(cur)); err != nil {
		return fmt.Errorf("apply model folders: %w", err)
	}
	return nil
}

// Close stops background work and closes the database and the log.
func (s *Studio) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(
		s.Jobs.Close(ctx),
		s.Workflows.Close(),
		s.Engine.Close(),
		s.Catalog.Close(),
		s.History.Close(),
		s.Logger.Close(),
	)
}

// galleryRecorder records jobs in the history database and tells the gallery
// when a finished job brought new images.
type galleryRecorder struct {
	db      *history.DB
	emitter events.Emitter
}

func (g galleryRecorder) RecordJob(ctx context.Context, job jobs.Job) error {
	if err := g.db.RecordJob(ctx, job); err != nil {
		return err
	}
	if job.State == jobs.Done && len(job.Outputs) > 0 {
		g.emitter.Emit(events.GalleryChanged, gallery.Change{Type: "added", ID: job.ID})
	}
	return nil
}

// openWorkflows installs the built-in workflow templates, builds the
// workflow service and registers its local and remote providers.
func (s *Studio) openWorkflows(cur settings.Settings) error {
	log := s.Logger.Logger
	builtin := filepath.Join(s.Layout.DataDir, "workflows-builtin")
	if err := workflowjobs.InstallTemplates(builtinworkflows.FS, builtin); err != nil {
		// The app works without templates; files opened by hand still run.
		log.Warn("workflow templates", "err", err)
	}
	uploads := filepath.Join(s.Layout.CacheDir, "uploads")
	s.Workflows = workflowjobs.New(s.Jobs, workflowjobs.Options{
		Catalog: workflows.Catalog{Builtin: builtin, User: filepath.Join(s.Layout.DataDir, "workflows")},
		Local: func() workflows.Options {
			o := workflows.Options{OutputDir: s.OutputDir(), Inputs: []string{uploads}}
			for _, root := range s.ModelRoots() {
				o.Checkpoints = append(o.Checkpoints, modelFolders(root, paths.Checkpoints)...)
				o.VAEs = append(o.VAEs, modelFolders(root, paths.VAE)...)
				o.Loras = append(o.Loras, modelFolders(root, paths.Loras)...)
			}
			return o
		},
		OutputDir: s.OutputDir,
		Log:       log,
	})
	if err := s.Workflows.SetServers(cur.ComfyUI.Servers); err != nil {
		log.Warn("comfyui servers", "err", err)
	}
	for _, p := range s.Workflows.Providers() {
		if err := s.Jobs.Register(p); err != nil {
			return fmt.Errorf("register %s: %w", p.Name(), err)
		}
	}
	return nil
}

// modelFolders lists the folders of one model kind under a root, by the
// ComfyUI name and every A1111 name that means the same kind, since
// workflows name files relative to those folders as ComfyUI does.
func modelFolders(root string, kind paths.Kind) []string {
	out := []string{filepath.Join(root, string(kind))}
	for _, name := range []string{"Stable-diffusion", "VAE", "Lora", "LyCORIS"} {
		if k, ok := paths.KindForFolder(name); ok && k == kind {
			out = append(out, filepath.Join(root, name))
		}
	}
	return out
}
