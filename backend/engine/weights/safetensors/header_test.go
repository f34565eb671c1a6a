package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawFile builds a file from a literal header and dataLen zero bytes of data,
// so tests can write headers no honest writer would produce.
func rawFile(header string, dataLen int) []byte {
	var b bytes.Buffer
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	b.Write(n[:])
	b.WriteString(header)
	b.Write(make([]byte, dataLen))
	return b.Bytes()
}

func readBytes(b []byte) (*Header, error) {
	return ReadHeader(bytes.NewReader(b), int64(len(b)))
}

func lengthOnly(n uint64, rest int) []byte {
	b := make([]byte, 8+rest)
	binary.LittleEndian.PutUint64(b, n)
	return b
}

func TestReadHeaderValid(t *testing.T) {
	hdr := `{"b":{"dtype":"F16","shape":[2,3],"data_offsets":[16,28]},` +
		`"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},` +
		`"scalar":{"dtype":"I64","shape":[],"data_offsets":[32,40]},` +
		`"empty":{"dtype":"F32","shape":[0,5],"data_offsets":[28,28]},` +
		`"__metadata__":{"format":"pt","ss_base_model_version":"sd_v1"}}   `
	h, err := readBytes(rawFile(hdr, 40))
	require.NoError(t, err)
	names := []string{}
	for _, ti := range h.Tensors {
		names = append(names, ti.Name)
	}
	assert.Equal(t, []string{"a", "b", "empty", "scalar"}, names, "sorted by name")
	assert.Equal(t, map[string]string{"format": "pt", "ss_base_model_version": "sd_v1"}, h.Metadata)
	assert.Equal(t, int64(8+len(hdr)), h.DataStart)
	assert.Equal(t, int64(8+len(hdr)+40), h.FileSize)

	b, ok := h.Lookup("b")
	require.True(t, ok)
	assert.Equal(t, TensorInfo{Name: "b", DType: F16, Shape: []int64{2, 3}, Begin: 16, End: 28}, b)
	assert.Equal(t, int64(6), b.Elements())
	s, ok := h.Lookup("scalar")
	require.True(t, ok)
	assert.Equal(t, int64(1), s.Elements())
	_, ok = h.Lookup("missing")
	assert.False(t, ok)
}

