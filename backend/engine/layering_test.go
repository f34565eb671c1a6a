package engine_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/dreamlayer/dreamlayer"

// forbiddenForEngine are import-path prefixes nothing under backend/engine may
// depend on, directly or not (STYLE §1: imports point down only).
var forbiddenForEngine = []string{
	"github.com/wailsapp/",
	module + "/backend/settings", module + "/backend/catalog", module + "/backend/jobs",
	module + "/backend/history", module + "/backend/gallery", module + "/backend/secrets",
	module + "/backend/paths", module + "/backend/logs", module + "/backend/prompts",
	module + "/backend/events",
}

// forbiddenForModels keeps model code on the device interface only.
var forbiddenForModels = []string{
	module + "/backend/engine/compute/cpu", module + "/backend/engine/compute/cuda",
}

type listedPackage struct {
	ImportPath string
	Deps       []string
	Imports    []string
}

// TestLayering runs `go list -deps` over the engine and fails on an import
// that points up or sideways.
func TestLayering(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Deps,Imports", "./...")
	cmd.Dir = "."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())

	dec := json.NewDecoder(bytes.NewReader(out))
	seen := 0
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if !strings.HasPrefix(p.ImportPath, module+"/backend/engine") {
			continue
		}
		seen++
		deps := append(p.Deps, p.Imports...)
		for _, dep := range deps {
			for _, bad := range forbiddenForEngine {
				require.False(t, dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)),
					"%s depends on %s: the engine must not import Wails or app services", p.ImportPath, dep)
			}
			if strings.HasPrefix(p.ImportPath, module+"/backend/engine/models/") {
				for _, bad := range forbiddenForModels {
					require.False(t, dep == bad || strings.HasPrefix(dep, bad+"/"),
						"%s depends on %s: models see only the compute.Device interface", p.ImportPath, dep)
				}
			}
		}
	}
	require.Positive(t, seen, "go list found no engine packages")
}

// TestFileLength fails on a hand-written engine file over 600 lines
// (STYLE §2); generated files are exempt.
func TestFileLength(t *testing.T) {
	const limit = 600
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		lines, generated := 0, false
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines++
			if strings.HasPrefix(sc.Text(), "// Code generated ") && strings.HasSuffix(sc.Text(), "DO NOT EDIT.") {
				generated = true
			}
		}
		if err := sc.Err(); err != nil {
			return err
		}
		if !generated && lines > limit {
			t.Errorf("%s has %d lines; hand-written engine files stay under %d (split it by block)", path, lines, limit)
		}
		return nil
	})
	require.NoError(t, err)
}
