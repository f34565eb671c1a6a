package logs

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/natefinch/lumberjack.v2"
)

// File names used under the logs folder.
const (
	AppFile    = "dream_layer.log"
	EngineFile = "engine.log"
	AccessFile = "access.log"
)

// Rotation limits: enough history to diagnose a bad session, small enough
// that logs never matter next to model files.
const (
	maxSizeMB  = 20
	maxBackups = 5
)

// Logger is a slog.Logger writing to a rotated file, with a level that can be
// changed while it runs.
type Logger struct {
	*slog.Logger
	Level  *slog.LevelVar
	closer io.Closer
}

// Open opens (creating dir if needed) <dir>/dream_layer.log at the given
// level ("debug", "info", "warn" or "error"; "" means info).
func Open(dir string, level string) (*Logger, error) {
	return OpenFile(dir, AppFile, level)
}

// OpenFile is Open for another file in the same folder, such as engine.log or
// access.log.
func OpenFile(dir, name, level string) (*Logger, error) {
	lv, err := ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("open log: folder is empty")
	}
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return nil, fmt.Errorf("open log: %q is not a plain file name", name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open log %s: %w", name, err)
	}
	path := filepath.Join(dir, name)
	// lumberjack opens lazily on first write; open the file now so a
	// permission problem is reported at start-up, not lost later.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	w := &lumberjack.Logger{
		Filename:   path,
		MaxSize:    maxSizeMB,
		MaxBackups: maxBackups,
		Compress:   false,
	}
	return newLogger(w, w, lv), nil
}

// newLogger builds a Logger over any writer; closer may be nil.
func newLogger(w io.Writer, closer io.Closer, lv slog.Level) *Logger {
	v := new(slog.LevelVar)
	v.Set(lv)
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: v})
	return &Logger{Logger: slog.New(h), Level: v, closer: closer}
}

// ParseLevel reads "debug", "info", "warn"/"warning" or "error" (any case,
// surrounding spaces ignored); "" means info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	default:
		return slog.LevelInfo, fmt.Errorf("log level %q is not one of debug, info, warn, error", s)
	}
}

// SetLevel changes the level of l and every logger derived from it.
func (l *Logger) SetLevel(s string) error {
	lv, err := ParseLevel(s)
	if err != nil {
		return err
	}
	l.Level.Set(lv)
	return nil
}

// Close flushes and closes the file. The Logger must not be used afterwards
// (lumberjack would silently reopen the file).
func (l *Logger) Close() error {
	if l == nil || l.closer == nil {
		return nil
	}
	if err := l.closer.Close(); err != nil {
		return fmt.Errorf("close log: %w", err)
	}
	return nil
}
