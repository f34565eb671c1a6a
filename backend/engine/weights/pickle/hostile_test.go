package pickle

import (
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostilePickles feeds pickles that would run code in Python's
// unpickler. Each must fail, in strict and lenient mode alike, naming what
// was refused, and the command's marker file must never appear.
func TestHostilePickles(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	cmd := "touch " + marker
	call := func(mod, name string) func(p *pw) {
		return func(p *pw) { p.global(mod, name).str(cmd).op(opTuple1, opReduce) }
	}
	tests := []struct {
		name    string
		body    func(p *pw)
		wantErr string
	}{
		{"os.system", call("os", "system"), `pickle: refused global "os.system"`},
		{"posix.system", call("posix", "system"), `refused global "posix.system"`},
		{"nt.system", call("nt", "system"), `refused global "nt.system"`},
		{"subprocess.Popen", func(p *pw) {
			p.global("subprocess", "Popen").op(opEmptyList).str("sh").op(opAppend).op(opTuple1, opReduce)
		}, `refused global "subprocess.Popen"`},
		{"builtins.eval", call("builtins", "eval"), `refused global "builtins.eval"`},
		{"builtins.exec", call("builtins", "exec"), `refused global "builtins.exec"`},
		{"__builtin__.eval", call("__builtin__", "eval"), `refused global "__builtin__.eval"`},
		{"builtins.getattr chain", func(p *pw) {
			// getattr(__import__("os"), "system")("…")
			p.global("builtins", "getattr").global("builtins", "__import__").str("os").op(opTuple1, opReduce)
			p.str("system").op(opTuple2, opReduce).str(cmd).op(opTuple1, opReduce)
		}, `refused global "builtins.getattr"`},
		{"dangerous module via STACK_GLOBAL", func(p *pw) {
			p.str("os").str("system").op(opStackGlobal).str(cmd).op(opTuple1, opReduce)
		}, `refused global "os.system"`},
		{"os.path submodule", call("os.path", "exists"), `refused global "os.path.exists"`},
		{"attribute smuggled in the name", call("torch._utils", "_rebuild_tensor_v2.__globals__"), `refused global "torch._utils._rebuild_tensor_v2.__globals__"`},
		{"memoised global fetched again", func(p *pw) {
			p.op(opEmptyTuple).op(opPop)
			p.global("os", "system").memoize().op(opPop).get(0).str(cmd).op(opTuple1, opReduce)
		}, `refused global "os.system"`},
		{"allowlisted name that is not callable", func(p *pw) {
			p.global("torch", "FloatStorage").str(cmd).op(opTuple1, opReduce)
		}, "torch.FloatStorage is not callable"},
		{"REDUCE on a string", func(p *pw) {
			p.str("os.system").str(cmd).op(opTuple1, opReduce)
		}, "string is not callable"},
		{"INST opcode", func(p *pw) {
			p.op(opMark).op(opInst)
			p.b.WriteString("os\nsystem\n")
		}, "unsupported opcode INST"},
		{"OBJ opcode", func(p *pw) {
			p.op(opMark).str("x").op(opObj)
		}, "unsupported opcode OBJ"},
		{"EXT1 registry", func(p *pw) { p.op(opExt1, 1) }, "unsupported opcode EXT1"},
		{"out-of-band buffer", func(p *pw) { p.op(opNextBuffer) }, "unsupported opcode NEXT_BUFFER"},
		{"text GLOBAL name with space", func(p *pw) {
			p.op(opGlobal)
			p.b.WriteString("os system\nx\n")
		}, "not a Python name"},
	}
	for _, tt := range tests {
		for _, strict := range []bool{false, true} {
			name := tt.name + map[bool]string{false: "/lenient", true: "/strict"}[strict]
			t.Run(name, func(t *testing.T) {
				p := newPW(2)
				tt.body(p)
				pkl := p.bytes()
				_, err := Unpickle(pkl, Options{Strict: strict})
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				// Inside a checkpoint too.
				_, err = openBytes(t, writeZip(t, pkl, nil, zipOpts{}), Options{Strict: strict})
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				assert.NoFileExists(t, marker)
			})
		}
	}
}

// TestInertChains: unknown (not hostile) globals stay inert however they
// are combined, and only fail a load that depends on them.
func TestInertChains(t *testing.T) {
	p := newPW(2).op(opEmptyDict).str("junk")
	// f()(…)(…) with BUILD and fills on the results, via the memo.
	p.global("__main__", "Evil").memoize().op(opEmptyTuple, opReduce)
	p.get(0).op(opTuple1, opReduce)
	p.str("x").op(opTuple1, opReduce)
	p.op(opEmptyDict, opBuild)
	p.op(opMark).str("k").str("v").op(opSetItems)
	p.op(opMark).int(1).op(opAppends)
	p.op(opSetItem)
	res, err := Unpickle(p.bytes(), Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"__main__.Evil"}, res.Refused)
	junk, _ := res.Value.(*Dict).Get("junk")
	assert.Equal(t, "__main__.Evil", junk.(*Refused).Name)

	_, err = Unpickle(p.bytes(), Options{Strict: true})
	require.ErrorIs(t, err, ErrRefused)

	// A refused root is the whole load depending on it.
	root := newPW(2).global("__main__", "Net").op(opEmptyTuple, opReduce).bytes()
	_, err = openBytes(t, writeZip(t, root, nil, zipOpts{}), Options{})
	require.ErrorIs(t, err, ErrRefused)
	assert.ErrorContains(t, err, `"__main__.Net"`)
}

