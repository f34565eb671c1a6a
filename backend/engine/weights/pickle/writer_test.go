package pickle

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// pw writes pickles opcode by opcode, the way CPython's pickler would for
// the given protocol, so tests need no Python.
type pw struct {
	b     bytes.Buffer
	proto int
	memo  int
}

func newPW(proto int) *pw {
	p := &pw{proto: proto}
	p.b.Write([]byte{opProto, byte(proto)})
	if proto >= 4 {
		// A frame covering "the rest": the unpickler only checks its size.
		p.b.WriteByte(opFrame)
		p.b.Write(make([]byte, 8))
	}
	return p
}

func (p *pw) op(ops ...byte) *pw { p.b.Write(ops); return p }

func (p *pw) u32(op byte, n uint32) *pw {
	p.b.WriteByte(op)
	_ = binary.Write(&p.b, binary.LittleEndian, n)
	return p
}

// memoize records the top of stack, as the pickler does after each object.
func (p *pw) memoize() *pw {
	if p.proto >= 4 {
		p.b.WriteByte(opMemoize)
	} else if p.memo < 256 {
		p.op(opBinPut, byte(p.memo))
	} else {
		p.u32(opLongBinPut, uint32(p.memo))
	}
	p.memo++
	return p
}

func (p *pw) get(i int) *pw {
	if i < 256 {
		return p.op(opBinGet, byte(i))
	}
	return p.u32(opLongBinGet, uint32(i))
}

func (p *pw) str(s string) *pw {
	if p.proto >= 4 && len(s) < 256 {
		p.op(opShortBinUni, byte(len(s)))
	} else {
		p.u32(opBinUnicode, uint32(len(s)))
	}
	p.b.WriteString(s)
	return p
}

func (p *pw) int(n int64) *pw {
	switch {
	case n >= 0 && n < 256:
		return p.op(opBinInt1, byte(n))
	case n >= 0 && n < 65536:
		p.op(opBinInt2)
		_ = binary.Write(&p.b, binary.LittleEndian, uint16(n))
		return p
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return p.u32(opBinInt, uint32(int32(n)))
	}
	p.op(opLong1, 8)
	_ = binary.Write(&p.b, binary.LittleEndian, n)
	return p
}

func (p *pw) float(f float64) *pw {
	p.op(opBinFloat)
	_ = binary.Write(&p.b, binary.BigEndian, f)
	return p
}

// global pushes module.name: GLOBAL before protocol 4, STACK_GLOBAL after.
func (p *pw) global(mod, name string) *pw {
	if p.proto >= 4 {
		return p.str(mod).str(name).op(opStackGlobal)
	}
	p.op(opGlobal)
	p.b.WriteString(mod + "\n" + name + "\n")
	return p
}

func (p *pw) ints(ns ...int64) *pw {
	switch len(ns) {
	case 0:
		return p.op(opEmptyTuple)
	case 1, 2, 3:
		for _, n := range ns {
			p.int(n)
		}
		return p.op(opTuple1 + byte(len(ns)-1))
	}
	p.op(opMark)
	for _, n := range ns {
		p.int(n)
	}
	return p.op(opTuple)
}

func (p *pw) orderedDict() *pw {
	return p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce).memoize()
}

// tview describes one tensor as torch.save writes it.
type tview struct {
	storage string // torch storage class, e.g. "FloatStorage"
	key     string
	numel   int64
	offset  int64
	shape   []int64
	stride  []int64
}

// tensor emits torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, False, OrderedDict()).
func (p *pw) tensor(v tview) *pw {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op(opMark)
	p.op(opMark).str("storage").global("torch", v.storage).str(v.key).str("cpu").int(v.numel).op(opTuple)
	p.op(opBinPersID)
	p.int(v.offset).ints(v.shape...).ints(v.stride...).op(opNewFalse)
	p.orderedDict()
	return p.op(opTuple, opReduce).memoize()
}

// stateDict emits an OrderedDict of named tensors.
func (p *pw) stateDict(names []string, views []tview) *pw {
	p.orderedDict().op(opMark)
	for i, n := range names {
		p.str(n).tensor(views[i])
	}
	return p.op(opSetItems)
}

func (p *pw) bytes() []byte {
	out := append([]byte(nil), p.b.Bytes()...)
	out = append(out, opStop)
	if p.proto >= 4 {
		binary.LittleEndian.PutUint64(out[3:11], uint64(len(out)-11))
	}
	return out
}

// zipOpts shape the archive written by writeZip.
type zipOpts struct {
	prefix    string // archive folder, default "archive"
	deflate   bool
	byteorder string // "" writes "little"; "-" writes no byteorder entry
	extra     map[string][]byte
}

// writeZip lays out a torch ≥1.6 checkpoint: data.pkl, byteorder,
// data/<key> storages and version, stored (uncompressed) like torch does.
func writeZip(t testing.TB, pkl []byte, storages map[string][]byte, o zipOpts) []byte {
	t.Helper()
	if o.prefix == "" {
		o.prefix = "archive"
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		m := zip.Store
		if o.deflate {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: m})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	add(o.prefix+"/data.pkl", pkl)
	switch o.byteorder {
	case "":
		add(o.prefix+"/byteorder", []byte("little"))
	case "-":
	default:
		add(o.prefix+"/byteorder", []byte(o.byteorder))
	}
	for k, v := range storages {
		add(o.prefix+"/data/"+k, v)
	}
	for k, v := range o.extra {
		add(k, v)
	}
	add(o.prefix+"/version", []byte("3\n"))
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func f32bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func readF32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func openBytes(t testing.TB, b []byte, opts Options) (*Checkpoint, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)), opts)
}