func TestReadHeaderInvalid(t *testing.T) {
	entry := func(dtype, shape, offsets string) string {
		return fmt.Sprintf(`{"dtype":%s,"shape":%s,"data_offsets":%s}`, dtype, shape, offsets)
	}
	one := func(e string) string { return `{"t":` + e + `}` }
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "shorter than the 8-byte header length"},
		{"five bytes", []byte{1, 2, 3, 4, 5}, "shorter than the 8-byte header length"},
		{"header past end", lengthOnly(100, 10), "exceeds the 10 bytes after the length"},
		{"huge header length", lengthOnly(1<<62, 10), "exceeds the 104857600-byte limit"},
		{"max uint64 length", lengthOnly(^uint64(0), 0), "exceeds the 104857600-byte limit"},
		{"header length zero", lengthOnly(0, 4), "too short"},
		{"not json", rawFile(`{"t":`, 0), "header"},
		{"json array", rawFile(`[1,2]`, 0), "not a JSON object"},
		{"json string", rawFile(`"x"`, 0), "not a JSON object"},
		{"trailing value", rawFile(`{}{}`, 0), "after the object"},
		{"trailing garbage", rawFile(`{} x`, 0), "after the object"},
		{"invalid utf8", rawFile("{\"\xff\":1}", 0), "UTF-8"},
		{"duplicate tensor", rawFile(`{"t":`+entry(`"U8"`, `[1]`, `[0,1]`)+`,"t":`+entry(`"U8"`, `[1]`, `[1,2]`)+`}`, 2), `duplicate key "t"`},
		{"duplicate field", rawFile(one(`{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}`), 1), `duplicate key "dtype"`},
		{"duplicate metadata", rawFile(`{"__metadata__":{"a":"1","a":"2"}}`, 0), `duplicate key "a"`},
		{"tensor not object", rawFile(`{"t":[1]}`, 0), "not a JSON object"},
		{"bad dtype", rawFile(one(entry(`"F128"`, `[1]`, `[0,16]`)), 16), `unknown dtype "F128"`},
		{"lowercase dtype", rawFile(one(entry(`"f32"`, `[1]`, `[0,4]`)), 4), `unknown dtype "f32"`},
		{"dtype number", rawFile(one(entry(`4`, `[1]`, `[0,4]`)), 4), "dtype is not a string"},
		{"missing dtype", rawFile(one(`{"shape":[1],"data_offsets":[0,4]}`), 4), "missing dtype"},
		{"missing shape", rawFile(one(`{"dtype":"F32","data_offsets":[0,4]}`), 4), "missing shape"},
		{"missing offsets", rawFile(one(`{"dtype":"F32","shape":[1]}`), 4), "missing data_offsets"},
		{"null shape", rawFile(one(entry(`"F32"`, `null`, `[0,4]`)), 4), "shape: not an array"},
		{"float in shape", rawFile(one(entry(`"F32"`, `[1.5]`, `[0,4]`)), 4), "shape"},
		{"negative shape", rawFile(one(entry(`"F32"`, `[-1]`, `[0,4]`)), 4), "is negative"},
		{"shape overflow", rawFile(one(entry(`"U8"`, `[4294967296,4294967296]`, `[0,1]`)), 1), "overflows"},
		{"shape times size overflow", rawFile(one(entry(`"F64"`, `[2305843009213693952]`, `[0,8]`)), 8), "overflows"},
		{"three offsets", rawFile(one(entry(`"U8"`, `[1]`, `[0,1,2]`)), 2), "has 3 values"},
		{"negative offset", rawFile(one(entry(`"U8"`, `[1]`, `[-1,0]`)), 2), "negative data_offsets"},
		{"begin after end", rawFile(one(entry(`"U8"`, `[0]`, `[4,2]`)), 4), "begin 4 after end 2"},
		{"offsets past end", rawFile(one(entry(`"F32"`, `[4]`, `[0,16]`)), 8), "beyond the 8-byte data section"},
		{"huge declared size", rawFile(one(entry(`"F32"`, `[1073741824,1073741824]`, `[0,4611686018427387904]`)), 8), "beyond the 8-byte data section"},
		{"shape mismatch", rawFile(one(entry(`"F32"`, `[3]`, `[0,8]`)), 8), "span 8 bytes but F32 [3] needs 12"},
		{"overlap", rawFile(`{"a":`+entry(`"F32"`, `[2]`, `[0,8]`)+`,"b":`+entry(`"F32"`, `[2]`, `[4,12]`)+`}`, 12), "overlap"},
		{"identical ranges", rawFile(`{"a":`+entry(`"F32"`, `[2]`, `[0,8]`)+`,"b":`+entry(`"F32"`, `[2]`, `[0,8]`)+`}`, 8), "overlap"},
		{"contained range", rawFile(`{"a":`+entry(`"F32"`, `[4]`, `[0,16]`)+`,"b":`+entry(`"U8"`, `[1]`, `[4,5]`)+`,"c":`+entry(`"U8"`, `[1]`, `[16,17]`)+`}`, 17), "overlap"},
		{"metadata number", rawFile(`{"__metadata__":{"steps":10}}`, 0), `value of "steps" is not a string`},
		{"metadata nested", rawFile(`{"__metadata__":{"a":{"b":"c"}}}`, 0), `value of "a" is not a string`},
		{"metadata array", rawFile(`{"__metadata__":["a"]}`, 0), "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := readBytes(tt.file)
			require.Error(t, err)
			assert.Nil(t, h)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReadHeaderAcceptsEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		file []byte
	}{
		{"no tensors", rawFile(`{}`, 0)},
		{"null metadata", rawFile(`{"__metadata__":null}`, 0)},
		{"unknown field ignored", rawFile(`{"t":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":{"x":[1]}}}`, 2)},
		{"gap between tensors", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[5,6]}}`, 6)},
		{"zero-size at boundary", rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}`, 2)},
		{"whitespace padding", rawFile("{}  \n\t", 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBytes(tt.file)
			assert.NoError(t, err)
		})
	}
}

type failingReader struct{ err error }

func (f failingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }

func TestReadHeaderIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ReadHeader(failingReader{boom}, 100)
	assert.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, ErrInvalid, "an I/O failure is not a malformed file")
}

func sampleTensors() []WriteTensor {
	f32 := make([]byte, 4*6)
	for i := range 6 {
		binary.LittleEndian.PutUint32(f32[4*i:], mathFloat32bits(float32(i)-2.5))
	}
	return []WriteTensor{
		{Name: "w.f32", DType: F32, Shape: []int64{2, 3}, Data: f32},
		{Name: "w.f16", DType: F16, Shape: []int64{3}, Data: []byte{0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C}},
		{Name: "w.bf16", DType: BF16, Shape: []int64{1}, Data: []byte{0x80, 0x3F}},
		{Name: "w.e4m3", DType: F8E4M3, Shape: []int64{1}, Data: []byte{0x38}},
		{Name: "scalar", DType: I32, Shape: nil, Data: []byte{0xFF, 0xFF, 0xFF, 0xFF}},
	}
}

func TestWriteOpenRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	md := map[string]string{"modelspec.architecture": "stable-diffusion-v1"}
	require.NoError(t, WriteFile(path, sampleTensors(), md))

	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	h := f.Header()
	assert.Equal(t, md, h.Metadata)
	assert.Zero(t, h.DataStart%8, "data section is 8-byte aligned")
	require.Len(t, h.Tensors, 5)

	got, err := f.Float32("w.f32")
	require.NoError(t, err)
	assert.Equal(t, []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, got)
	got, err = f.Float32("w.f16")
	require.NoError(t, err)
	assert.Equal(t, float32(1), got[0])
	assert.Equal(t, float32(-2), got[1])
	assert.True(t, got[2] > 1e38, "inf")
	got, err = f.Float32("w.bf16")
	require.NoError(t, err)
	assert.Equal(t, []float32{1}, got)
	got, err = f.Float32("w.e4m3")
	require.NoError(t, err)
	assert.Equal(t, []float32{1}, got)
	got, err = f.Float32("scalar")
	require.NoError(t, err)
	assert.Equal(t, []float32{-1}, got)

	raw, info, err := f.Bytes("w.f16")
	require.NoError(t, err)
	assert.Equal(t, []byte{0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C}, raw)
	assert.Equal(t, []int64{3}, info.Shape)

	_, _, err = f.Bytes("nope")
	assert.ErrorContains(t, err, `no tensor "nope"`)

	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "second close is a no-op")
	_, _, err = f.Bytes("w.f16")
	assert.ErrorIs(t, err, ErrClosed)
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name    string
		tensors []WriteTensor
		want    string
	}{
		{"reserved name", []WriteTensor{{Name: "__metadata__", DType: U8, Shape: []int64{0}}}, "reserved"},
		{"duplicate", []WriteTensor{{Name: "a", DType: U8, Shape: []int64{0}}, {Name: "a", DType: U8, Shape: []int64{0}}}, "duplicate"},
		{"bad dtype", []WriteTensor{{Name: "a", DType: "Q4", Shape: []int64{0}}}, "unknown dtype"},
		{"negative dim", []WriteTensor{{Name: "a", DType: U8, Shape: []int64{-1}}}, "negative"},
		{"data size", []WriteTensor{{Name: "a", DType: F32, Shape: []int64{2}, Data: make([]byte, 4)}}, "needs 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, Write(&bytes.Buffer{}, tt.tensors, nil), tt.want)
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.safetensors")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	var full bytes.Buffer
	require.NoError(t, Write(&full, sampleTensors(), nil))
	truncated := filepath.Join(dir, "trunc.safetensors")
	require.NoError(t, os.WriteFile(truncated, full.Bytes()[:full.Len()-3], 0o644))

	tests := []struct {
		name    string
		path    string
		invalid bool
		want    string
	}{
		{"missing", filepath.Join(dir, "nope.safetensors"), false, "no such file"},
		{"directory", dir, true, "not a regular file"},
		{"empty", empty, true, "shorter than the 8-byte header length"},
		{"truncated data", truncated, true, "beyond the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(tt.path)
			require.Error(t, err)
			assert.Nil(t, f)
			assert.Equal(t, tt.invalid, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func FuzzReadHeader(f *testing.F) {
	var good bytes.Buffer
	if err := Write(&good, sampleTensors(), map[string]string{"a": "b"}); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()/2])
	f.Add([]byte{})
	f.Add(lengthOnly(1<<40, 0))
	f.Add(rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12))
	f.Add(rawFile(`{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]}}`, 1))
	f.Add(rawFile(`{"__metadata__":{"a":"1","a":"2"}}`, 0))
	f.Add(rawFile(`{"t":{"dtype":"BF16","shape":[],"data_offsets":[0,2]}}`+strings.Repeat(" ", 6), 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := readBytes(data)
		if err != nil {
			return
		}
		dataLen := h.FileSize - h.DataStart
		var prev string
		for i, ti := range h.Tensors {
			if i > 0 && ti.Name <= prev {
				t.Fatalf("tensors not sorted/unique: %q after %q", ti.Name, prev)
			}
			prev = ti.Name
			if ti.Begin < 0 || ti.Begin > ti.End || ti.End > dataLen {
				t.Fatalf("tensor %q range [%d,%d) outside %d", ti.Name, ti.Begin, ti.End, dataLen)
			}
			if ti.End-ti.Begin != ti.Elements()*int64(ti.DType.Size()) {
				t.Fatalf("tensor %q size mismatch", ti.Name)
			}
			if _, ok := h.Lookup(ti.Name); !ok {
				t.Fatalf("lookup %q failed", ti.Name)
			}
		}
	})
}

func TestReleaseKeepsTensorsReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.safetensors")
	data := make([]byte, 3*4096+10) // spans whole pages and partial ones
	for i := range data {
		data[i] = byte(i * 7)
	}
	require.NoError(t, WriteFile(path, []WriteTensor{
		{Name: "a", DType: U8, Shape: []int64{3}, Data: []byte{1, 2, 3}},
		{Name: "big", DType: U8, Shape: []int64{int64(len(data))}, Data: data},
	}, nil))
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	f.Release("big")
	f.Release("missing") // unknown names are ignored
	got, _, err := f.Bytes("big")
	require.NoError(t, err)
	assert.Equal(t, data, got, "released pages read back from the file")
	a, _, err := f.Bytes("a")
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3}, a)
}
