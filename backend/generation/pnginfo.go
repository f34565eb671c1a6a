package generation

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// maxPNGInfoFile bounds a PNG read for its metadata.
const maxPNGInfoFile = 256 << 20

// ReadPNGInfo reads the generation metadata of a PNG file.
func ReadPNGInfo(path string) (pnginfo.Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return pnginfo.Info{}, fmt.Errorf("png info: %w", err)
	}
	defer f.Close()
	info, err := pnginfo.Read(io.LimitReader(f, maxPNGInfoFile))
	if err != nil {
		return pnginfo.Info{}, fmt.Errorf("png info %s: %w", path, err)
	}
	return info, nil
}

// ReadPNGInfoData reads the generation metadata of PNG bytes (a drop).
func ReadPNGInfoData(data []byte) (pnginfo.Info, error) {
	info, err := pnginfo.Read(bytes.NewReader(data))
	if err != nil {
		return pnginfo.Info{}, fmt.Errorf("png info: %w", err)
	}
	return info, nil
}
