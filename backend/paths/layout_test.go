package paths

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// abs builds an absolute path for the running system from slash-separated
// parts, so the expectations hold on Windows and Unix hosts alike.
func abs(t *testing.T, parts ...string) string {
	t.Helper()
	root, err := filepath.Abs(string(filepath.Separator))
	require.NoError(t, err)
	return filepath.Join(append([]string{root}, parts...)...)
}

func TestResolveFrom(t *testing.T) {
	home := abs(t, "home", "ada")
	tests := []struct {
		name       string
		env        map[string]string
		goos       string
		home       string
		wantConfig string
		wantData   string
	}{
		{
			name:       "linux defaults",
			goos:       "linux",
			home:       home,
			wantConfig: filepath.Join(home, ".config", "DreamLayer"),
			wantData:   filepath.Join(home, ".local", "share", "DreamLayer"),
		},
		{
			name:       "linux XDG variables",
			env:        map[string]string{"XDG_CONFIG_HOME": abs(t, "xdg", "cfg"), "XDG_DATA_HOME": abs(t, "xdg", "data")},
			goos:       "linux",
			home:       home,
			wantConfig: abs(t, "xdg", "cfg", "DreamLayer"),
			wantData:   abs(t, "xdg", "data", "DreamLayer"),
		},
		{
			name:       "linux relative XDG values are ignored",
			env:        map[string]string{"XDG_CONFIG_HOME": "cfg", "XDG_DATA_HOME": "data"},
			goos:       "freebsd",
			home:       home,
			wantConfig: filepath.Join(home, ".config", "DreamLayer"),
			wantData:   filepath.Join(home, ".local", "share", "DreamLayer"),
		},
		{
			name:       "macOS",
			goos:       "darwin",
			home:       home,
			wantConfig: filepath.Join(home, "Library", "Application Support", "DreamLayer"),
			wantData:   filepath.Join(home, "Library", "Application Support", "DreamLayer"),
		},
		{
			name:       "windows roaming config, local data",
			env:        map[string]string{"APPDATA": abs(t, "Users", "ada", "AppData", "Roaming"), "LOCALAPPDATA": abs(t, "Users", "ada", "AppData", "Local")},
			goos:       "windows",
			wantConfig: abs(t, "Users", "ada", "AppData", "Roaming", "DreamLayer"),
			wantData:   abs(t, "Users", "ada", "AppData", "Local", "DreamLayer"),
		},
		{
			name:       "DREAMLAYER_HOME puts everything in one folder",
			env:        map[string]string{"DREAMLAYER_HOME": abs(t, "portable", "dl"), "XDG_DATA_HOME": abs(t, "ignored")},
			goos:       "linux",
			home:       home,
			wantConfig: abs(t, "portable", "dl"),
			wantData:   abs(t, "portable", "dl"),
		},
		{
			name:       "DREAMLAYER_HOME needs no home directory",
			env:        map[string]string{"DREAMLAYER_HOME": abs(t, "p")},
			goos:       "darwin",
			wantConfig: abs(t, "p"),
			wantData:   abs(t, "p"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ResolveFrom(envMap(tt.env), tt.goos, tt.home)
			require.NoError(t, err)
			assert.Equal(t, Layout{
				ConfigDir:         tt.wantConfig,
				DataDir:           tt.wantData,
				LogsDir:           filepath.Join(tt.wantData, "logs"),
				CacheDir:          filepath.Join(tt.wantData, "cache"),
				DatabasePath:      filepath.Join(tt.wantData, "dreamlayer.db"),
				SettingsPath:      filepath.Join(tt.wantConfig, "settings.json"),
				DefaultModelsRoot: filepath.Join(tt.wantData, "models"),
				DefaultOutputDir:  filepath.Join(tt.wantData, "outputs"),
			}, l)
		})
	}
}

func TestResolveFromErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		goos    string
		home    string
		wantErr string
	}{
		{name: "linux without home", goos: "linux", wantErr: "home directory"},
		{name: "macOS without home", goos: "darwin", wantErr: "home directory"},
		{name: "windows without APPDATA", goos: "windows", env: map[string]string{"LOCALAPPDATA": abs(t, "l")}, wantErr: "%APPDATA% is not set"},
		{name: "windows without LOCALAPPDATA", goos: "windows", env: map[string]string{"APPDATA": abs(t, "r")}, wantErr: "%LOCALAPPDATA% is not set"},
		{name: "relative DREAMLAYER_HOME", goos: "linux", home: abs(t, "h"), env: map[string]string{"DREAMLAYER_HOME": "rel/dir"}, wantErr: "DREAMLAYER_HOME must be an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveFrom(envMap(tt.env), tt.goos, tt.home)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestResolveUsesEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(HomeEnv, dir)
	l, err := Resolve()
	require.NoError(t, err)
	assert.Equal(t, dir, l.ConfigDir)
	assert.Equal(t, filepath.Join(dir, "settings.json"), l.SettingsPath)
}

func TestEnsure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "home")
	l, err := ResolveFrom(envMap(map[string]string{HomeEnv: dir}), "linux", "")
	require.NoError(t, err)
	require.NoError(t, l.Ensure())
	for _, d := range []string{l.ConfigDir, l.DataDir, l.LogsDir, l.CacheDir, l.DefaultModelsRoot, l.DefaultOutputDir} {
		fi, err := os.Stat(d)
		require.NoError(t, err, d)
		assert.True(t, fi.IsDir(), d)
	}
	// Idempotent: a second call on existing folders succeeds.
	require.NoError(t, l.Ensure())

	assert.Error(t, Layout{}.Ensure(), "empty layout must not create folders in the working directory")
}
