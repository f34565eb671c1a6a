package pickle

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnpickleStateDictAllProtocols(t *testing.T) {
	for _, proto := range []int{2, 3, 4, 5} {
		t.Run(string(rune('0'+proto)), func(t *testing.T) {
			p := newPW(proto).stateDict(
				[]string{"conv.weight", "conv.bias"},
				[]tview{
					{storage: "FloatStorage", key: "0", numel: 24, shape: []int64{2, 3, 2, 2}, stride: []int64{12, 4, 2, 1}},
					{storage: "HalfStorage", key: "1", numel: 2, shape: []int64{2}, stride: []int64{1}},
				})
			res, err := Unpickle(p.bytes(), Options{Strict: true})
			require.NoError(t, err)
			d, ok := res.Value.(*Dict)
			require.True(t, ok, "root is %T", res.Value)
			require.Equal(t, 2, d.Len())
			w, _ := d.Get("conv.weight")
			wt := w.(*Tensor)
			assert.Equal(t, []int64{2, 3, 2, 2}, wt.Shape)
			assert.Equal(t, []int64{12, 4, 2, 1}, wt.Stride)
			assert.Equal(t, F32, wt.DType())
			assert.True(t, wt.Contiguous())
			b, _ := d.Get("conv.bias")
			assert.Equal(t, F16, b.(*Tensor).DType())
			assert.Equal(t, "1", b.(*Tensor).Storage.Key)
			assert.Len(t, res.Storages, 2)
			assert.Empty(t, res.Refused)
		})
	}
}

func TestUnpickleScalarsAndContainers(t *testing.T) {
	p := newPW(2).op(opEmptyDict).memoize().op(opMark)
	p.str("int1").int(200)
	p.str("int2").int(60000)
	p.str("neg").int(-5)
	p.str("big").int(1 << 40)
	p.str("huge").op(opLong1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1) // 2^64
	p.str("negl").op(opLong1, 2, 0x00, 0xff)                // -256
	p.str("float").float(0.25)
	p.str("none").op(opNone)
	p.str("yes").op(opNewTrue)
	p.str("list").op(opEmptyList).memoize().op(opMark).int(1).int(2).op(opAppends).int(3).op(opAppend)
	p.str("bytes").op(opShortBinBytes, 2, 'h', 'i')
	p.str("py2str").op(opShortBinString, 1, 0xe9)
	p.str("latin").global("_codecs", "encode").str("\u00ff\u0001").str("latin1").op(opTuple2, opReduce)
	p.str("size").global("torch", "Size").ints(4, 5).op(opTuple1, opReduce)
	p.str("set").op(opEmptySet, opMark).int(7).op(opAddItems)
	p.str("frozen").op(opMark).int(8).op(opFrozenSet)
	p.str("again").get(0) // the dict itself: a cycle
	p.op(opSetItems)
	res, err := Unpickle(p.bytes(), Options{Strict: true})
	require.NoError(t, err)
	d := res.Value.(*Dict)
	get := func(k string) Value { v, ok := d.Get(k); require.True(t, ok, k); return v }
	assert.Equal(t, int64(200), get("int1"))
	assert.Equal(t, int64(60000), get("int2"))
	assert.Equal(t, int64(-5), get("neg"))
	assert.Equal(t, int64(1<<40), get("big"))
	assert.Equal(t, 0, new(big.Int).Lsh(big.NewInt(1), 64).Cmp(get("huge").(*big.Int)))
	assert.Equal(t, int64(-256), get("negl"))
	assert.Equal(t, 0.25, get("float"))
	assert.Nil(t, get("none"))
	assert.Equal(t, true, get("yes"))
	assert.Equal(t, []Value{int64(1), int64(2), int64(3)}, get("list").(*List).Items)
	assert.Equal(t, []byte("hi"), get("bytes"))
	assert.Equal(t, "é", get("py2str"))
	assert.Equal(t, []byte{0xff, 0x01}, get("latin"))
	assert.Equal(t, Tuple{int64(4), int64(5)}, get("size"))
	assert.Equal(t, []Value{int64(7)}, get("set").(*Set).Items)
	assert.Equal(t, []Value{int64(8)}, get("frozen").(*Set).Items)
	assert.Same(t, d, get("again"))
}

func TestUnpickleParameterAndFromType(t *testing.T) {
	view := tview{storage: "BFloat16Storage", key: "0", numel: 4, shape: []int64{4}, stride: []int64{1}}
	p := newPW(2).op(opEmptyDict, opMark)
	// nn.Parameter: _rebuild_parameter(tensor, True, OrderedDict())
	p.str("param").global("torch._utils", "_rebuild_parameter").tensor(view).op(opNewTrue).orderedDict().op(opTuple3, opReduce)
	// a tensor with Python state: _rebuild_from_type_v2(func, Tensor, args, {})
	p.str("typed").global("torch._tensor", "_rebuild_from_type_v2").op(opMark)
	p.global("torch._utils", "_rebuild_tensor_v2").global("torch", "Tensor")
	p.op(opMark).op(opMark).str("storage").global("torch", "BFloat16Storage").str("0").str("cpu").int(4).op(opTuple, opBinPersID)
	p.int(1).ints(3).ints(1).op(opNewFalse).orderedDict().op(opTuple)
	p.op(opEmptyDict, opTuple, opReduce)
	// OrderedDict with attributes set by BUILD, as torch's _metadata is.
	p.str("meta").orderedDict().op(opEmptyDict).str("_metadata").op(opEmptyDict, opSetItem, opBuild)
	p.op(opSetItems)
	res, err := Unpickle(p.bytes(), Options{Strict: true})
	require.NoError(t, err)
	d := res.Value.(*Dict)
	pv, _ := d.Get("param")
	assert.True(t, pv.(*Tensor).RequiresGrad)
	assert.Equal(t, BF16, pv.(*Tensor).DType())
	tv, _ := d.Get("typed")
	assert.Equal(t, int64(1), tv.(*Tensor).Offset)
	assert.Same(t, pv.(*Tensor).Storage, tv.(*Tensor).Storage, "same key, same storage")
	mv, _ := d.Get("meta")
	assert.NotNil(t, mv.(*Dict).Attrs)
}

func TestNewTensorValidation(t *testing.T) {
	st := &Storage{Key: "0", DType: F32, Numel: 12}
	tests := []struct {
		name    string
		offset  int64
		shape   []int64
		stride  []int64
		wantErr string
	}{
		{"contiguous", 0, []int64{3, 4}, []int64{4, 1}, ""},
		{"transposed", 0, []int64{4, 3}, []int64{1, 4}, ""},
		{"expanded", 11, []int64{5, 1}, []int64{0, 1}, ""},
		{"empty far away", 12, []int64{0, 4}, []int64{4, 1}, ""},
		{"scalar", 11, nil, nil, ""},
		{"past end", 1, []int64{3, 4}, []int64{4, 1}, "reaches element 12"},
		{"offset past end", 12, []int64{1}, []int64{1}, "reaches element 12"},
		{"rank mismatch", 0, []int64{3, 4}, []int64{1}, "differ in rank"},
		{"negative size", 0, []int64{-1}, []int64{1}, "negative"},
		{"negative stride", 0, []int64{2}, []int64{-1}, "negative"},
		{"negative offset", -1, []int64{1}, []int64{1}, "negative storage offset"},
		{"numel overflow", 0, []int64{1 << 40, 1 << 40}, []int64{1, 1}, "overflows"},
		{"stride overflow", 0, []int64{3}, []int64{1 << 62}, "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newTensor(st, tt.offset, tt.shape, tt.stride)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
