package pickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// ErrRefused is wrapped by every error caused by a global outside the
// allowlist.
var ErrRefused = errors.New("pickle: refused global")

// ErrInvalid is wrapped by errors about malformed or over-limit input.
var ErrInvalid = errors.New("pickle: invalid")

// Limits bound the resources one pickle may claim.
type Limits struct {
	MaxPickleBytes int64 // size of data.pkl
	MaxMemo        int   // memo entries
	MaxStack       int   // stack height
	MaxMarks       int   // nested MARKs
	MaxObjects     int   // containers, strings and other values created
}

// DefaultLimits fit any real checkpoint with room to spare: an SDXL
// checkpoint's data.pkl is under 1 MiB with about 3,000 tensors.
func DefaultLimits() Limits {
	return Limits{
		MaxPickleBytes: 64 << 20,
		MaxMemo:        1 << 21,
		MaxStack:       1 << 20,
		MaxMarks:       1000,
		MaxObjects:     1 << 23,
	}
}

// Options tune Unpickle and Open.
type Options struct {
	// Strict makes every global outside the allowlist an error, even where
	// an inert placeholder would do.
	Strict bool
	// Limits; the zero value means DefaultLimits.
	Limits Limits
}

func (o Options) limits() Limits {
	if o.Limits == (Limits{}) {
		return DefaultLimits()
	}
	return o.Limits
}

// Result is an unpickled object plus what the unpickler refused.
type Result struct {
	Value Value
	// Refused lists the refused globals, each once, in order of appearance.
	Refused []string
	// Storages maps each referenced storage key to its description.
	Storages map[string]*Storage
}

// machine is the state of one Unpickle run.
type machine struct {
	data    []byte
	pos     int
	opts    Options
	lim     Limits
	stack   []Value
	marks   []int
	memo    map[uint32]Value
	objects int
	refused []string
	// refusedSet dedupes refused; a map keeps hostile inputs with
	// millions of distinct names linear.
	refusedSet map[string]bool
	storages   map[string]*Storage
}

// Unpickle decodes one pickle. It never executes anything: GLOBAL resolves
// names against the allowlist, and REDUCE/NEWOBJ/BUILD dispatch to Go code
// for allowlisted names only.
func Unpickle(data []byte, opts Options) (*Result, error) {
	m := &machine{
		data:       data,
		opts:       opts,
		lim:        opts.limits(),
		memo:       map[uint32]Value{},
		refusedSet: map[string]bool{},
		storages:   map[string]*Storage{},
	}
	if int64(len(data)) > m.lim.MaxPickleBytes {
		return nil, fmt.Errorf("%w: pickle of %d bytes exceeds the %d-byte limit", ErrInvalid, len(data), m.lim.MaxPickleBytes)
	}
	v, err := m.run()
	if err != nil {
		return nil, err
	}
	return &Result{Value: v, Refused: m.refused, Storages: m.storages}, nil
}

func (m *machine) errf(op byte, format string, args ...any) error {
	return fmt.Errorf("%w: opcode %s at offset %d: %s", ErrInvalid, opName(op), m.pos, fmt.Sprintf(format, args...))
}

// take returns the next n input bytes, refusing lengths beyond the input
// before anything is allocated.
func (m *machine) take(n uint64) ([]byte, bool) {
	if n > uint64(len(m.data)-m.pos) {
		return nil, false
	}
	b := m.data[m.pos : m.pos+int(n)]
	m.pos += int(n)
	return b, true
}

func (m *machine) push(v Value) error {
	if len(m.stack) >= m.lim.MaxStack {
		return fmt.Errorf("%w: stack exceeds %d entries", ErrInvalid, m.lim.MaxStack)
	}
	m.stack = append(m.stack, v)
	return nil
}

// newObject counts an allocation against MaxObjects.
func (m *machine) newObject() error {
	m.objects++
	if m.objects > m.lim.MaxObjects {
		return fmt.Errorf("%w: more than %d objects", ErrInvalid, m.lim.MaxObjects)
	}
	return nil
}

func (m *machine) pop() (Value, bool) {
	floor := 0
	if len(m.marks) > 0 {
		floor = m.marks[len(m.marks)-1]
	}
	if len(m.stack) <= floor {
		return nil, false
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, true
}

func (m *machine) top() (Value, bool) {
	floor := 0
	if len(m.marks) > 0 {
		floor = m.marks[len(m.marks)-1]
	}
	if len(m.stack) <= floor {
		return nil, false
	}
	return m.stack[len(m.stack)-1], true
}

// popMark removes and returns everything above the innermost MARK.
func (m *machine) popMark() ([]Value, bool) {
	if len(m.marks) == 0 {
		return nil, false
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := slices.Clone(m.stack[k:])
	clear(m.stack[k:])
	m.stack = m.stack[:k]
	return items, true
}

func (m *machine) setMemo(i uint32, v Value) error {
	if _, ok := m.memo[i]; !ok && len(m.memo) >= m.lim.MaxMemo {
		return fmt.Errorf("%w: memo exceeds %d entries", ErrInvalid, m.lim.MaxMemo)
	}
	m.memo[i] = v
	return nil
}

func (m *machine) getMemo(op byte, i uint32) error {
	v, ok := m.memo[i]
	if !ok {
		return m.errf(op, "memo index %d is unset", i)
	}
	return m.push(v)
}

// decodeLong reads a little-endian two's-complement integer (LONG1/LONG4).
func decodeLong(b []byte) Value {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var u uint64
		for i := len(b) - 1; i >= 0; i-- {
			u = u<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(u<<shift) >> shift // sign-extend
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// latin1 decodes Python 2 byte strings (BINSTRING) the way
// torch.load(encoding="latin1") does.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func opName(op byte) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "0x" + strconv.FormatUint(uint64(op), 16)
}

func f64(b []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(b)) }
