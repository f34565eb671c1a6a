package workflows

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Template is one workflow file of a catalog.
type Template struct {
	// Name is the file's path under its folder without ".json"
	// ("txt2img/txt2img").
	Name string
	Path string
	// Builtin marks templates of the built-in folder.
	Builtin bool
	// Description is the README.md beside the file, "" without one.
	Description string
	// Inputs lists the bindable names (node titles "input:NAME").
	Inputs []string
}

// Catalog lists templates from the built-in folder (the repository's
// workflows/, which the app copies into its data folder) and a user folder.
// Either may be "". Go cannot embed a folder above the package, so the
// catalog reads folders instead.
type Catalog struct {
	Builtin, User string
}

// List returns the templates, built-in first, each sorted by name. A file
// that does not load is skipped with its error joined into err.
func (c Catalog) List() ([]Template, error) {
	var out []Template
	var errs []error
	for _, src := range []struct {
		dir     string
		builtin bool
	}{{c.Builtin, true}, {c.User, false}} {
		if src.dir == "" {
			continue
		}
		var found []Template
		err := filepath.WalkDir(src.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
				return err
			}
			g, err := LoadFile(path)
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			rel, _ := filepath.Rel(src.dir, path)
			t := Template{Name: filepath.ToSlash(strings.TrimSuffix(rel, ".json")), Path: path, Builtin: src.builtin, Inputs: g.BindNames()}
			if b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "README.md")); err == nil {
				t.Description = strings.TrimSpace(string(b))
			}
			found = append(found, t)
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
		out = append(out, found...)
	}
	return out, errors.Join(errs...)
}

// LoadFile reads and parses a workflow file.
func LoadFile(path string) (*Graph, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxGraphBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes; at most %d", path, ErrInvalidGraph, st.Size(), MaxGraphBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	g, err := Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// bindPrefix marks a node title as a bindable input.
const bindPrefix = "input:"

// BindNames lists the graph's bindable names, sorted.
func (g *Graph) BindNames() []string {
	var out []string
	for _, id := range g.IDs() {
		if name, ok := strings.CutPrefix(g.Nodes[id].Title, bindPrefix); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Bind sets input of the node titled "input:NAME" to value (a string,
// bool, json.Number, or int/float which are stored as json.Number).
func (g *Graph) Bind(name, input string, value any) error {
	for _, id := range g.IDs() {
		if g.Nodes[id].Title == bindPrefix+name {
			return g.Set(id, input, value)
		}
	}
	return fmt.Errorf("workflow has no input named %q", name)
}

// Set sets a node's literal input; links cannot be set this way.
func (g *Graph) Set(id, input string, value any) error {
	n, ok := g.Nodes[id]
	if !ok {
		return fmt.Errorf("no node %s", id)
	}
	if _, isLink := n.Inputs[input].(Link); isLink {
		return fmt.Errorf("node %s (%s): input %q is a link", id, n.Class, input)
	}
	switch v := value.(type) {
	case int:
		value = jsonNumber(fmt.Sprint(v))
	case int64:
		value = jsonNumber(fmt.Sprint(v))
	case float64:
		value = jsonNumber(fmt.Sprint(v))
	}
	n.Inputs[input] = value
	return nil
}
