package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/fsutil"
)

// maxFileSize bounds what Load reads: a real settings file is a few hundred
// bytes, so anything larger is treated as corrupt instead of being parsed.
const maxFileSize = 1 << 20

// Store loads, holds and saves the settings file. It is safe for concurrent
// use.
type Store struct {
	path    string
	emitter events.Emitter
	logger  *slog.Logger
	// now is the clock used to name backups of corrupt files; a seam for tests.
	now func() time.Time

	// saveMu serialises Save and Set so read-modify-write of one key cannot
	// lose another caller's change, and events go out in save order.
	saveMu sync.Mutex
	mu     sync.RWMutex
	cur    Settings
	notice string
}

// NewStore returns a Store for the file at path, holding defaults until Load.
// A nil emitter or logger is replaced by one that discards.
func NewStore(path string, emitter events.Emitter, logger *slog.Logger) *Store {
	if emitter == nil {
		emitter = events.Nop{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{path: path, emitter: emitter, logger: logger, now: time.Now, cur: Defaults()}
}

// Load reads the settings file. A missing file gives defaults (nothing is
// written until Save). A file that cannot be used is moved aside, the user is
// told through an events.AppNotice (also kept in Notice) and Load returns
// defaults with a nil error, because a bad settings file must never stop the
// app from starting. Fields missing from the file take their default values.
func (s *Store) Load() (Settings, error) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()

	next, problem, readable := s.read()
	if problem != "" {
		next = Defaults()
		s.reportUnusable(problem, readable)
	}
	s.mu.Lock()
	s.cur = next
	s.mu.Unlock()
	return next.clone(), nil
}

// read returns the file's settings, or a description of why it cannot be
// used; readable says whether the file exists and could be read (only then is
// it moved aside).
func (s *Store) read() (_ Settings, problem string, readable bool) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Defaults(), "", false
	}
	if err != nil {
		return Settings{}, fmt.Sprintf("could not be opened (%v)", err), false
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	_ = f.Close() // read-only: a close error cannot lose data
	if err != nil {
		return Settings{}, fmt.Sprintf("could not be read (%v)", err), false
	}
	st, problem := decode(data)
	return st, problem, true
}

// decode parses a settings file over the defaults and validates it; problem
// is a user-facing reason when the data cannot be used.
func decode(data []byte) (Settings, string) {
	if len(data) > maxFileSize {
		return Settings{}, fmt.Sprintf("is larger than %d bytes", maxFileSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Settings{}, "is empty"
	}
	// Look at the version first: a newer file may not even decode into this
	// build's types, and "newer" is a clearer message than a type error.
	var head struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err == nil && len(head.Version) > 0 {
		var v float64
		if json.Unmarshal(head.Version, &v) == nil && v > SchemaVersion {
			return Settings{}, fmt.Sprintf("was written by a newer DreamLayer (settings version %v; this version reads %d)", string(head.Version), SchemaVersion)
		}
	}
	st := Defaults()
	if err := json.Unmarshal(data, &st); err != nil {
		return Settings{}, fmt.Sprintf("is not valid settings JSON (%v)", err)
	}
	st = st.normalise()
	if err := st.Validate(); err != nil {
		return Settings{}, fmt.Sprintf("has invalid values (%s)", joinLines(err))
	}
	return st, ""
}

// reportUnusable moves an unusable file aside, logs, records and emits a
// notice for the user.
func (s *Store) reportUnusable(problem string, readable bool) {
	msg := fmt.Sprintf("The settings file %s %s.", s.path, problem)
	level := slog.LevelWarn
	if readable {
		backup, err := s.moveAside()
		if err != nil {
			level = slog.LevelError
			msg += fmt.Sprintf(" It could not be moved aside (%v); saving settings will replace it.", err)
		} else {
			msg += fmt.Sprintf(" It was moved to %s.", backup)
		}
	}
	msg += " DreamLayer started with default settings."
	s.logger.Log(context.Background(), level, "settings file unusable", "path", s.path, "problem", problem)
	s.mu.Lock()
	s.notice = msg
	s.mu.Unlock()
	s.emitter.Emit(events.AppNotice, events.Notice{Level: "warning", Message: msg})
}

// moveAside renames the file to "<path>.corrupt-<UTC time>", adding a counter
// if a backup of the same second exists so no earlier backup is overwritten.
func (s *Store) moveAside() (string, error) {
	stamp := s.now().UTC().Format("20060102T150405Z")
	base := s.path + ".corrupt-" + stamp
	for i := 0; i < 100; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.Rename(s.path, name); err != nil {
			return "", fmt.Errorf("rename %s: %w", s.path, err)
		}
		return name, nil
	}
	return "", fmt.Errorf("rename %s: too many backups named %s*", s.path, base)
}

// Notice returns the message shown to the user when Load could not use the
// settings file, or "" when it could.
func (s *Store) Notice() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.notice
}

// Get returns a copy of the current settings.
func (s *Store) Get() Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur.clone()
}

// Save validates and normalises next, writes it atomically and announces it
// with events.SettingsChanged. It returns the settings as stored.
func (s *Store) Save(next Settings) (Settings, error) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	return s.saveLocked(next)
}

func (s *Store) saveLocked(next Settings) (Settings, error) {
	next = next.normalise()
	// This build always writes its own schema; callers (the UI, Set) need not
	// track the version.
	next.Version = SchemaVersion
	if err := next.Validate(); err != nil {
		return s.Get(), fmt.Errorf("invalid settings: %w", err)
	}
	data, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return s.Get(), fmt.Errorf("encode settings: %w", err)
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return s.Get(), fmt.Errorf("save settings: %w", err)
	}
	if err := fsutil.WriteFileAtomic(s.path, data, 0o644); err != nil {
		return s.Get(), fmt.Errorf("save settings: %w", err)
	}
	s.mu.Lock()
	s.cur = next
	s.mu.Unlock()
	s.logger.Debug("settings saved", "path", s.path)
	s.emitter.Emit(events.SettingsChanged, next.clone())
	return next.clone(), nil
}

// joinLines flattens errors.Join output into one line for a notice.
func joinLines(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
