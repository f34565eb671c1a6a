package pickle

import (
	"os"
	"testing"
)

func seedPickles() [][]byte {
	views := []tview{
		{storage: "FloatStorage", key: "0", numel: 12, shape: []int64{3, 4}, stride: []int64{4, 1}},
		{storage: "HalfStorage", key: "1", numel: 12, offset: 2, shape: []int64{2, 3}, stride: []int64{1, 2}},
	}
	var out [][]byte
	for _, proto := range []int{2, 3, 4, 5} {
		out = append(out, newPW(proto).stateDict([]string{"a.weight", "b"}, views).bytes())
	}
	p := newPW(2).op(opEmptyDict).memoize().op(opMark)
	p.str("state_dict").stateDict([]string{"w"}, views[:1])
	p.str("cb").global("__main__", "X").op(opEmptyTuple, opNewObj, opEmptyDict, opBuild)
	p.str("l").op(opEmptyList, opMark).int(1).float(2).op(opNone, opAppends)
	p.str("s").global("_codecs", "encode").str("ab").str("latin1").op(opTuple2, opReduce)
	p.str("self").get(0).op(opSetItems)
	out = append(out, p.bytes())
	out = append(out, newPW(2).global("os", "system").str("id").op(opTuple1, opReduce).bytes())
	return out
}

// FuzzUnpickle: any input yields a value or an error, never a panic or an
// unbounded allocation.
func FuzzUnpickle(f *testing.F) {
	for _, s := range seedPickles() {
		f.Add(s)
	}
	lim := Limits{MaxPickleBytes: 1 << 16, MaxMemo: 256, MaxStack: 256, MaxMarks: 32, MaxObjects: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{false, true} {
			res, err := Unpickle(data, Options{Strict: strict, Limits: lim})
			if err == nil {
				// Walking the result must terminate too (cycles, sharing).
				_, _, _, _ = stateDict(res.Value)
				holdsData(res.Value, map[any]bool{}, 0)
			}
		}
	})
}

// FuzzOpenZip: any archive opens or fails cleanly, and every tensor of one
// that opens can be read.
func FuzzOpenZip(f *testing.F) {
	for i, s := range seedPickles() {
		storages := map[string][]byte{"0": make([]byte, 48), "1": make([]byte, 24)}
		f.Add(writeZip(f, s, storages, zipOpts{deflate: i%2 == 1}))
	}
	if b, err := os.ReadFile("../../../../testdata/taesd/taef2_encoder.pth"); err == nil && len(b) < 4<<20 {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := openBytes(t, data, Options{})
		if err != nil {
			return
		}
		for _, n := range c.Names() {
			tt, _ := c.Tensor(n)
			b, err := c.Raw(n)
			if err == nil && int64(len(b)) != tt.Numel()*int64(tt.DType().Size()) {
				t.Fatalf("%s: %d bytes for %v %s", n, len(b), tt.Shape, tt.DType())
			}
		}
	})
}
