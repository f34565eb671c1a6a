package pickle

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seq(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)
	}
	return out
}

func TestCheckpointViews(t *testing.T) {
	// One 12-element F32 storage shared by four views.
	names := []string{"full", "tail", "transposed", "expanded", "strided"}
	views := []tview{
		{storage: "FloatStorage", key: "0", numel: 12, shape: []int64{3, 4}, stride: []int64{4, 1}},
		{storage: "FloatStorage", key: "0", numel: 12, offset: 8, shape: []int64{2, 2}, stride: []int64{2, 1}},
		{storage: "FloatStorage", key: "0", numel: 12, shape: []int64{4, 3}, stride: []int64{1, 4}},
		{storage: "FloatStorage", key: "0", numel: 12, offset: 5, shape: []int64{2, 3}, stride: []int64{0, 1}},
		{storage: "FloatStorage", key: "0", numel: 12, offset: 1, shape: []int64{2, 2}, stride: []int64{6, 3}},
	}
	want := map[string][]float32{
		"full":       seq(12),
		"tail":       {8, 9, 10, 11},
		"transposed": {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11},
		"expanded":   {5, 6, 7, 5, 6, 7},
		"strided":    {1, 4, 7, 10},
	}
	for _, deflate := range []bool{false, true} {
		for _, proto := range []int{2, 5} {
			pkl := newPW(proto).stateDict(names, views).bytes()
			z := writeZip(t, pkl, map[string][]byte{"0": f32bytes(seq(12)...)}, zipOpts{deflate: deflate})
			c, err := openBytes(t, z, Options{Strict: true})
			require.NoError(t, err)
			assert.Equal(t, []string{"expanded", "full", "strided", "tail", "transposed"}, c.Names())
			for name, w := range want {
				b, err := c.Raw(name)
				require.NoError(t, err, name)
				assert.Equal(t, w, readF32(b), "%s deflate=%v proto=%d", name, deflate, proto)
			}
			tt, _ := c.Tensor("tail")
			tf, _ := c.Tensor("full")
			assert.Same(t, tt.Storage, tf.Storage)
		}
	}
}

func TestCheckpointDTypes(t *testing.T) {
	tests := []struct {
		storage string
		dtype   DType
		data    []byte
	}{
		{"DoubleStorage", F64, []byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}},
		{"FloatStorage", F32, f32bytes(1.5)},
		{"HalfStorage", F16, []byte{0x00, 0x3c}},
		{"BFloat16Storage", BF16, []byte{0x80, 0x3f}},
		{"LongStorage", I64, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"IntStorage", I32, []byte{7, 0, 0, 0}},
		{"ShortStorage", I16, []byte{7, 0}},
		{"CharStorage", I8, []byte{0xff}},
		{"ByteStorage", U8, []byte{200}},
		{"BoolStorage", Bool, []byte{1}},
		{"UntypedStorage", U8, []byte{9}},
	}
	for _, tt := range tests {
		t.Run(tt.storage, func(t *testing.T) {
			pkl := newPW(2).stateDict([]string{"x"}, []tview{{storage: tt.storage, key: "0", numel: 1, shape: []int64{1}, stride: []int64{1}}}).bytes()
			c, err := openBytes(t, writeZip(t, pkl, map[string][]byte{"0": tt.data}, zipOpts{}), Options{Strict: true})
			require.NoError(t, err)
			x, _ := c.Tensor("x")
			assert.Equal(t, tt.dtype, x.DType())
			b, err := c.Raw("x")
			require.NoError(t, err)
			assert.Equal(t, tt.data, b)
		})
	}
}

func TestCheckpointBigEndianIsSwapped(t *testing.T) {
	pkl := newPW(2).stateDict([]string{"x"}, []tview{{storage: "IntStorage", key: "0", numel: 2, shape: []int64{2}, stride: []int64{1}}}).bytes()
	be := []byte{0, 0, 1, 2, 0, 0, 0, 3}
	c, err := openBytes(t, writeZip(t, pkl, map[string][]byte{"0": be}, zipOpts{byteorder: "big"}), Options{})
	require.NoError(t, err)
	b, err := c.Raw("x")
	require.NoError(t, err)
	assert.Equal(t, []uint32{0x0102, 3}, []uint32{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])})
}

