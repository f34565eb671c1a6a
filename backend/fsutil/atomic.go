package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFileAtomic writes data to path so that readers see either the old
// contents or the new, never a mix. It writes a temporary file in the same
// directory (rename is only atomic within one file system), syncs it, renames
// it over path and then syncs the directory so the rename itself survives a
// power cut. On any failure the temporary file is removed and path is left as
// it was.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFileAtomic(path, data, perm, osOps())
}

// fileOps are the steps of an atomic write that tests replace to simulate a
// disk that fails part way (a full disk, a failed rename).
type fileOps struct {
	write  func(f *os.File, data []byte) error
	rename func(oldpath, newpath string) error
}

func osOps() fileOps {
	return fileOps{
		write: func(f *os.File, data []byte) error {
			_, err := f.Write(data)
			return err
		},
		rename: os.Rename,
	}
}

func writeFileAtomic(path string, data []byte, perm os.FileMode, ops fileOps) (err error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("write %q: path names a directory", path)
	}
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			// Best effort: the temp file is ours and useless once we failed.
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()

	if err = ops.write(tmp, data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp uses 0600; apply the caller's permissions before the file
	// becomes visible under its real name.
	if err = tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("write %s: chmod: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = ops.rename(tmpName, path); err != nil {
		return fmt.Errorf("write %s: rename: %w", path, err)
	}
	// The data is in place; a failed directory sync only weakens durability,
	// so it is reported but the new file stays.
	if serr := syncDir(dir); serr != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, serr)
	}
	return nil
}

// syncDir flushes a directory entry to disk. Windows cannot open directories
// for syncing (and NTFS journals renames), so it is skipped there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	// Some file systems (and platforms) refuse fsync on a directory with
	// EINVAL/ENOTSUP; that is not a failure of the write.
	if serr != nil && isUnsupported(serr) {
		serr = nil
	}
	return errors.Join(serr, cerr)
}
