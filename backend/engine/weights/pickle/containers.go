package pickle

import "fmt"

// SETITEM(S), APPEND(S) and ADDITEMS fill the container below their
// arguments; a Refused target swallows the items so a loader can later
// tell whether tensors went into it.

func (m *machine) setItems(op byte) error {
	var items []Value
	if op == opSetItem {
		v, ok1 := m.pop()
		k, ok2 := m.pop()
		if !ok1 || !ok2 {
			return m.errf(op, "stack underflow")
		}
		items = []Value{k, v}
	} else {
		var ok bool
		if items, ok = m.popMark(); !ok {
			return m.errf(op, "no mark")
		}
		if len(items)%2 != 0 {
			return m.errf(op, "odd number of items (%d)", len(items))
		}
	}
	target, ok := m.top()
	if !ok {
		return m.errf(op, "stack underflow")
	}
	switch d := target.(type) {
	case *Dict:
		for i := 0; i < len(items); i += 2 {
			d.Set(items[i], items[i+1])
		}
	case *Refused:
		d.fill(items...)
	default:
		return m.errf(op, "target is %s, not a dict", typeName(target))
	}
	return nil
}

func (m *machine) appendItems(op byte) error {
	var items []Value
	if op == opAppend {
		v, ok := m.pop()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		items = []Value{v}
	} else {
		var ok bool
		if items, ok = m.popMark(); !ok {
			return m.errf(op, "no mark")
		}
	}
	target, ok := m.top()
	if !ok {
		return m.errf(op, "stack underflow")
	}
	switch t := target.(type) {
	case *List:
		if op == opAddItems {
			return m.errf(op, "target is a list, not a set")
		}
		t.Items = append(t.Items, items...)
	case *Set:
		if op != opAddItems {
			return m.errf(op, "target is a set, not a list")
		}
		t.Items = append(t.Items, items...)
	case *Refused:
		t.fill(items...)
	default:
		return m.errf(op, "target is %s, not a list", typeName(target))
	}
	return nil
}

func typeName(v Value) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case *Global:
		return t.Name
	case *Refused:
		return fmt.Sprintf("refused %q", t.Name)
	}
	return fmt.Sprintf("%T", v)
}
