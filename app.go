package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/gallery"
	"github.com/dreamlayer/dreamlayer/backend/generation"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
	"github.com/dreamlayer/dreamlayer/backend/prompts"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
	"github.com/dreamlayer/dreamlayer/backend/settings"
	"github.com/dreamlayer/dreamlayer/backend/stats"
	"github.com/dreamlayer/dreamlayer/backend/studio"
	"github.com/dreamlayer/dreamlayer/backend/version"
	"github.com/dreamlayer/dreamlayer/backend/workflowjobs"
	"github.com/dreamlayer/dreamlayer/backend/workflows/remote"
)

// App is the object the UI calls. Each method is one call into a service;
// errors reject the JavaScript promise with their message.
type App struct {
	ctx    context.Context
	studio *studio.Studio
	relay  *events.Relay
}

// NewApp binds the services to the window.
func NewApp(st *studio.Studio, relay *events.Relay) *App {
	return &App{studio: st, relay: relay, ctx: context.Background()}
}

// wailsEmitter sends events to the window through the Wails runtime. It only
// works with the context Wails passes to OnStartup.
type wailsEmitter struct{ ctx context.Context }

func (w wailsEmitter) Emit(name string, payload any) { runtime.EventsEmit(w.ctx, name, payload) }

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	a.relay.Attach(wailsEmitter{ctx})
	if notice := a.studio.Settings.Notice(); notice != "" {
		a.relay.Emit(events.AppNotice, events.Notice{Level: "warning", Message: notice})
	}
	// Scanning a big model folder must never hold up the first paint.
	go func() {
		if err := a.studio.StartCatalog(ctx); err != nil {
			a.studio.Logger.Error("start catalog", "err", err)
			a.relay.Emit(events.AppNotice, events.Notice{Level: "error", Message: err.Error()})
		}
	}()
}

func (a *App) shutdown(context.Context) {
	a.relay.Detach()
	if err := a.studio.Close(); err != nil {
		a.studio.Logger.Error("shutdown", "err", err)
	}
}

// Version describes the running build.
func (a *App) Version() (version.Info, error) { return version.Get(), nil }

// GetPaths returns the app's folders.
func (a *App) GetPaths() (paths.Layout, error) { return a.studio.Layout, nil }

// GetSettings returns the current settings.
func (a *App) GetSettings() (settings.Settings, error) { return a.studio.Settings.Get(), nil }

// SaveSettings validates, stores and applies new settings.
func (a *App) SaveSettings(next settings.Settings) (settings.Settings, error) {
	return a.studio.SaveSettings(a.ctx, next)
}

// ChooseFolder opens the native folder picker; "" means the user cancelled.
func (a *App) ChooseFolder(title, start string) (string, error) {
	return runtime.OpenDirectoryDialog(a.ctx, runtime.OpenDialogOptions{Title: title, DefaultDirectory: start, CanCreateDirectories: true})
}

// ListModels returns every model file the catalog knows.
func (a *App) ListModels() ([]catalog.Model, error) { return a.studio.Catalog.List(), nil }

// RescanModels walks every model folder again.
func (a *App) RescanModels() error { return a.studio.Catalog.SetRoots(a.ctx, a.studio.ModelRoots()) }

// OpenModelsFolder opens the models root, or its folder for one kind, in the OS file manager.
func (a *App) OpenModelsFolder(kind string) error {
	dir := a.studio.ModelRoots()[0]
	if kind != "" {
		k, ok := paths.KindForFolder(kind)
		if !ok {
			return fmt.Errorf("open models folder: unknown kind %q", kind)
		}
		dir = filepath.Join(dir, string(k))
	}
	return a.studio.Opener.Open(dir)
}

// RevealModel shows a model file in the OS file manager.
func (a *App) RevealModel(id string) error {
	m, ok := a.studio.Catalog.Get(id)
	if !ok {
		return fmt.Errorf("reveal model: no model with id %q", id)
	}
	return a.studio.Opener.Reveal(m.Path)
}

// GetKeyState reports, per cloud provider, whether a key is set (never the key).
func (a *App) GetKeyState() (secrets.State, error) { return a.studio.Secrets.State(a.ctx), nil }

// SetKey stores a provider's API key in the OS keychain.
func (a *App) SetKey(provider, key string) (secrets.Status, error) {
	p, err := secrets.ParseProvider(provider)
	if err != nil {
		return secrets.Status{}, err
	}
	return a.studio.Secrets.Set(a.ctx, p, key)
}

