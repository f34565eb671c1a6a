package pickle

import (
	"errors"
	"fmt"
)

// The Go twins of the allowlisted callables. Each checks its arguments'
// count and types; a Refused argument where data is needed is an error
// wrapping ErrRefused, since the tensor would depend on unknown code.

func refusedArg(v Value) error {
	if r, ok := v.(*Refused); ok {
		return fmt.Errorf("argument depends on %w %q", ErrRefused, r.Name)
	}
	return nil
}

func argc(args Tuple, counts ...int) error {
	for _, n := range counts {
		if len(args) == n {
			return nil
		}
	}
	return fmt.Errorf("takes %v arguments, got %d", counts, len(args))
}

// collections.OrderedDict() or OrderedDict(pairs).
func callOrderedDict(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 0, 1); err != nil {
		return nil, err
	}
	d := NewDict()
	if len(args) == 0 {
		return d, nil
	}
	var pairs []Value
	switch p := args[0].(type) {
	case *List:
		pairs = p.Items
	case Tuple:
		pairs = p
	default:
		return nil, fmt.Errorf("argument is %s, not a list of pairs", typeName(args[0]))
	}
	for _, p := range pairs {
		kv, ok := p.(Tuple)
		if !ok || len(kv) != 2 {
			return nil, errors.New("item is not a (key, value) pair")
		}
		d.Set(kv[0], kv[1])
	}
	return d, nil
}

func intTuple(v Value, what string) ([]int64, error) {
	if err := refusedArg(v); err != nil {
		return nil, err
	}
	t, ok := v.(Tuple)
	if !ok {
		return nil, fmt.Errorf("%s is %s, not a tuple", what, typeName(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok {
			return nil, fmt.Errorf("%s[%d] is %s, not an int", what, i, typeName(x))
		}
		out[i] = n
	}
	return out, nil
}

// torch._utils._rebuild_tensor(storage, offset, size, stride) and
// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
// backward_hooks[, metadata]). Hooks and metadata are dropped.
func callRebuildTensor(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 4, 6, 7); err != nil {
		return nil, err
	}
	for _, a := range args {
		if err := refusedArg(a); err != nil {
			return nil, err
		}
	}
	st, ok := args[0].(*Storage)
	if !ok {
		return nil, fmt.Errorf("storage is %s, not a storage reference", typeName(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok {
		return nil, fmt.Errorf("offset is %s, not an int", typeName(args[1]))
	}
	shape, err := intTuple(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(args[3], "stride")
	if err != nil {
		return nil, err
	}
	t, err := newTensor(st, off, shape, stride)
	if err != nil {
		return nil, err
	}
	if len(args) > 4 {
		t.RequiresGrad, _ = args[4].(bool)
	}
	return t, nil
}

// torch._utils._rebuild_parameter(data, requires_grad, backward_hooks) and
// _rebuild_parameter_with_state(…, state): a Parameter is its tensor.
func callRebuildParameter(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 3, 4); err != nil {
		return nil, err
	}
	if err := refusedArg(args[0]); err != nil {
		return nil, err
	}
	t, ok := args[0].(*Tensor)
	if !ok {
		return nil, fmt.Errorf("data is %s, not a tensor", typeName(args[0]))
	}
	c := *t
	c.RequiresGrad, _ = args[1].(bool)
	return &c, nil
}

// torch._tensor._rebuild_from_type_v2(func, new_type, args, state): torch
// uses it for tensors with Python state; only plain Tensor and Parameter
// types are accepted, and func must itself be an allowlisted rebuilder.
func callRebuildFromType(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 4); err != nil {
		return nil, err
	}
	for _, a := range args[:3] {
		if err := refusedArg(a); err != nil {
			return nil, err
		}
	}
	fn, ok := args[0].(*Global)
	if !ok || fn.Name == "torch._tensor._rebuild_from_type_v2" {
		return nil, fmt.Errorf("func is %s, not a tensor rebuilder", typeName(args[0]))
	}
	typ, ok := args[1].(*Global)
	if !ok || (typ.Name != "torch.Tensor" && typ.Name != "torch.nn.parameter.Parameter") {
		return nil, fmt.Errorf("type %s is not a plain tensor type", typeName(args[1]))
	}
	inner, ok := args[2].(Tuple)
	if !ok {
		return nil, fmt.Errorf("args are %s, not a tuple", typeName(args[2]))
	}
	v, err := m.call(fn, inner)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(*Tensor); !ok {
		return nil, fmt.Errorf("%s did not build a tensor", fn.Name)
	}
	return v, nil
}

// torch.Size(tuple) is a tuple.
func callSize(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 1); err != nil {
		return nil, err
	}
	dims, err := intTuple(args[0], "size")
	if err != nil {
		return nil, err
	}
	t := make(Tuple, len(dims))
	for i, d := range dims {
		t[i] = d
	}
	return t, nil
}

// _codecs.encode(text, "latin1"): how protocol 2 spells a bytes object.
func callEncode(m *machine, args Tuple) (Value, error) {
	if err := argc(args, 1, 2); err != nil {
		return nil, err
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("text is %s, not a str", typeName(args[0]))
	}
	enc := "utf-8"
	if len(args) == 2 {
		if enc, ok = args[1].(string); !ok {
			return nil, fmt.Errorf("encoding is %s, not a str", typeName(args[1]))
		}
	}
	switch enc {
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, fmt.Errorf("U+%04X is not latin-1", r)
			}
			out = append(out, byte(r))
		}
		return out, nil
	case "utf-8", "utf8":
		return []byte(s), nil
	}
	return nil, fmt.Errorf("encoding %q is not supported", enc)
}
