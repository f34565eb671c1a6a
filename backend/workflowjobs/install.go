package workflowjobs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/fsutil"
)

// InstallTemplates copies the built-in templates (the repository's
// workflows/ folder, embedded in the binary) into dir, the catalog's
// built-in folder, so they are files the user can read and copy. dir is
// DreamLayer's own: files no longer shipped are removed, so an update that
// drops or renames a template leaves no stale copy. Only .json and .md
// files are copied.
func InstallTemplates(src fs.FS, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("install workflow templates: %w", err)
	}
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := strings.ToLower(path.Ext(p)); ext != ".json" && ext != ".md" {
			return nil
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return fsutil.WriteFileAtomic(dst, data, 0o644)
	})
	if err != nil {
		return fmt.Errorf("install workflow templates: %w", err)
	}
	return nil
}
