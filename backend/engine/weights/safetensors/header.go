package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxHeaderSize bounds the JSON header. The reference implementation allows
// 100 MB; real checkpoints need well under 1 MiB even with thousands of tensors.
const MaxHeaderSize = 100 << 20

// metadataKey is the reserved header entry holding free-form string metadata.
const metadataKey = "__metadata__"

// ErrInvalid is wrapped by every error about a malformed file, so callers can
// tell "this is not a valid safetensors file" from an I/O failure.
var ErrInvalid = errors.New("invalid safetensors file")

// TensorInfo describes one tensor. Begin and End are byte offsets relative to
// the start of the data section (Header.DataStart).
type TensorInfo struct {
	Name  string  `json:"name"`
	DType DType   `json:"dtype"`
	Shape []int64 `json:"shape"`
	Begin int64   `json:"begin"`
	End   int64   `json:"end"`
}

// Elements is the number of elements (1 for a scalar).
func (t TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d // validated not to overflow by ReadHeader
	}
	return n
}

// Header is the validated header of a safetensors file.
type Header struct {
	// Tensors are sorted by name.
	Tensors []TensorInfo
	// Metadata is the "__metadata__" map, nil when the file has none.
	Metadata map[string]string
	// DataStart is the absolute file offset of the data section (8 + N).
	DataStart int64
	// FileSize is the size the header was validated against.
	FileSize int64
}

