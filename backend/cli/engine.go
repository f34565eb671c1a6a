package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	_ "github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu" // registers "cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/pipeline"
	"github.com/dreamlayer/dreamlayer/backend/engine/worker"
	"github.com/dreamlayer/dreamlayer/backend/logs"
	"github.com/dreamlayer/dreamlayer/backend/paths"
	"github.com/dreamlayer/dreamlayer/backend/settings"
	"github.com/dreamlayer/dreamlayer/backend/version"
)

// runEngine serves the engine over stdin/stdout (package worker's protocol)
// until the app sends shutdown or closes stdin. Logs go to stderr, which the
// app keeps to explain a crash, and to logs/engine.log.
func runEngine(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "engine")
	device := fs.String("device", "cpu", "compute device ("+strings.Join(compute.Names(), ", ")+")")
	threads := fs.Int("threads", 0, "CPU threads (0: all cores)")
	if rest, err := parseInterleaved(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}

	layout, layoutErr := engineLayout(env)
	log, closeLog := engineLogger(env, layout, layoutErr)
	defer closeLog()

	dev, err := compute.Open(*device, compute.Options{Threads: *threads})
	if err != nil {
		return err
	}
	defer dev.Close()
	info := dev.Info()
	hello := worker.Hello{
		AppVersion: version.Get().Version,
		Devices:    []worker.Device{{Name: info.Name, Description: info.Description}},
		RAMBytes:   systemMemory(info),
	}
	if info.Name != "cpu" {
		hello.VRAMBytes = info.TotalMemory
	}

	tightenGC()
	models := modelFinder{layout: layout, ok: layoutErr == nil}
	opts := pipeline.Options{Version: "DreamLayer " + version.Get().Version, Logger: log, FindLora: models.lora}
	opts.TAESD, _ = models.find(paths.TAESD, "taesd_decoder")
	opts.TAESDXL, _ = models.find(paths.TAESD, "taesdxl_decoder")
	eng := pipeline.New(dev, opts)

	log.Info("engine serving", "device", info.Name, "description", info.Description, "pid", os.Getpid())
	err = worker.Serve(ctx, env.Stdin, env.Stdout, eng, worker.Config{Hello: hello, Logger: log, Device: dev})
	log.Info("engine stopped", "err", err)
	return err
}

// engineLayout finds the studio's folders without opening the studio: the
// worker needs only the log folder and the model roots, and must not compete
// with the app for its database.
func engineLayout(env *Env) (paths.Layout, error) {
	if env.StudioOptions.Layout != nil {
		return *env.StudioOptions.Layout, nil
	}
	return paths.Resolve()
}

// engineLogger logs to stderr and, when the logs folder can be opened, to
// logs/engine.log as well.
func engineLogger(env *Env, layout paths.Layout, layoutErr error) (*slog.Logger, func()) {
	stderr := slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if layoutErr != nil {
		l := slog.New(stderr)
		l.Warn("no engine.log", "err", layoutErr)
		return l, func() {}
	}
	file, err := logs.OpenFile(layout.LogsDir, logs.EngineFile, "info")
	if err != nil {
		l := slog.New(stderr)
		l.Warn("no engine.log", "err", err)
		return l, func() {}
	}
	return slog.New(slog.NewMultiHandler(stderr, file.Handler())), func() { _ = file.Close() }
}

// systemMemory is the machine's RAM: the CPU device reports it as its total.
func systemMemory(info compute.Info) int64 {
	if info.Name == "cpu" {
		return info.TotalMemory
	}
	return 0
}

// modelFinder looks model files up by name under the model roots of the
// current settings, read on each lookup so a changed root is honoured
// without restarting the worker.
type modelFinder struct {
	layout paths.Layout
	ok     bool
}

func (m modelFinder) roots() []string {
	if !m.ok {
		return nil
	}
	cur, _ := settings.NewStore(m.layout.SettingsPath, nil, nil).Load() // never fails: a bad file gives defaults
	root := cur.ModelsRoot
	if root == "" {
		root = m.layout.DefaultModelsRoot
	}
	return append([]string{root}, cur.ExtraModelRoots...)
}

// modelExts are the weight files a name may resolve to, in preference order.
var modelExts = []string{".safetensors", ".pt", ".pth", ".ckpt", ".bin"}

// find returns the file named stem (any case, any of modelExts) inside the
// kind's folders (ComfyUI or A1111 spelling) of every root.
func (m modelFinder) find(kind paths.Kind, stem string) (string, error) {
	var found string
	for _, root := range m.roots() {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if k, ok := paths.KindForFolder(e.Name()); !ok || k != kind || !e.IsDir() {
				continue
			}
			_ = filepath.WalkDir(filepath.Join(root, e.Name()), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || found != "" {
					return nil
				}
				name := d.Name()
				ext := strings.ToLower(filepath.Ext(name))
				for _, want := range modelExts {
					if ext == want && strings.EqualFold(strings.TrimSuffix(name, filepath.Ext(name)), stem) {
						found = p
						return filepath.SkipAll
					}
				}
				return nil
			})
			if found != "" {
				return found, nil
			}
		}
	}
	return "", fmt.Errorf("no %s file named %q under %s", kind, stem, strings.Join(m.roots(), ", "))
}

func (m modelFinder) lora(name string) (string, error) {
	if name == "" {
		return "", errors.New("empty LoRA name")
	}
	return m.find(paths.Loras, name)
}