func TestCheckpointLightningLayout(t *testing.T) {
	// {"epoch": 3, "global_step": 1200, "state_dict": {...},
	//  "callbacks": {ModelCheckpoint: {...}}, "optimizer_states": [...],
	//  "hyper_parameters": AttributeDict(...)}
	p := newPW(2).op(opEmptyDict).memoize().op(opMark)
	p.str("epoch").int(3).str("global_step").int(1200).str("pytorch-lightning_version").str("1.9.0")
	p.str("state_dict").orderedDict().op(opMark)
	p.str("model.diffusion_model.out.weight").tensor(tview{storage: "HalfStorage", key: "0", numel: 4, shape: []int64{2, 2}, stride: []int64{2, 1}})
	p.str("first_stage_model").op(opEmptyDict).str("decoder.conv_in.bias").tensor(tview{storage: "HalfStorage", key: "1", numel: 2, shape: []int64{2}, stride: []int64{1}}).op(opSetItem)
	p.op(opSetItems)
	// A callback object built via NEWOBJ + BUILD, used as a dict key.
	p.str("callbacks").op(opEmptyDict)
	p.global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").op(opEmptyTuple, opNewObj)
	p.op(opEmptyDict).str("best_model_path").str("/x.ckpt").op(opSetItem, opBuild)
	p.op(opEmptyDict, opSetItem)
	// Optimizer state holds tensors of its own, outside the state dict.
	p.str("optimizer_states").op(opEmptyList).tensor(tview{storage: "FloatStorage", key: "9", numel: 1, shape: []int64{1}, stride: []int64{1}}).op(opAppend)
	p.str("hyper_parameters").global("pytorch_lightning.utilities.parsing", "AttributeDict").op(opEmptyTuple, opReduce)
	p.op(opMark).str("lr").float(1e-4).op(opSetItems)
	p.op(opSetItems)
	pkl := p.bytes()
	storages := map[string][]byte{"0": make([]byte, 8), "1": make([]byte, 4)} // "9" is never read

	c, err := openBytes(t, writeZip(t, pkl, storages, zipOpts{}), Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"first_stage_model.decoder.conv_in.bias", "model.diffusion_model.out.weight"}, c.Names())
	assert.Equal(t, map[string]string{"epoch": "3", "global_step": "1200", "pytorch-lightning_version": "1.9.0"}, c.Metadata())
	assert.Equal(t, []string{
		"pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
		"pytorch_lightning.utilities.parsing.AttributeDict",
	}, c.Refused())
	assert.Contains(t, c.Warnings(), `refused global "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint" kept inert`)

	_, err = openBytes(t, writeZip(t, pkl, storages, zipOpts{}), Options{Strict: true})
	require.ErrorIs(t, err, ErrRefused)
	assert.ErrorContains(t, err, `"pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint"`)
}