func TestUnpickleLimitsAndMalformed(t *testing.T) {
	small := Limits{MaxPickleBytes: 1 << 20, MaxMemo: 4, MaxStack: 16, MaxMarks: 4, MaxObjects: 64}
	u64 := func(n uint64) []byte { b := make([]byte, 8); binary.LittleEndian.PutUint64(b, n); return b }
	tests := []struct {
		name    string
		raw     []byte // whole pickle, used when body is nil
		body    func(p *pw)
		lim     Limits
		wantErr string
	}{
		{"BINUNICODE8 of 2^62", append([]byte{opProto, 4, opBinUnicode8}, u64(1<<62)...), nil, Limits{}, "declared length 4611686018427387904 exceeds"},
		{"BINBYTES8 of 2^64-1", append([]byte{opProto, 4, opBinBytes8}, u64(^uint64(0))...), nil, Limits{}, "exceeds"},
		{"BINUNICODE past end", []byte{opProto, 2, opBinUnicode, 0xff, 0xff, 0xff, 0x7f, 'a'}, nil, Limits{}, "exceeds the 1 bytes left"},
		{"LONG4 past end", []byte{opProto, 2, opLong4, 0, 0, 0, 0x40}, nil, Limits{}, "exceeds"},
		{"FRAME past end", append([]byte{opProto, 4, opFrame}, u64(1<<40)...), nil, Limits{}, "frame of"},
		{"truncated BININT", []byte{opProto, 2, opBinInt, 1}, nil, Limits{}, "truncated"},
		{"no STOP", []byte{opProto, 2, opNone}, nil, Limits{}, "without STOP"},
		{"empty", nil, nil, Limits{}, "without STOP"},
		{"protocol 6", []byte{opProto, 6, opNone, opStop}, nil, Limits{}, "protocol 6"},
		{"STOP on empty stack", []byte{opProto, 2, opStop}, nil, Limits{}, "exactly one value"},
		{"two values at STOP", []byte{opProto, 2, opNone, opNone, opStop}, nil, Limits{}, "exactly one value"},
		{"LONG_BINGET unset", nil, func(p *pw) { p.op(opNone).memoize().op(opPop).u32(opLongBinGet, 0xfffffff0) }, Limits{}, "memo index 4294967280 is unset"},
		{"BINGET unset", nil, func(p *pw) { p.get(3) }, Limits{}, "memo index 3 is unset"},
		{"MEMOIZE overflow", nil, func(p *pw) {
			p.op(opNone)
			for range 5 {
				p.op(opMemoize)
			}
		}, small, "memo exceeds 4 entries"},
		{"LONG_BINPUT spray", nil, func(p *pw) {
			p.op(opNone)
			for i := range 5 {
				p.u32(opLongBinPut, uint32(i)*1000003)
			}
		}, small, "memo exceeds 4 entries"},
		{"deep marks", nil, func(p *pw) {
			for range 5 {
				p.op(opMark)
			}
		}, small, "more than 4 nested marks"},
		{"DUP flood", nil, func(p *pw) {
			p.op(opNone)
			for range 20 {
				p.op(opDup)
			}
		}, small, "stack exceeds 16 entries"},
		{"object flood", nil, func(p *pw) {
			p.op(opEmptyList)
			for range 70 {
				p.op(opEmptyList, opAppend)
			}
		}, small, "more than 64 objects"},
		{"pickle over size limit", make([]byte, 2<<20), nil, small, "exceeds the 1048576-byte limit"},
		{"APPEND to a dict", nil, func(p *pw) { p.op(opEmptyDict, opNone, opAppend) }, Limits{}, "not a list"},
		{"SETITEM on a list", nil, func(p *pw) { p.op(opEmptyList, opNone, opNone, opSetItem) }, Limits{}, "not a dict"},
		{"SETITEMS odd", nil, func(p *pw) { p.op(opEmptyDict, opMark, opNone, opSetItems) }, Limits{}, "odd number"},
		{"TUPLE without MARK", nil, func(p *pw) { p.op(opNone, opTuple) }, Limits{}, "no mark"},
		{"POP across MARK", nil, func(p *pw) { p.op(opNone, opMark, opPop) }, Limits{}, "stack underflow"},
		{"REDUCE with list args", nil, func(p *pw) { p.orderedDict().op(opPop).global("collections", "OrderedDict").op(opEmptyList, opReduce) }, Limits{}, "not a tuple"},
		{"BINPERSID of junk", nil, func(p *pw) { p.str("storage").op(opBinPersID) }, Limits{}, "not a 5-tuple"},
		{"BINPERSID unknown storage type", nil, func(p *pw) {
			p.op(opMark).str("storage").global("torch", "ComplexFloatStorage").str("0").str("cpu").int(1).op(opTuple, opBinPersID)
		}, Limits{}, `refused global "torch.ComplexFloatStorage"`},
		{"BINPERSID negative numel", nil, func(p *pw) {
			p.op(opMark).str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(-1).op(opTuple, opBinPersID)
		}, Limits{}, "invalid size -1"},
		{"BINPERSID numel overflow", nil, func(p *pw) {
			p.op(opMark).str("storage").global("torch", "LongStorage").str("0").str("cpu").int(1<<62).op(opTuple, opBinPersID)
		}, Limits{}, "invalid size"},
		{"storage key reused with another dtype", nil, func(p *pw) {
			p.op(opMark).str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(4).op(opTuple, opBinPersID)
			p.op(opMark).str("storage").global("torch", "HalfStorage").str("0").str("cpu").int(4).op(opTuple, opBinPersID)
			p.op(opTuple2)
		}, Limits{}, "referenced as F32[4] and F16[4]"},
		{"invalid UTF-8", []byte{opProto, 2, opBinUnicode, 1, 0, 0, 0, 0xff, opStop}, nil, Limits{}, "not valid UTF-8"},
		{"GLOBAL without newline", []byte{opProto, 2, opGlobal, 'o', 's'}, nil, Limits{}, "name line missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.raw
			if tt.body != nil {
				p := newPW(2)
				tt.body(p)
				data = p.bytes()
			}
			_, err := Unpickle(data, Options{Strict: true, Limits: tt.lim})
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
