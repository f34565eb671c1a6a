package pickle

import (
	"fmt"
	"math"
	"strings"
)

// callFn rebuilds an allowlisted call from its arguments, in Go.
type callFn func(m *machine, args Tuple) (Value, error)

// callable returns the Go twin of one of the only names REDUCE and NEWOBJ
// may invoke, or nil. (A switch, not a map: _rebuild_from_type_v2 calls
// back into it.)
func callable(name string) callFn {
	switch name {
	case "collections.OrderedDict":
		return callOrderedDict
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
		return callRebuildTensor
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return callRebuildParameter
	case "torch._tensor._rebuild_from_type_v2":
		return callRebuildFromType
	case "torch.Size":
		return callSize
	case "_codecs.encode":
		return callEncode
	}
	return nil
}

// inertNames are allowlisted names that are values, not callables: storage
// classes (arguments of persistent ids), tensor classes (arguments of
// _rebuild_from_type_v2) and dtypes.
var inertNames = map[string]bool{
	"torch.Tensor":                 true,
	"torch.nn.parameter.Parameter": true,
	"torch.float64":                true, "torch.float32": true, "torch.float16": true, "torch.bfloat16": true,
	"torch.int64": true, "torch.int32": true, "torch.int16": true, "torch.int8": true,
	"torch.uint8": true, "torch.bool": true,
}

// hostileModules are modules no checkpoint has reason to name; a reference
// to one is treated as an attack and fails the load even in lenient mode.
// (Safety does not rest on this list — nothing is ever called — it only
// makes such files fail loudly.)
var hostileModules = map[string]bool{
	"os": true, "posix": true, "nt": true, "subprocess": true, "sys": true, "shutil": true,
	"socket": true, "importlib": true, "runpy": true, "pty": true, "pickle": true,
	"_pickle": true, "marshal": true, "ctypes": true, "code": true, "codeop": true,
	"webbrowser": true, "multiprocessing": true, "asyncio": true, "commands": true,
	"platform": true, "signal": true, "operator": true, "functools": true, "types": true,
	"io": true, "_io": true, "pathlib": true, "tempfile": true, "urllib": true,
	"http": true, "requests": true, "pdb": true, "bdb": true, "timeit": true, "trace": true,
	"profile": true, "cProfile": true, "_posixsubprocess": true,
}

// hostileBuiltins are the builtins that evaluate code or reach objects'
// internals; other builtins (set, slice, …) in training metadata stay inert.
var hostileBuiltins = map[string]bool{
	"eval": true, "exec": true, "execfile": true, "compile": true, "getattr": true,
	"setattr": true, "delattr": true, "__import__": true, "open": true, "file": true,
	"globals": true, "locals": true, "vars": true, "input": true, "raw_input": true,
	"breakpoint": true, "apply": true, "reload": true, "exit": true, "quit": true,
	"help": true, "memoryview": true, "object": true, "type": true, "super": true,
}

func hostile(mod, name string) bool {
	root, _, _ := strings.Cut(mod, ".")
	if hostileModules[root] {
		return true
	}
	// Dunder attributes (__globals__, __class__, __subclasses__, …) are
	// how exploits walk from a harmless object to a dangerous one.
	for _, part := range strings.Split(name, ".") {
		if len(part) > 4 && strings.HasPrefix(part, "__") && strings.HasSuffix(part, "__") {
			return true
		}
	}
	if root == "builtins" || root == "__builtin__" {
		return hostileBuiltins[name] || strings.HasPrefix(name, "_")
	}
	return false
}

// validName accepts dotted Python identifiers only.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// global resolves GLOBAL/STACK_GLOBAL. Nothing is imported: the result is
// a Go value standing for the name.
func (m *machine) global(mod, name string) error {
	if !validName(mod) || !validName(name) {
		return fmt.Errorf("%w: global %q.%q is not a Python name", ErrInvalid, mod, name)
	}
	full := mod + "." + name
	_, isStorage := storageTypes[full]
	if callable(full) != nil || inertNames[full] || isStorage {
		return m.pushObject(&Global{Name: full})
	}
	if m.opts.Strict || hostile(mod, name) {
		return fmt.Errorf("%w %q", ErrRefused, full)
	}
	if !m.refusedSet[full] {
		m.refusedSet[full] = true
		m.refused = append(m.refused, full)
	}
	return m.pushObject(&Refused{Name: full})
}

