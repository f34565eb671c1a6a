package lora

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Hash is the hash A1111 writes in "Lora hashes" infotext: the first 12
// hex digits of a SHA-256. For a safetensors file it is kohya's
// "addnet" hash, the SHA-256 of everything after the header (the 8-byte
// length and the JSON), so editing metadata keeps the hash
// (sd-scripts train_util.addnet_hash_safetensors; A1111
// network.NetworkOnDisk uses it with use_addnet_hash for .safetensors);
// for any other file the SHA-256 of the whole file.
func Hash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("lora hash: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("lora hash %s: %w", path, err)
	}
	var head [9]byte
	n, _ := io.ReadFull(f, head[:])
	start := int64(0)
	if n == len(head) && head[8] == '{' {
		if l := binary.LittleEndian.Uint64(head[:8]); l <= uint64(st.Size()-8) {
			start = 8 + int64(l)
		}
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return "", fmt.Errorf("lora hash %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("lora hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
