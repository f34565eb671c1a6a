package settings

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes as the settings file: Load must never panic
// or fail, and whatever it returns must be valid settings.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"theme":"dark","generation":{"steps":30,"cfgScale":6.5}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1e999}`))
	f.Add([]byte(`{"version":"1"}`))
	f.Add([]byte(`{"extraModelRoots":["/a","",null]}`))
	f.Add([]byte(`{"generation":{"width":-8,"seed":-9223372036854775808}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xff\xfe{"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "settings.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		st := NewStore(path, nil, nil)
		got, err := st.Load()
		if err != nil {
			t.Fatalf("Load returned an error: %v", err)
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("Load returned invalid settings: %v", err)
		}
		if st.Notice() == "" {
			// The file was accepted: it must still be where it was.
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("accepted file was moved: %v", err)
			}
		}
	})
}

// FuzzSet feeds arbitrary key/value text, as typed at the command line: Set
// must never panic, and on success the stored settings are valid.
func FuzzSet(f *testing.F) {
	f.Add("generation.steps", "30")
	f.Add("generation.cfgScale", "-0")
	f.Add("extraModelRoots", "/a,/b,,")
	f.Add("engine.memoryBudgetGB", "0x1p-2")
	f.Add("theme", "DARK")
	f.Add("generation.seed", "-9223372036854775808")
	f.Add("nope", "")
	f.Add("generation.", "1")
	f.Fuzz(func(t *testing.T, key, value string) {
		st := NewStore(filepath.Join(t.TempDir(), "settings.json"), nil, nil)
		got, err := st.Set(key, value)
		if err != nil {
			return
		}
		if verr := got.Validate(); verr != nil {
			t.Fatalf("Set(%q, %q) stored invalid settings: %v", key, value, verr)
		}
	})
}
