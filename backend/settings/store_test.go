package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

type event struct {
	name    string
	payload any
}

// recorder is an events.Emitter that keeps what it was sent.
type recorder struct {
	mu     sync.Mutex
	events []event
}

func (r *recorder) Emit(name string, payload any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{name, payload})
}

func (r *recorder) all() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// fixedTime is when the tests pretend a corrupt file was found.
var fixedTime = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

type fixture struct {
	path string
	rec  *recorder
	logs *bytes.Buffer
	st   *Store
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cfg", "settings.json")
	rec := &recorder{}
	logs := &bytes.Buffer{}
	st := NewStore(path, rec, slog.New(slog.NewTextHandler(logs, nil)))
	st.now = func() time.Time { return fixedTime }
	return fixture{path: path, rec: rec, logs: logs, st: st}
}

func (f fixture) write(t *testing.T, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(f.path), 0o755))
	require.NoError(t, os.WriteFile(f.path, []byte(data), 0o644))
}

func TestLoadMissingFileGivesDefaults(t *testing.T) {
	f := newFixture(t)
	got, err := f.st.Load()
	require.NoError(t, err)
	assert.Equal(t, Defaults(), got)
	assert.Equal(t, Defaults(), f.st.Get())
	assert.Empty(t, f.st.Notice())
	assert.Empty(t, f.rec.all())
	assert.NoFileExists(t, f.path, "defaults are not written until saved")
}

func TestLoadFillsMissingFieldsFromDefaults(t *testing.T) {
	f := newFixture(t)
	f.write(t, `{"version":1,"theme":"dark","generation":{"steps":40},"engine":null,"someFutureField":true}`)
	got, err := f.st.Load()
	require.NoError(t, err)
	want := Defaults()
	want.Theme = "dark"
	want.Generation.Steps = 40
	assert.Equal(t, want, got)
	assert.Empty(t, f.st.Notice())
	assert.FileExists(t, f.path)
}

func TestLoadUnusableFile(t *testing.T) {
	tests := []struct {
		name        string
		data        string
		wantProblem string
	}{
		{"not JSON", `{"theme": "dark",`, "is not valid settings JSON"},
		{"wrong type", `{"generation":{"steps":"many"}}`, "is not valid settings JSON"},
		{"trailing data", `{"theme":"dark"} {}`, "is not valid settings JSON"},
		{"empty", "  \n", "is empty"},
		{"invalid values", `{"theme":"neon","generation":{"steps":0}}`, `has invalid values (theme: "neon" is not one of system, light, dark; generation.steps: 0 is out of range 1–150)`},
		{"newer version", `{"version":7,"theme":{"mode":"auto"}}`, "was written by a newer DreamLayer (settings version 7; this version reads 1)"},
		{"version zero", `{"version":0}`, "version: 0 is not supported"},
		{"too large", `{"theme":"dark","x":"` + strings.Repeat("a", maxFileSize) + `"}`, "is larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, tt.data)

			got, err := f.st.Load()
			require.NoError(t, err, "a bad settings file must not stop the app")
			assert.Equal(t, Defaults(), got)
			assert.Equal(t, Defaults(), f.st.Get())

			backup := f.path + ".corrupt-20250304T050607Z"
			b, err := os.ReadFile(backup)
			require.NoError(t, err, "the unusable file is kept for the user")
			assert.Equal(t, tt.data, string(b))
			assert.NoFileExists(t, f.path)

			msg := f.st.Notice()
			assert.Contains(t, msg, tt.wantProblem)
			assert.Contains(t, msg, "moved to "+backup)
			assert.Contains(t, msg, "default settings")

			evs := f.rec.all()
			require.Len(t, evs, 1)
			assert.Equal(t, events.AppNotice, evs[0].name)
			assert.Equal(t, events.Notice{Level: "warning", Message: msg}, evs[0].payload)
			assert.Contains(t, f.logs.String(), "level=WARN")
			assert.Contains(t, f.logs.String(), "settings file unusable")
		})
	}
}

func TestLoadKeepsEarlierBackups(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.write(t, fmt.Sprintf("garbage %d", i))
		_, err := f.st.Load()
		require.NoError(t, err)
	}
	base := f.path + ".corrupt-20250304T050607Z"
	for i, name := range []string{base, base + "-1", base + "-2"} {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("garbage %d", i), string(b))
	}
}

func TestLoadUnreadablePathStillStarts(t *testing.T) {
	f := newFixture(t)
	// A directory where the file should be: it cannot be read or renamed as
	// settings, and must not be moved aside.
	require.NoError(t, os.MkdirAll(f.path, 0o755))
	got, err := f.st.Load()
	require.NoError(t, err)
	assert.Equal(t, Defaults(), got)
	assert.Contains(t, f.st.Notice(), "could not be read")
	assert.DirExists(t, f.path)
}

func TestSaveRoundTrip(t *testing.T) {
	f := newFixture(t)
	next := Defaults()
	next.Theme = " Light "
	next.ExtraModelRoots = []string{ap("sd", "models"), ap("sd", "models") + string(filepath.Separator)}
	next.Generation.Steps = 30
	next.Version = 0 // the UI need not send a version

	saved, err := f.st.Save(next)
	require.NoError(t, err)
	assert.Equal(t, "light", saved.Theme)
	assert.Equal(t, []string{ap("sd", "models")}, saved.ExtraModelRoots)
	assert.Equal(t, SchemaVersion, saved.Version)
	assert.Equal(t, saved, f.st.Get())

	var onDisk map[string]any
	b, err := os.ReadFile(f.path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &onDisk))
	assert.EqualValues(t, 1, onDisk["version"])
	for k := range onDisk {
		assert.NotContains(t, strings.ToLower(k), "key", "no API key ever goes into the settings file")
	}

	evs := f.rec.all()
	require.Len(t, evs, 1)
	assert.Equal(t, events.SettingsChanged, evs[0].name)
	assert.Equal(t, saved, evs[0].payload)

	other := NewStore(f.path, nil, nil)
	loaded, err := other.Load()
	require.NoError(t, err)
	assert.Equal(t, saved, loaded)
}

func TestSaveInvalidKeepsFileAndState(t *testing.T) {
	f := newFixture(t)
	good := Defaults()
	good.Theme = "dark"
	_, err := f.st.Save(good)
	require.NoError(t, err)
	before, err := os.ReadFile(f.path)
	require.NoError(t, err)

	bad := good
	bad.Generation.CFGScale = 99
	got, err := f.st.Save(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "generation.cfgScale: 99 is out of range 0–30")
	assert.Equal(t, "dark", got.Theme, "returns the settings still in force")
	after, err := os.ReadFile(f.path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assert.Len(t, f.rec.all(), 1, "no event for a rejected save")
}

func TestGetReturnsCopy(t *testing.T) {
	f := newFixture(t)
	s := Defaults()
	s.ExtraModelRoots = []string{ap("x")}
	_, err := f.st.Save(s)
	require.NoError(t, err)
	got := f.st.Get()
	got.ExtraModelRoots[0] = ap("changed")
	assert.Equal(t, []string{ap("x")}, f.st.Get().ExtraModelRoots)
}