func TestCheckpointRefusedInsideStateDict(t *testing.T) {
	tensor := tview{storage: "FloatStorage", key: "0", numel: 1, shape: []int64{1}, stride: []int64{1}}
	storages := map[string][]byte{"0": make([]byte, 4)}
	tests := []struct {
		name    string
		entry   func(p *pw)
		wantErr string // "" means load succeeds with a warning
	}{
		{"config object without tensors is skipped", func(p *pw) {
			p.global("__main__", "Config").op(opEmptyTuple, opNewObj, opEmptyDict).str("a").int(1).op(opSetItem, opBuild)
		}, ""},
		{"module hiding a tensor in its state", func(p *pw) {
			p.global("__main__", "Net").op(opEmptyTuple, opNewObj, opEmptyDict).str("w").tensor(tensor).op(opSetItem, opBuild)
		}, `state dict entry "sub" depends on pickle: refused global "__main__.Net"`},
		{"tensor passed to a refused call", func(p *pw) {
			p.global("torch._utils", "_rebuild_qtensor").tensor(tensor).op(opTuple1, opReduce)
		}, `"torch._utils._rebuild_qtensor"`},
		{"tensor rebuilt from a refused storage", func(p *pw) {
			p.global("torch._utils", "_rebuild_tensor_v2").op(opMark).global("__main__", "Evil").op(opEmptyTuple, opReduce)
			p.int(0).ints(1).ints(1).op(opTuple, opReduce)
		}, `argument depends on pickle: refused global "__main__.Evil"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPW(2).op(opEmptyDict).str("w").tensor(tensor).op(opSetItem).str("sub")
			tt.entry(p)
			p.op(opSetItem)
			c, err := openBytes(t, writeZip(t, p.bytes(), storages, zipOpts{}), Options{})
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrRefused)
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{"w"}, c.Names())
			assert.Contains(t, c.Warnings(), `entry "sub" is a refused "__main__.Config" object; skipped`)
		})
	}
}

func TestCheckpointRejects(t *testing.T) {
	f32 := func(numel int64, shape ...int64) tview {
		return tview{storage: "FloatStorage", key: "0", numel: numel, shape: shape, stride: []int64{1}}
	}
	good := newPW(2).stateDict([]string{"x"}, []tview{f32(4, 4)}).bytes()
	evil := newPW(2).global("os", "system").str("touch pwned").op(opTuple1, opReduce).bytes()
	tests := []struct {
		name    string
		file    func(t *testing.T) []byte
		wantErr string
	}{
		{"storage shorter than numel", func(t *testing.T) []byte {
			return writeZip(t, good, map[string][]byte{"0": make([]byte, 12)}, zipOpts{})
		}, `storage "0" holds 12 bytes, want 16`},
		{"storage longer than numel", func(t *testing.T) []byte {
			return writeZip(t, good, map[string][]byte{"0": make([]byte, 20)}, zipOpts{})
		}, `storage "0" holds 20 bytes, want 16`},
		{"missing storage", func(t *testing.T) []byte {
			return writeZip(t, good, nil, zipOpts{})
		}, `storage "0" has no zip entry`},
		{"view past its storage", func(t *testing.T) []byte {
			pkl := newPW(2).stateDict([]string{"x"}, []tview{f32(4, 5)}).bytes()
			return writeZip(t, pkl, map[string][]byte{"0": make([]byte, 16)}, zipOpts{})
		}, "reaches element 4"},
		{"storage key with a path", func(t *testing.T) []byte {
			v := f32(4, 4)
			v.key = "../0"
			pkl := newPW(2).stateDict([]string{"x"}, []tview{v}).bytes()
			return writeZip(t, pkl, nil, zipOpts{})
		}, "not a plain name"},
		{"truncated zip", func(t *testing.T) []byte {
			z := writeZip(t, good, map[string][]byte{"0": make([]byte, 16)}, zipOpts{})
			return z[:len(z)-30]
		}, "zip"},
		{"two data.pkl", func(t *testing.T) []byte {
			return writeZip(t, good, map[string][]byte{"0": make([]byte, 16)}, zipOpts{extra: map[string][]byte{"other/data.pkl": evil}})
		}, "found 2"},
		{"no data.pkl", func(t *testing.T) []byte {
			return writeZip(t, good, nil, zipOpts{prefix: "a/b"})
		}, "found 0"},
		{"bad byteorder", func(t *testing.T) []byte {
			return writeZip(t, good, map[string][]byte{"0": make([]byte, 16)}, zipOpts{byteorder: "middle"})
		}, "byteorder"},
		{"top level is a list", func(t *testing.T) []byte {
			return writeZip(t, newPW(2).op(opEmptyList).bytes(), nil, zipOpts{})
		}, "not a dict"},
		{"legacy format", func(t *testing.T) []byte {
			// torch.save(..., _use_new_zipfile_serialization=False) starts
			// with a pickled magic number, LONG1 0x1950a86a20f9469cfc6c.
			return []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}
		}, "legacy torch format"},
		{"not a checkpoint", func(t *testing.T) []byte { return []byte("hello world") }, "not a PyTorch checkpoint"},
		{"empty", func(t *testing.T) []byte { return nil }, "not a PyTorch checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openBytes(t, tt.file(t), Options{})
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestCheckpointIgnoresHiddenPickles(t *testing.T) {
	// A pickle planted as a storage and another beside data.pkl are never
	// unpickled: the storage is just bytes, the extra entry is ignored.
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	evil := newPW(2).global("os", "system").str("touch "+marker).op(opTuple1, opReduce).bytes()
	n := int64(len(evil))
	pkl := newPW(2).stateDict([]string{"x"}, []tview{{storage: "ByteStorage", key: "0", numel: n, shape: []int64{n}, stride: []int64{1}}}).bytes()
	z := writeZip(t, pkl, map[string][]byte{"0": evil}, zipOpts{extra: map[string][]byte{"archive/extra.pkl": evil, "archive/data/data.pkl": evil}})
	path := filepath.Join(dir, "model.ckpt")
	require.NoError(t, os.WriteFile(path, z, 0o600))

	c, err := Open(path, Options{Strict: true})
	require.NoError(t, err)
	defer c.Close()
	assert.Empty(t, c.Refused())
	b, err := c.Raw("x")
	require.NoError(t, err)
	assert.Equal(t, evil, b)
	assert.NoFileExists(t, marker)
}

func TestOpenNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.pt")
	require.NoError(t, os.WriteFile(path, []byte("PK\x03\x04 not really"), 0o600))
	_, err := Open(path, Options{})
	require.ErrorIs(t, err, ErrInvalid)
	assert.ErrorContains(t, err, path)
}
