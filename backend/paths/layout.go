package paths

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// AppName is the folder name used under the OS's config and data folders.
const AppName = "DreamLayer"

// HomeEnv names the environment variable that, when set, puts every file
// DreamLayer owns under one folder (portable installs, tests, CI).
const HomeEnv = "DREAMLAYER_HOME"

// Layout is the set of folders and files DreamLayer uses. Every path is
// absolute once produced by Resolve or ResolveFrom.
type Layout struct {
	ConfigDir         string `json:"configDir"`
	DataDir           string `json:"dataDir"`
	LogsDir           string `json:"logsDir"`
	CacheDir          string `json:"cacheDir"`
	DatabasePath      string `json:"databasePath"`
	SettingsPath      string `json:"settingsPath"`
	DefaultModelsRoot string `json:"defaultModelsRoot"`
	DefaultOutputDir  string `json:"defaultOutputDir"`
}

// Resolve returns the layout for this process's environment and OS.
func Resolve() (Layout, error) {
	// A missing home only matters where the layout needs it; ResolveFrom
	// reports that case itself.
	home, _ := os.UserHomeDir()
	return ResolveFrom(os.Getenv, runtime.GOOS, home)
}

// ResolveFrom computes the layout from an environment lookup, a GOOS value and
// the user's home directory. It mirrors os.UserConfigDir rather than calling
// it, so that the result depends only on its arguments. Paths are joined with
// the running system's separator; goos only selects which folders are used.
func ResolveFrom(getenv func(string) string, goos string, home string) (Layout, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if dl := getenv(HomeEnv); dl != "" {
		dir, err := absolute(HomeEnv, dl)
		if err != nil {
			return Layout{}, err
		}
		return build(dir, dir), nil
	}
	configBase, err := configBase(getenv, goos, home)
	if err != nil {
		return Layout{}, fmt.Errorf("resolve config folder: %w", err)
	}
	dataBase, err := dataBase(getenv, goos, home)
	if err != nil {
		return Layout{}, fmt.Errorf("resolve data folder: %w", err)
	}
	return build(filepath.Join(configBase, AppName), filepath.Join(dataBase, AppName)), nil
}

func build(config, data string) Layout {
	return Layout{
		ConfigDir:         config,
		DataDir:           data,
		LogsDir:           filepath.Join(data, "logs"),
		CacheDir:          filepath.Join(data, "cache"),
		DatabasePath:      filepath.Join(data, "dreamlayer.db"),
		SettingsPath:      filepath.Join(config, "settings.json"),
		DefaultModelsRoot: filepath.Join(data, "models"),
		DefaultOutputDir:  filepath.Join(data, "outputs"),
	}
}

// configBase follows os.UserConfigDir: %APPDATA% on Windows,
// ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config
// elsewhere.
func configBase(getenv func(string) string, goos, home string) (string, error) {
	switch goos {
	case "windows":
		return absolute("%APPDATA%", getenv("APPDATA"))
	case "darwin", "ios":
		return underHome(home, "Library", "Application Support")
	case "plan9":
		return underHome(home, "lib")
	default:
		// The XDG spec says relative values are invalid and must be ignored.
		if x := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
			return filepath.Clean(x), nil
		}
		return underHome(home, ".config")
	}
}

// dataBase is where large, regenerable-or-precious data lives: %LOCALAPPDATA%
// on Windows (not roamed, so models are not synced), the same Application
// Support folder on macOS, $XDG_DATA_HOME or ~/.local/share elsewhere.
func dataBase(getenv func(string) string, goos, home string) (string, error) {
	switch goos {
	case "windows":
		return absolute("%LOCALAPPDATA%", getenv("LOCALAPPDATA"))
	case "darwin", "ios":
		return underHome(home, "Library", "Application Support")
	case "plan9":
		return underHome(home, "lib")
	default:
		if x := getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
			return filepath.Clean(x), nil
		}
		return underHome(home, ".local", "share")
	}
}

func underHome(home string, elem ...string) (string, error) {
	if home == "" {
		return "", errors.New("home directory is not known")
	}
	return filepath.Join(append([]string{home}, elem...)...), nil
}

// absolute validates a folder named by the environment: it must be set and
// absolute, because a relative one would move with the working directory.
func absolute(name, value string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf("%s is not set", name)
	}
	if !filepath.IsAbs(value) {
		return "", fmt.Errorf("%s must be an absolute path, got %q", name, value)
	}
	return filepath.Clean(value), nil
}

// Ensure creates every folder of the layout (and the folders holding the
// database and settings files) if missing.
func (l Layout) Ensure() error {
	dirs := []string{
		l.ConfigDir, l.DataDir, l.LogsDir, l.CacheDir,
		filepath.Dir(l.DatabasePath), filepath.Dir(l.SettingsPath),
		l.DefaultModelsRoot, l.DefaultOutputDir,
	}
	for _, d := range dirs {
		if d == "" || d == "." {
			return errors.New("ensure folders: layout has an empty path")
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("ensure folder %s: %w", d, err)
		}
	}
	return nil
}
