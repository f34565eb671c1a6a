package gallery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// openerTimeout bounds one launcher command. xdg-open, open and explorer hand
// the file to another process and return quickly; one that hangs (a broken
// desktop file) must not pin a goroutine forever.
const openerTimeout = 15 * time.Second

// SystemOpener opens files with the operating system's own launchers:
// xdg-open (Linux and BSDs), open (macOS), explorer (Windows). Commands run
// directly, never through a shell, so no path can inject anything.
type SystemOpener struct {
	goos   string
	logger *slog.Logger
	// run executes one command; tests replace it.
	run func(ctx context.Context, name string, args ...string) error
}

// NewSystemOpener returns the opener for the running OS. logger may be nil.
func NewSystemOpener(logger *slog.Logger) *SystemOpener {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &SystemOpener{goos: runtime.GOOS, logger: logger, run: runCommand}
}

func runCommand(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	// A launcher may leave a child holding inherited descriptors; do not
	// wait on them after it exits.
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Open opens path with its default application.
func (o *SystemOpener) Open(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("open %q: path is not absolute", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openerTimeout)
	defer cancel()
	switch o.goos {
	case "darwin":
		return o.run(ctx, "open", path)
	case "windows":
		return o.explorer(ctx, path)
	default:
		return o.run(ctx, "xdg-open", path)
	}
}

// Reveal shows path selected in the file manager where the OS can, or opens
// its folder.
func (o *SystemOpener) Reveal(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("reveal %q: path is not absolute", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openerTimeout)
	defer cancel()
	switch o.goos {
	case "darwin":
		return o.run(ctx, "open", "-R", path)
	case "windows":
		return o.explorer(ctx, "/select,"+path)
	default:
		// The freedesktop FileManager1 interface (Nautilus, Dolphin, Nemo,
		// Thunar, …) selects the file; without it, open the folder.
		err := o.run(ctx, "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.FileManager1",
			"--type=method_call", "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems",
			"array:string:"+fileURI(path), "string:")
		if err == nil {
			return nil
		}
		o.logger.Debug("FileManager1.ShowItems failed; opening the folder", "err", err)
		return o.run(ctx, "xdg-open", filepath.Dir(path))
	}
}

// explorer runs explorer.exe, which exits with status 1 even when it worked,
// so only a failure to start it counts.
func (o *SystemOpener) explorer(ctx context.Context, arg string) error {
	err := o.run(ctx, "explorer", arg)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil
	}
	return err
}

// fileURI returns the file:// URI of an absolute path. Commas are escaped
// too, because dbus-send splits array:string: values on them.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	return strings.ReplaceAll(u.String(), ",", "%2C")
}
