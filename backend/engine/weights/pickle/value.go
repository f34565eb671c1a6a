package pickle

// Value is an unpickled object. Its dynamic type is one of: nil (None), bool,
// int64, *big.Int (integers beyond 64 bits), float64, string, []byte, Tuple,
// *List, *Dict, *Set, *Global, *Refused, *Storage or *Tensor.
type Value = any

// Tuple is an immutable Python tuple (also torch.Size).
type Tuple []Value

// List is a Python list. It is a pointer so the memo can share it.
type List struct{ Items []Value }

// Set is a Python set or frozenset; items keep insertion order.
type Set struct{ Items []Value }

// Dict is a Python dict or collections.OrderedDict, keeping insertion order.
// Keys of type string, int64, bool and float64 are looked up by value; other
// keys (tuples, refused objects) are kept but can only be reached by Range.
type Dict struct {
	keys  []Value
	vals  []Value
	index map[any]int
	// Attrs holds state set by BUILD (torch stores a state dict's
	// "_metadata" this way); it is kept for inspection, never interpreted.
	Attrs Value
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{index: map[any]int{}} }

func hashable(k Value) bool {
	switch k.(type) {
	case string, int64, bool, float64, nil:
		return true
	}
	return false
}

// Set stores k → v, replacing an earlier value for an equal hashable key.
func (d *Dict) Set(k, v Value) {
	if hashable(k) {
		if i, ok := d.index[k]; ok {
			d.vals[i] = v
			return
		}
		d.index[k] = len(d.keys)
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// Get looks up a hashable key.
func (d *Dict) Get(k Value) (Value, bool) {
	if !hashable(k) {
		return nil, false
	}
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// Range calls fn for each entry in insertion order until fn returns false.
func (d *Dict) Range(fn func(k, v Value) bool) {
	for i, k := range d.keys {
		if !fn(k, d.vals[i]) {
			return
		}
	}
}

// Global is an allowlisted Python name (a class, function or dtype) that the
// unpickler knows how to use. Name is "module.qualname".
type Global struct{ Name string }

// Refused stands for a global outside the allowlist, or for anything made by
// calling, building or filling one. It can never be called. Swallowed keeps
// the arguments and state that were handed to it, so a loader can tell
// whether tensors disappeared into it.
type Refused struct {
	Name      string
	Swallowed []Value
}

// called is the inert result of calling r with args.
func (r *Refused) called(args ...Value) *Refused {
	return &Refused{Name: r.Name, Swallowed: args}
}

// fill records state handed to r in place (BUILD, SETITEMS, APPENDS), as
// Python would mutate the object; appending keeps long fills linear.
func (r *Refused) fill(vs ...Value) {
	r.Swallowed = append(r.Swallowed, vs...)
}