// DeleteKey removes a provider's API key.
func (a *App) DeleteKey(provider string) (secrets.Status, error) {
	p, err := secrets.ParseProvider(provider)
	if err != nil {
		return secrets.Status{}, err
	}
	return a.studio.Secrets.Delete(a.ctx, p)
}

// ListOutputs pages through generated images, newest first, optionally filtered by a search.
func (a *App) ListOutputs(query string, offset, limit int) (gallery.Page, error) {
	return a.studio.Gallery.List(a.ctx, query, offset, limit)
}

// OpenOutput opens an image in the OS viewer.
func (a *App) OpenOutput(id string) error { return a.studio.Gallery.Open(a.ctx, id) }

// RevealOutput shows an image in the OS file manager.
func (a *App) RevealOutput(id string) error { return a.studio.Gallery.Reveal(a.ctx, id) }

// DeleteOutput deletes an image file and its record (the UI confirms first).
func (a *App) DeleteOutput(id string) error { return a.studio.Gallery.Delete(a.ctx, id) }

// RandomPrompt makes a prompt from DreamLayer's own grammar; the same seed gives the same prompt.
func (a *App) RandomPrompt(seed int64) (prompts.Prompt, error) {
	return a.studio.Prompts.Random(seed), nil
}

// ListStyles returns the named prompt styles.
func (a *App) ListStyles() ([]prompts.Style, error) { return a.studio.Styles.List() }

// SaveStyle adds or replaces a style by name.
func (a *App) SaveStyle(s prompts.Style) ([]prompts.Style, error) { return a.studio.Styles.Save(s) }

// DeleteStyle removes a style by name.
func (a *App) DeleteStyle(name string) ([]prompts.Style, error) { return a.studio.Styles.Delete(name) }

// ListJobs returns the queue's jobs, newest first.
func (a *App) ListJobs() ([]jobs.Job, error) { return a.studio.Jobs.List(), nil }

// Generate queues a local generation from the Generate pages.
func (a *App) Generate(req generation.Request) (jobs.Job, error) {
	return a.studio.Generation.Submit(a.ctx, req)
}

// ListCloudModels lists the cloud providers' models, locked where no key is set.
func (a *App) ListCloudModels() ([]generation.CloudModel, error) {
	return a.studio.Generation.CloudModels(a.ctx), nil
}

// TestKey checks a provider's API key against a cheap endpoint.
func (a *App) TestKey(provider string) (generation.KeyTest, error) {
	return a.studio.Generation.TestKey(a.ctx, provider)
}

// CountTokens counts a prompt's CLIP tokens and 75-token chunks.
func (a *App) CountTokens(text string) (generation.TokenCount, error) {
	return a.studio.Generation.CountTokens(text)
}

// SaveUpload keeps a dropped or pasted image (base64) as a file and returns its path.
func (a *App) SaveUpload(name, dataBase64 string) (string, error) {
	data, err := decodeBase64(dataBase64)
	if err != nil {
		return "", fmt.Errorf("save upload %s: %w", name, err)
	}
	return a.studio.Generation.SaveUpload(name, data)
}

// ReadPNGInfo reads the generation metadata of a PNG file.
func (a *App) ReadPNGInfo(path string) (pnginfo.Info, error) { return generation.ReadPNGInfo(path) }

// ReadPNGInfoData reads the generation metadata of a dropped PNG (base64).
func (a *App) ReadPNGInfoData(dataBase64 string) (pnginfo.Info, error) {
	data, err := decodeBase64(dataBase64)
	if err != nil {
		return pnginfo.Info{}, fmt.Errorf("png info: %w", err)
	}
	return generation.ReadPNGInfoData(data)
}