func (m *machine) call(fn Value, args Tuple) (Value, error) {
	switch f := fn.(type) {
	case *Global:
		c := callable(f.Name)
		if c == nil {
			return nil, fmt.Errorf("%s is not callable", f.Name)
		}
		v, err := c(m, args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		return v, nil
	case *Refused:
		return f.called(args), nil
	}
	return nil, fmt.Errorf("%s is not callable", typeName(fn))
}

func (m *machine) reduce(op byte) error {
	av, ok1 := m.pop()
	fn, ok2 := m.pop()
	if !ok1 || !ok2 {
		return m.errf(op, "stack underflow")
	}
	args, ok := av.(Tuple)
	if !ok {
		return m.errf(op, "arguments are %s, not a tuple", typeName(av))
	}
	v, err := m.call(fn, args)
	if err != nil {
		return m.wrapCall(op, err)
	}
	return m.pushObject(v)
}

func (m *machine) wrapCall(op byte, err error) error {
	return fmt.Errorf("%w: opcode %s at offset %d: %w", ErrInvalid, opName(op), m.pos, err)
}

// newObj handles NEWOBJ (cls, args) and NEWOBJ_EX (cls, args, kwargs):
// cls.__new__ without __init__, i.e. an empty instance.
func (m *machine) newObj(op byte) error {
	var kwargs Value
	if op == opNewObjEx {
		kw, ok := m.pop()
		if !ok {
			return m.errf(op, "stack underflow")
		}
		kwargs = kw
	}
	av, ok1 := m.pop()
	cls, ok2 := m.pop()
	if !ok1 || !ok2 {
		return m.errf(op, "stack underflow")
	}
	args, ok := av.(Tuple)
	if !ok {
		return m.errf(op, "arguments are %s, not a tuple", typeName(av))
	}
	switch c := cls.(type) {
	case *Refused:
		return m.pushObject(c.called(args, kwargs))
	case *Global:
		if c.Name == "collections.OrderedDict" {
			return m.pushObject(NewDict())
		}
	}
	return m.errf(op, "cannot instantiate %s", typeName(cls))
}

// build handles BUILD: obj.__setstate__(state) or obj.__dict__.update(state).
func (m *machine) build(op byte) error {
	state, ok := m.pop()
	if !ok {
		return m.errf(op, "stack underflow")
	}
	obj, ok := m.top()
	if !ok {
		return m.errf(op, "stack underflow")
	}
	switch o := obj.(type) {
	case *Refused:
		o.fill(state)
	case *Dict:
		// An OrderedDict with instance attributes: torch's state dicts
		// carry _metadata (per-module versions) this way.
		o.Attrs = state
	default:
		return m.errf(op, "cannot set state of %s", typeName(obj))
	}
	return nil
}

// persistentLoad resolves torch's storage reference
// ('storage', StorageType, key, location, numel).
func (m *machine) persistentLoad(pid Value) (*Storage, error) {
	t, ok := pid.(Tuple)
	if !ok || len(t) != 5 {
		return nil, fmt.Errorf("persistent id %s is not a 5-tuple", typeName(pid))
	}
	if tag, _ := t[0].(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id tag %v is not \"storage\"", t[0])
	}
	var dt DType
	switch c := t[1].(type) {
	case *Global:
		dt = storageTypes[c.Name]
	case *Refused:
		return nil, fmt.Errorf("storage type: %w %q", ErrRefused, c.Name)
	}
	if dt == "" {
		return nil, fmt.Errorf("storage type %s is not supported", typeName(t[1]))
	}
	key, ok1 := t[2].(string)
	loc, ok2 := t[3].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("storage key, location and size must be str, str, int")
	}
	if key == "" || strings.ContainsAny(key, "/\\") || key == "." || key == ".." {
		return nil, fmt.Errorf("storage key %q is not a plain name", key)
	}
	if numel < 0 || numel > math.MaxInt64/int64(dt.Size()) {
		return nil, fmt.Errorf("storage %q: invalid size %d", key, numel)
	}
	if prev, ok := m.storages[key]; ok {
		if prev.DType != dt || prev.Numel != numel {
			return nil, fmt.Errorf("storage %q referenced as %s[%d] and %s[%d]", key, prev.DType, prev.Numel, dt, numel)
		}
		return prev, nil
	}
	if err := m.newObject(); err != nil {
		return nil, err
	}
	st := &Storage{Key: key, DType: dt, Numel: numel, Location: loc}
	m.storages[key] = st
	return st, nil
}
