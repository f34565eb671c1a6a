package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// WriteTensor is one tensor for Write.
type WriteTensor struct {
	Name  string
	DType DType
	Shape []int64
	Data  []byte // little-endian elements, len = product(Shape) × DType.Size()
}

// Write writes tensors, in the given order, as a safetensors file. The header
// is padded with spaces so the data section starts at a multiple of 8, as the
// reference writer does, which keeps mapped tensors aligned.
func Write(w io.Writer, tensors []WriteTensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header[metadataKey] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == metadataKey {
			return fmt.Errorf("write safetensors: tensor name %q is reserved", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("write safetensors: duplicate tensor %q", t.Name)
		}
		if !t.DType.Valid() {
			return fmt.Errorf("write safetensors: tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		n := int64(t.DType.Size())
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("write safetensors: tensor %q: negative dimension in %v", t.Name, t.Shape)
			}
			n *= d
		}
		if int64(len(t.Data)) != n {
			return fmt.Errorf("write safetensors: tensor %q: %d data bytes, %s %v needs %d", t.Name, len(t.Data), t.DType, t.Shape, n)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int64{}
		}
		header[t.Name] = map[string]any{
			"dtype":        t.DType,
			"shape":        shape,
			"data_offsets": [2]int64{off, off + n},
		}
		off += n
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("write safetensors: header: %w", err)
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte{' '}, pad)...)
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("write safetensors: %w", err)
	}
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("write safetensors: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("write safetensors: tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// WriteFile writes a safetensors file to path (not atomically: it is meant for
// tests and generators).
func WriteFile(path string, tensors []WriteTensor, metadata map[string]string) error {
	var buf bytes.Buffer
	if err := Write(&buf, tensors, metadata); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write safetensors: %w", err)
	}
	return nil
}
