package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"

	"github.com/dreamlayer/dreamlayer/backend/catalog"
	"github.com/dreamlayer/dreamlayer/backend/events"
)

func runModels(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("want a subcommand: list, watch or inspect")
	}
	switch args[0] {
	case "list":
		return modelsList(ctx, env, args[1:])
	case "watch":
		return modelsWatch(ctx, env, args[1:])
	case "inspect":
		return modelsInspect(env, args[1:])
	default:
		return usageErr("unknown subcommand %q (want list, watch or inspect)", args[0])
	}
}

func modelsList(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "models list")
	asJSON := fs.Bool("json", false, "print JSON")
	if rest, err := parseInterleaved(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	s, err := openStudio(env)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.StartCatalog(ctx); err != nil {
		return err
	}
	models := s.Catalog.List()
	if *asJSON {
		if models == nil {
			models = []catalog.Model{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(models)
	}
	if len(models) == 0 {
		fmt.Fprintf(env.Stdout, "No models yet. Put files under %s (checkpoints/, loras/, vae/, …).\n", strings.Join(s.ModelRoots(), ", "))
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFAMILY\tSIZE\tHASH\tNAME\tSTATUS")
	for _, m := range models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Kind, familyLabel(m), humanSize(m.Size), hashLabel(m), m.FileName, statusLabel(m))
	}
	return tw.Flush()
}

func modelsWatch(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "models watch")
	asJSON := fs.Bool("json", false, "print one JSON event per line")
	if _, err := parseInterleaved(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	printer := &eventPrinter{w: env.Stdout, json: *asJSON}
	opts := env.StudioOptions
	opts.Emitter = events.Fanout{emitterOrNop(opts.Emitter), printer}
	s, err := env.Open(opts)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.StartCatalog(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "watching %s (Ctrl+C to stop)\n", strings.Join(s.ModelRoots(), ", "))
	<-ctx.Done()
	return nil
}

func emitterOrNop(e events.Emitter) events.Emitter {
	if e == nil {
		return events.Nop{}
	}
	return e
}

// eventPrinter writes catalog events as they happen, one line each.
type eventPrinter struct {
	w    io.Writer
	json bool
	mu   sync.Mutex // events arrive from the catalog's goroutines
}

func (p *eventPrinter) Emit(name string, payload any) {
	if name != events.CatalogChanged {
		return
	}
	ev, ok := payload.(catalog.Event)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		_ = json.NewEncoder(p.w).Encode(ev)
		return
	}
	m := ev.Model
	line := fmt.Sprintf("%-8s %-10s %-12s %-10s %s", ev.Type, m.Kind, familyLabel(m), hashLabel(m), m.Path)
	if m.Status == catalog.StatusUnreadable && ev.Type != catalog.Removed {
		line += "  (unreadable: " + m.Error + ")"
	}
	fmt.Fprintln(p.w, line)
}

func modelsInspect(env *Env, args []string) error {
	fs := newFlags(env, "models inspect")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErr("want exactly one FILE")
	}
	m, err := catalog.Inspect(rest[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("file", m.Path)
	row("kind", m.Kind)
	row("family", familyLabel(m))
	if m.BaseModel != "" {
		row("base model", m.BaseModel)
	}
	row("format", m.Format)
	row("size", fmt.Sprintf("%s (%d bytes)", humanSize(m.Size), m.Size))
	row("status", statusLabel(m))
	row("tensors", fmt.Sprint(m.TensorCount))
	row("dtypes", dtypeMix(m.DTypes))
	row("sha256", m.SHA256)
	row("autov2", m.AutoV2)
	keys := make([]string, 0, len(m.Metadata))
	for k := range m.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		row("meta "+k, truncate(m.Metadata[k], 100))
	}
	return tw.Flush()
}

// familyLabel is the catalog's family, which already names the variant
// ("sd1-inpaint", "sd2-v"); a v-prediction inpainting model, labelled
// "-inpaint", gets the one marker its family cannot show.
func familyLabel(m catalog.Model) string {
	if m.Inpaint && m.VPrediction {
		return m.Family + " (v)"
	}
	return m.Family
}

func hashLabel(m catalog.Model) string {
	switch {
	case m.AutoV2 != "":
		return m.AutoV2
	case m.Status == catalog.StatusUnreadable:
		return "-"
	default:
		return "computing…"
	}
}

func statusLabel(m catalog.Model) string {
	if m.Status == catalog.StatusUnreadable {
		return "unreadable: " + m.Error
	}
	return m.Status
}

func dtypeMix(d map[string]int) string {
	if len(d) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, d[k])
	}
	return strings.Join(parts, " ")
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