// decodeBase64 accepts plain base64 or a data: URL, as FileReader gives.
func decodeBase64(s string) ([]byte, error) {
	if i := strings.Index(s, ";base64,"); strings.HasPrefix(s, "data:") && i >= 0 {
		s = s[i+len(";base64,"):]
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	return data, nil
}

// ClearFinishedJobs removes finished jobs from the queue panel (history keeps them).
func (a *App) ClearFinishedJobs() error {
	a.studio.Jobs.ClearFinished()
	return nil
}

// CancelJob cancels a queued or running job.
func (a *App) CancelJob(id string) error { return a.studio.Jobs.Cancel(id) }

// MoveJob puts a queued job at place toIndex (0 starts next) among its
// provider's queued jobs; running and finished jobs cannot move.
func (a *App) MoveJob(id string, toIndex int) error { return a.studio.Jobs.Move(id, toIndex) }

// GetStats summarises the jobs of the last rangeHours hours (0: all time)
// for the Stats page.
func (a *App) GetStats(rangeHours int) (stats.Summary, error) {
	return a.studio.Stats.Summary(a.ctx, rangeHours)
}

// ListOutputsFiltered pages through generated images matching the gallery's
// search box and filters (model, provider, date range), newest first.
func (a *App) ListOutputsFiltered(filter gallery.Filter, offset, limit int) (gallery.Page, error) {
	return a.studio.Gallery.ListFiltered(a.ctx, filter, offset, limit)
}

// GalleryFacets lists the models and providers that have images, for the gallery's filters.
func (a *App) GalleryFacets() (gallery.Facets, error) { return a.studio.Gallery.Facets(a.ctx) }

// SaveOutputAs asks, with the native save dialog, where to put a copy of an
// output and copies the file there byte for byte (its generation metadata
// intact). It returns the path written, or "" when the user cancelled.
func (a *App) SaveOutputAs(id string) (string, error) {
	return a.saveOutputAs(id, func(opts runtime.SaveDialogOptions) (string, error) {
		return runtime.SaveFileDialog(a.ctx, opts)
	})
}

// saveOutputAs is SaveOutputAs with the dialog passed in: the Wails dialog
// needs the context Wails gives OnStartup and ends the process when handed
// any other, so tests pass their own.
func (a *App) saveOutputAs(id string, ask func(runtime.SaveDialogOptions) (string, error)) (string, error) {
	item, err := a.studio.Gallery.Get(a.ctx, id)
	if err != nil {
		return "", fmt.Errorf("save as: %w", err)
	}
	ext := filepath.Ext(item.Path)
	opts := runtime.SaveDialogOptions{
		Title:                "Save image as",
		DefaultFilename:      filepath.Base(item.Path),
		CanCreateDirectories: true,
	}
	if ext != "" {
		opts.Filters = []runtime.FileFilter{{DisplayName: strings.ToUpper(ext[1:]) + " images (*" + ext + ")", Pattern: "*" + ext}}
	}
	dst, err := ask(opts)
	if err != nil {
		return "", fmt.Errorf("save as: %w", err)
	}
	if dst == "" {
		return "", nil
	}
	// GTK's dialog keeps a name typed without an extension as it is; the
	// copy is the same kind of file as the output, so it gets its extension.
	if filepath.Ext(dst) == "" {
		dst += ext
	}
	if err := generation.CopyImage(item.Path, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// ListWorkflowTemplates lists the workflow templates (built-in and the
// user's own) with their descriptions and named inputs.
func (a *App) ListWorkflowTemplates() ([]workflowjobs.Template, error) {
	return a.studio.Workflows.Templates()
}

// LoadWorkflowTemplate returns one template's nodes and editable inputs.
func (a *App) LoadWorkflowTemplate(id string) (workflowjobs.Workflow, error) {
	return a.studio.Workflows.LoadTemplate(id)
}

// LoadWorkflowData reads an opened or dropped file (base64): ComfyUI
// API-format JSON, or a PNG whose "prompt" chunk holds the graph.
func (a *App) LoadWorkflowData(name, dataBase64 string) (workflowjobs.Workflow, error) {
	data, err := decodeBase64(dataBase64)
	if err != nil {
		return workflowjobs.Workflow{}, fmt.Errorf("load workflow %s: %w", name, err)
	}
	return a.studio.Workflows.Load(name, data)
}

// RunWorkflow queues a workflow (a template or a loaded graph with the
// form's values) to run locally or on the ComfyUI servers.
func (a *App) RunWorkflow(req workflowjobs.RunRequest) (jobs.Job, error) {
	return a.studio.Workflows.Submit(a.ctx, req)
}

// CheckComfyServers health-checks ComfyUI servers: the given URLs (a list
// being edited), or the configured ones when urls is empty.
func (a *App) CheckComfyServers(urls []string) ([]remote.ServerStatus, error) {
	return a.studio.Workflows.CheckServers(a.ctx, urls)
}
