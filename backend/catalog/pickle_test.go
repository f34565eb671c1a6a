package catalog

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pickleBuilder emits protocol-2 pickle opcodes by hand, enough for a torch
// state dict of half-precision tensors (the shape of a .ckpt file).
type pickleBuilder struct{ bytes.Buffer }

func (p *pickleBuilder) str(s string) {
	p.WriteByte('X') // BINUNICODE
	_ = binary.Write(&p.Buffer, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
}

func (p *pickleBuilder) int(v int) {
	p.WriteByte('J') // BININT
	_ = binary.Write(&p.Buffer, binary.LittleEndian, int32(v))
}

func (p *pickleBuilder) global(module, name string) { p.WriteString("c" + module + "\n" + name + "\n") }

func (p *pickleBuilder) tuple(ints ...int) {
	p.WriteByte('(') // MARK
	for _, v := range ints {
		p.int(v)
	}
	p.WriteByte('t') // TUPLE
}

// tensor writes torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict()).
func (p *pickleBuilder) tensor(key string, shape ...int) {
	numel, stride := 1, make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = numel
		numel *= shape[i]
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.WriteByte('(')
	p.WriteByte('(') // persistent id tuple
	p.str("storage")
	p.global("torch", "HalfStorage")
	p.str(key)
	p.str("cpu")
	p.int(numel)
	p.WriteString("tQ") // TUPLE, BINPERSID
	p.int(0)
	p.tuple(shape...)
	p.tuple(stride...)
	p.WriteString("\x89") // NEWFALSE
	p.global("collections", "OrderedDict")
	p.WriteString(")R") // EMPTY_TUPLE, REDUCE
	p.WriteString("tR") // TUPLE, REDUCE
}

func writeTorchCheckpoint(t *testing.T, path string, pkl []byte, storages map[string]int) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	add("archive/data.pkl", pkl)
	add("archive/byteorder", []byte("little"))
	for key, numel := range storages {
		add("archive/data/"+key, make([]byte, 2*numel))
	}
	add("archive/version", []byte("3\n"))
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestInspectClassifiesPickleCheckpoints(t *testing.T) {
	var p pickleBuilder
	p.WriteString("\x80\x02}(") // PROTO 2, EMPTY_DICT, MARK
	p.str("state_dict")
	p.WriteString("}(") // nested dict of tensors
	p.str("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight")
	p.tensor("0", 320, 768)
	p.str("model.diffusion_model.input_blocks.0.0.weight")
	p.tensor("1", 320, 4, 3, 3)
	p.WriteString("u")  // SETITEMS (inner)
	p.WriteString("u.") // SETITEMS (outer), STOP

	dir := filepath.Join(t.TempDir(), "checkpoints")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "v1-5.ckpt")
	writeTorchCheckpoint(t, path, p.Bytes(), map[string]int{"0": 320 * 768, "1": 320 * 4 * 9})

	m, err := Inspect(path)
	require.NoError(t, err)
	assert.Equal(t, StatusOK, m.Status, m.Error)
	assert.Equal(t, KindCheckpoint, m.Kind)
	assert.Equal(t, "sd1", m.Family)
	assert.Equal(t, 2, m.TensorCount)
	assert.Equal(t, map[string]int{"F16": 2}, m.DTypes)
}

func TestInspectRefusesPicklesThatWouldRunCode(t *testing.T) {
	var p pickleBuilder
	p.WriteString("\x80\x02")
	p.global("os", "system")
	p.WriteByte('(')
	marker := filepath.Join(t.TempDir(), "pwned")
	p.str("touch " + marker)
	p.WriteString("tR.")
	dir := filepath.Join(t.TempDir(), "checkpoints")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "evil.ckpt")
	writeTorchCheckpoint(t, path, p.Bytes(), nil)

	m, err := Inspect(path)
	require.NoError(t, err)
	assert.Equal(t, StatusUnreadable, m.Status)
	assert.Contains(t, m.Error, "os.system")
	assert.NoFileExists(t, marker, "nothing from the file may run")
}
