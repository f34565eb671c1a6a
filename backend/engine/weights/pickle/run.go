package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// maxNameLen bounds a GLOBAL's module and name lines.
const maxNameLen = 1024

// run executes opcodes until STOP and returns the value left on the stack.
func (m *machine) run() (Value, error) {
	for {
		if m.pos >= len(m.data) {
			return nil, fmt.Errorf("%w: pickle ends without STOP at offset %d", ErrInvalid, m.pos)
		}
		op := m.data[m.pos]
		m.pos++
		if op == opStop {
			v, ok := m.pop()
			if !ok || len(m.stack) != 0 || len(m.marks) != 0 {
				return nil, m.errf(op, "stack must hold exactly one value")
			}
			return v, nil
		}
		if err := m.step(op); err != nil {
			return nil, err
		}
	}
}

// arg reads an opcode's fixed-size argument.
func (m *machine) arg(op byte, n uint64) ([]byte, error) {
	b, ok := m.take(n)
	if !ok {
		return nil, m.errf(op, "truncated argument")
	}
	return b, nil
}

// counted reads a length-prefixed payload; the declared length is checked
// against the remaining input before any allocation.
func (m *machine) counted(op byte, lenBytes int) ([]byte, error) {
	lb, err := m.arg(op, uint64(lenBytes))
	if err != nil {
		return nil, err
	}
	var n uint64
	switch lenBytes {
	case 1:
		n = uint64(lb[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(lb))
	case 8:
		n = binary.LittleEndian.Uint64(lb)
	}
	b, ok := m.take(n)
	if !ok {
		return nil, m.errf(op, "declared length %d exceeds the %d bytes left", n, len(m.data)-m.pos)
	}
	return b, nil
}

// lengthSize is the width of a counted opcode's length prefix.
func lengthSize(op byte) int {
	switch op {
	case opShortBinUni, opShortBinBytes, opShortBinString:
		return 1
	case opBinUnicode8, opBinBytes8, opByteArray8:
		return 8
	}
	return 4
}

func (m *machine) pushObject(v Value) error {
	if err := m.newObject(); err != nil {
		return err
	}
	return m.push(v)
}

func (m *machine) step(op byte) error {
	switch op {
	case opProto:
		b, err := m.arg(op, 1)
		if err != nil {
			return err
		}
		if b[0] < 2 || b[0] > 5 {
			return m.errf(op, "protocol %d is not supported (want 2–5)", b[0])
		}
		return nil
	case opFrame:
		// Frames only group opcodes for buffered readers; the whole pickle
		// is in memory, so just check the declared size fits.
		b, err := m.arg(op, 8)
		if err != nil {
			return err
		}
		if n := binary.LittleEndian.Uint64(b); n > uint64(len(m.data)-m.pos) {
			return m.errf(op, "frame of %d bytes exceeds the %d bytes left", n, len(m.data)-m.pos)
		}
		return nil
	case opMark:
		if len(m.marks) >= m.lim.MaxMarks {
			return m.errf(op, "more than %d nested marks", m.lim.MaxMarks)
		}
		m.marks = append(m.marks, len(m.stack))
		return nil
	case opPop:
		if _, ok := m.pop(); !ok {
			return m.errf(op, "stack underflow")
		}
		return nil
	case opPopMark:
		if _, ok := m.popMark(); !ok {
			return m.errf(op, "no mark")
		}
		return nil
	case opDup:
		v, ok := m.top()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		return m.push(v)

	case opNone:
		return m.push(nil)
	case opNewTrue:
		return m.push(true)
	case opNewFalse:
		return m.push(false)
	case opBinInt:
		b, err := m.arg(op, 4)
		if err != nil {
			return err
		}
		return m.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case opBinInt1:
		b, err := m.arg(op, 1)
		if err != nil {
			return err
		}
		return m.push(int64(b[0]))
	case opBinInt2:
		b, err := m.arg(op, 2)
		if err != nil {
			return err
		}
		return m.push(int64(binary.LittleEndian.Uint16(b)))
	case opLong1:
		b, err := m.counted(op, 1)
		if err != nil {
			return err
		}
		return m.pushObject(decodeLong(b))
	case opLong4:
		b, err := m.counted(op, 4)
		if err != nil {
			return err
		}
		return m.pushObject(decodeLong(b))
	case opBinFloat:
		b, err := m.arg(op, 8)
		if err != nil {
			return err
		}
		return m.push(f64(b))

	case opBinUnicode, opShortBinUni, opBinUnicode8:
		b, err := m.counted(op, lengthSize(op))
		if err != nil {
			return err
		}
		if !utf8.Valid(b) {
			// CPython writes surrogates as "surrogatepass" UTF-8; names
			// and keys never contain them, so refuse rather than guess.
			return m.errf(op, "string is not valid UTF-8")
		}
		return m.pushObject(string(b))
	case opBinString, opShortBinString:
		b, err := m.counted(op, lengthSize(op))
		if err != nil {
			return err
		}
		return m.pushObject(latin1(b))
	case opBinBytes, opShortBinBytes, opBinBytes8, opByteArray8:
		b, err := m.counted(op, lengthSize(op))
		if err != nil {
			return err
		}
		return m.pushObject(bytes.Clone(b))

	case opEmptyDict:
		return m.pushObject(NewDict())
	case opEmptyList:
		return m.pushObject(&List{})
	case opEmptyTuple:
		return m.pushObject(Tuple{})
	case opEmptySet:
		return m.pushObject(&Set{})
	case opTuple:
		items, ok := m.popMark()
		if !ok {
			return m.errf(op, "no mark")
		}
		return m.pushObject(Tuple(items))
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		t := make(Tuple, n)
		for i := n - 1; i >= 0; i-- {
			v, ok := m.pop()
			if !ok {
				return m.errf(op, "stack underflow")
			}
			t[i] = v
		}
		return m.pushObject(t)
	case opFrozenSet:
		items, ok := m.popMark()
		if !ok {
			return m.errf(op, "no mark")
		}
		return m.pushObject(&Set{Items: items})

	case opSetItem, opSetItems:
		return m.setItems(op)
	case opAppend, opAppends, opAddItems:
		return m.appendItems(op)

	case opBinPut, opLongBinPut:
		n := uint64(1)
		if op == opLongBinPut {
			n = 4
		}
		b, err := m.arg(op, n)
		if err != nil {
			return err
		}
		v, ok := m.top()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		idx := uint32(b[0])
		if op == opLongBinPut {
			idx = binary.LittleEndian.Uint32(b)
		}
		return m.setMemo(idx, v)
	case opMemoize:
		v, ok := m.top()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		if len(m.memo) >= m.lim.MaxMemo {
			return m.errf(op, "memo exceeds %d entries", m.lim.MaxMemo)
		}
		return m.setMemo(uint32(len(m.memo)), v)
	case opBinGet:
		b, err := m.arg(op, 1)
		if err != nil {
			return err
		}
		return m.getMemo(op, uint32(b[0]))
	case opLongBinGet:
		b, err := m.arg(op, 4)
		if err != nil {
			return err
		}
		return m.getMemo(op, binary.LittleEndian.Uint32(b))

	case opGlobal:
		mod, err := m.line(op)
		if err != nil {
			return err
		}
		name, err := m.line(op)
		if err != nil {
			return err
		}
		return m.global(mod, name)
	case opStackGlobal:
		nv, ok1 := m.pop()
		mv, ok2 := m.pop()
		if !ok1 || !ok2 {
			return m.errf(op, "stack underflow")
		}
		mod, ok1 := mv.(string)
		name, ok2 := nv.(string)
		if !ok1 || !ok2 {
			return m.errf(op, "module and name must be strings, got %T and %T", mv, nv)
		}
		return m.global(mod, name)
	case opReduce:
		return m.reduce(op)
	case opNewObj, opNewObjEx:
		return m.newObj(op)
	case opBuild:
		return m.build(op)
	case opBinPersID:
		pid, ok := m.pop()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		st, err := m.persistentLoad(pid)
		if err != nil {
			return fmt.Errorf("%w: BINPERSID at offset %d: %w", ErrInvalid, m.pos, err)
		}
		return m.push(st)
	}
	// Text-mode (protocol 0/1) opcodes, INST/OBJ (which call classes),
	// the extension registry and out-of-band buffers are never produced by
	// torch.save with protocol ≥2 and are refused outright.
	return fmt.Errorf("%w: unsupported opcode %s at offset %d", ErrInvalid, opName(op), m.pos-1)
}

// line reads a GLOBAL argument: printable ASCII up to a newline.
func (m *machine) line(op byte) (string, error) {
	rest := m.data[m.pos:]
	if len(rest) > maxNameLen+1 {
		rest = rest[:maxNameLen+1]
	}
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		return "", m.errf(op, "name line missing or longer than %d bytes", maxNameLen)
	}
	s := string(rest[:i])
	m.pos += i + 1
	return s, nil
}
