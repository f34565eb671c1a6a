package generation

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dreamlayer/dreamlayer/backend/fsutil"
)

// ErrSameFile is returned by CopyImage when the destination is the source
// itself (the same path, another spelling of it, or a link to it).
var ErrSameFile = errors.New("the destination is the image itself")

// maxCopy bounds the image CopyImage reads into memory. Our outputs are a
// few MiB; anything near this is not an image the app made.
const maxCopy = 1 << 30

// CopyImage copies the image at src to dst byte for byte, so a PNG's
// metadata chunks (the generation parameters) arrive intact. dst is written
// atomically: a failed copy never leaves half a file. It refuses to write
// over src itself, which would otherwise truncate the only copy.
func CopyImage(src, dst string) error {
	if dst == "" {
		return fmt.Errorf("save image %s: no destination", src)
	}
	info, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("save image: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("save image: %s is not a file", src)
	}
	if info.Size() > maxCopy {
		return fmt.Errorf("save image: %s is %d MiB, more than %d MiB", src, info.Size()>>20, maxCopy>>20)
	}
	// SameFile sees through symlinks, hard links and spellings like "a/./b";
	// comparing the cleaned paths also catches a dst that does not exist yet
	// but names src (impossible in practice, cheap to rule out).
	if d, err := os.Stat(dst); err == nil && os.SameFile(info, d) {
		return fmt.Errorf("save image to %s: %w; choose another name or folder", dst, ErrSameFile)
	}
	if filepath.Clean(src) == filepath.Clean(dst) {
		return fmt.Errorf("save image to %s: %w; choose another name or folder", dst, ErrSameFile)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("save image: %w", err)
	}
	if err := fsutil.WriteFileAtomic(dst, data, 0o644); err != nil {
		return fmt.Errorf("save image to %s: %w", dst, err)
	}
	return nil
}