// Lookup finds a tensor by name.
func (h *Header) Lookup(name string) (TensorInfo, bool) {
	i, ok := slices.BinarySearchFunc(h.Tensors, name, func(t TensorInfo, n string) int {
		return strings.Compare(t.Name, n)
	})
	if !ok {
		return TensorInfo{}, false
	}
	return h.Tensors[i], true
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// ReadHeader reads and validates the header of a safetensors file of the given
// size. Nothing is allocated from a size read out of the file until that size
// has been checked against the real file size.
func ReadHeader(r io.ReaderAt, size int64) (*Header, error) {
	if size < 8 {
		return nil, invalidf("file is %d bytes, shorter than the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("read header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, invalidf("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, invalidf("header length %d exceeds the %d bytes after the length (file truncated?)", n, size-8)
	}
	if n < 2 {
		return nil, invalidf("header length %d is too short for a JSON object", n)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, 8); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	h, err := parseHeader(buf, size-8-int64(n))
	if err != nil {
		return nil, err
	}
	h.DataStart = 8 + int64(n)
	h.FileSize = size
	return h, nil
}

// parseHeader decodes and validates the JSON header against a data section
// of dataLen bytes.
func parseHeader(buf []byte, dataLen int64) (*Header, error) {
	if !utf8.Valid(buf) {
		return nil, invalidf("header is not valid UTF-8")
	}
	members, err := objectMembers(buf)
	if err != nil {
		return nil, invalidf("header: %v", err)
	}
	h := &Header{Tensors: make([]TensorInfo, 0, len(members))}
	for _, m := range members {
		if m.key == metadataKey {
			if h.Metadata, err = parseMetadata(m.value); err != nil {
				return nil, invalidf("%s: %v", metadataKey, err)
			}
			continue
		}
		t, err := parseTensor(m.key, m.value, dataLen)
		if err != nil {
			return nil, invalidf("tensor %q: %v", m.key, err)
		}
		h.Tensors = append(h.Tensors, t)
	}
	if err := checkOverlap(h.Tensors); err != nil {
		return nil, err
	}
	slices.SortFunc(h.Tensors, func(a, b TensorInfo) int { return strings.Compare(a.Name, b.Name) })
	return h, nil
}

func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	members, err := objectMembers(raw)
	if err != nil {
		return nil, err
	}
	md := make(map[string]string, len(members))
	for _, m := range members {
		if len(m.value) == 0 || m.value[0] != '"' {
			return nil, fmt.Errorf("value of %q is not a string", m.key)
		}
		var s string
		if err := json.Unmarshal(m.value, &s); err != nil {
			return nil, fmt.Errorf("value of %q: %v", m.key, err)
		}
		md[m.key] = s
	}
	return md, nil
}

func parseTensor(name string, raw json.RawMessage, dataLen int64) (TensorInfo, error) {
	members, err := objectMembers(raw)
	if err != nil {
		return TensorInfo{}, err
	}
	t := TensorInfo{Name: name}
	var haveDType, haveShape, haveOffsets bool
	var offsets []int64
	for _, m := range members {
		// Unknown fields are ignored, as the reference implementation does,
		// so a future optional field does not make every new file unreadable.
		switch m.key {
		case "dtype":
			var s string
			if len(m.value) == 0 || m.value[0] != '"' {
				return t, errors.New("dtype is not a string")
			}
			if err := json.Unmarshal(m.value, &s); err != nil {
				return t, fmt.Errorf("dtype: %v", err)
			}
			t.DType, haveDType = DType(s), true
		case "shape":
			if t.Shape, err = intArray(m.value); err != nil {
				return t, fmt.Errorf("shape: %v", err)
			}
			haveShape = true
		case "data_offsets":
			if offsets, err = intArray(m.value); err != nil {
				return t, fmt.Errorf("data_offsets: %v", err)
			}
			haveOffsets = true
		}
	}
	switch {
	case !haveDType:
		return t, errors.New("missing dtype")
	case !haveShape:
		return t, errors.New("missing shape")
	case !haveOffsets:
		return t, errors.New("missing data_offsets")
	case !t.DType.Valid():
		return t, fmt.Errorf("unknown dtype %q", t.DType)
	case len(offsets) != 2:
		return t, fmt.Errorf("data_offsets has %d values, want 2", len(offsets))
	}
	t.Begin, t.End = offsets[0], offsets[1]
	elems := int64(1)
	for i, d := range t.Shape {
		if d < 0 {
			return t, fmt.Errorf("shape[%d] = %d is negative", i, d)
		}
		if d != 0 && elems > math.MaxInt64/d {
			return t, fmt.Errorf("shape %v overflows", t.Shape)
		}
		elems *= d
	}
	size := int64(t.DType.Size())
	if elems > math.MaxInt64/size {
		return t, fmt.Errorf("shape %v of %s overflows", t.Shape, t.DType)
	}
	switch {
	case t.Begin < 0 || t.End < 0:
		return t, fmt.Errorf("negative data_offsets [%d, %d]", t.Begin, t.End)
	case t.Begin > t.End:
		return t, fmt.Errorf("data_offsets begin %d after end %d", t.Begin, t.End)
	case t.End > dataLen:
		return t, fmt.Errorf("data_offsets end %d beyond the %d-byte data section (file truncated?)", t.End, dataLen)
	case t.End-t.Begin != elems*size:
		return t, fmt.Errorf("data_offsets span %d bytes but %s %v needs %d", t.End-t.Begin, t.DType, t.Shape, elems*size)
	}
	return t, nil
}

// checkOverlap rejects tensors whose byte ranges share any byte: a file that
// aliases data is either corrupt or crafted.
func checkOverlap(ts []TensorInfo) error {
	byBegin := slices.Clone(ts)
	slices.SortFunc(byBegin, func(a, b TensorInfo) int {
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		return cmpInt64(a.End, b.End)
	})
	var maxEnd int64
	var last string
	for i, t := range byBegin {
		if i > 0 && t.Begin < maxEnd {
			return invalidf("tensors %q and %q overlap", last, t.Name)
		}
		if t.End > maxEnd || i == 0 {
			maxEnd, last = t.End, t.Name
		}
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intArray decodes a JSON array of integers.
func intArray(raw json.RawMessage) ([]int64, error) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errors.New("not an array")
	}
	var v []int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits one JSON object into its members in file order. It
// rejects duplicate keys (encoding/json silently keeps the last one, which
// would let two readers of the same file disagree) and anything but
// whitespace after the object.
func objectMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var members []member
	seen := make(map[string]struct{})
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("unexpected token %v", tok)
		}
		if _, dup := seen[key]; dup {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = struct{}{}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("value of %q: %v", key, err)
		}
		members = append(members, member{key: key, value: raw})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, err
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return nil, fmt.Errorf("after the object: %v", err)
		}
		return nil, fmt.Errorf("unexpected %v after the object", tok)
	}
	return members, nil
}
