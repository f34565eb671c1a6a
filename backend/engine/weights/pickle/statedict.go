package pickle

import (
	"fmt"
	"strconv"
)

// maxNesting bounds how deep dicts nest inside a state dict.
const maxNesting = 64

// stateDict picks the tensors out of an unpickled checkpoint.
//
// The root must be a dict. When it has a "state_dict" dict (LDM and
// Lightning .ckpt files) that dict is the state dict and the root's scalar
// entries become metadata; the root's other entries (optimizer states,
// callbacks) are ignored. Nested dicts are flattened with "." between keys.
//
// Refused values are tolerated unless the tensors depend on them: a refused
// root or state dict, or a refused entry inside the state dict that
// swallowed tensors or storages, fails the load.
func stateDict(root Value) (map[string]*Tensor, map[string]string, []string, error) {
	rd, err := asDict(root, "top-level object")
	if err != nil {
		return nil, nil, nil, err
	}
	base := rd
	meta := map[string]string{}
	if sd, ok := rd.Get("state_dict"); ok {
		if base, err = asDict(sd, `"state_dict"`); err != nil {
			return nil, nil, nil, err
		}
		rd.Range(func(k, v Value) bool {
			ks, ok := k.(string)
			if !ok {
				return true
			}
			switch x := v.(type) {
			case string:
				meta[ks] = x
			case int64:
				meta[ks] = strconv.FormatInt(x, 10)
			case float64:
				meta[ks] = strconv.FormatFloat(x, 'g', -1, 64)
			case bool:
				meta[ks] = strconv.FormatBool(x)
			}
			return true
		})
	}
	w := &walker{tensors: map[string]*Tensor{}, seen: map[*Dict]bool{}}
	if err := w.walk(base, "", 0); err != nil {
		return nil, nil, nil, err
	}
	return w.tensors, meta, w.warnings, nil
}

func asDict(v Value, what string) (*Dict, error) {
	switch d := v.(type) {
	case *Dict:
		return d, nil
	case *Refused:
		return nil, fmt.Errorf("%s: %w %q", what, ErrRefused, d.Name)
	}
	return nil, fmt.Errorf("%w: %s is %s, not a dict", ErrInvalid, what, typeName(v))
}

type walker struct {
	tensors  map[string]*Tensor
	seen     map[*Dict]bool
	warnings []string
}

func (w *walker) walk(d *Dict, prefix string, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("%w: dicts nest deeper than %d at %q", ErrInvalid, maxNesting, prefix)
	}
	if w.seen[d] {
		w.warnings = append(w.warnings, fmt.Sprintf("dict at %q repeats an enclosing or earlier dict; skipped", prefix))
		return nil
	}
	w.seen[d] = true
	var err error
	d.Range(func(k, v Value) bool {
		var name string
		switch x := k.(type) {
		case string:
			name = prefix + x
		case int64:
			name = prefix + strconv.FormatInt(x, 10)
		default:
			w.warnings = append(w.warnings, fmt.Sprintf("entry with %s key under %q skipped", typeName(k), prefix))
			return true
		}
		switch x := v.(type) {
		case *Tensor:
			if _, dup := w.tensors[name]; dup {
				err = fmt.Errorf("%w: tensor name %q appears twice after flattening", ErrInvalid, name)
				return false
			}
			w.tensors[name] = x
		case *Dict:
			err = w.walk(x, name+".", depth+1)
		case *Refused:
			if holdsData(x, map[any]bool{}, 0) {
				err = fmt.Errorf("state dict entry %q depends on %w %q", name, ErrRefused, x.Name)
				return false
			}
			w.warnings = append(w.warnings, fmt.Sprintf("entry %q is a refused %q object; skipped", name, x.Name))
		}
		return err == nil
	})
	return err
}

// holdsData reports whether v reaches a tensor or storage. seen holds the
// containers already visited, so shared and cyclic structures cost one
// visit each.
func holdsData(v Value, seen map[any]bool, depth int) bool {
	if depth > 10*maxNesting {
		return true // too deep to be sure: assume the worst
	}
	var children []Value
	switch x := v.(type) {
	case *Tensor, *Storage:
		return true
	case Tuple:
		if len(x) == 0 || seen[&x[0]] {
			return false
		}
		seen[&x[0]] = true
		children = x
	case *List:
		if seen[x] {
			return false
		}
		seen[x] = true
		children = x.Items
	case *Set:
		if seen[x] {
			return false
		}
		seen[x] = true
		children = x.Items
	case *Refused:
		if seen[x] {
			return false
		}
		seen[x] = true
		children = x.Swallowed
	case *Dict:
		if seen[x] {
			return false
		}
		seen[x] = true
		children = append(append(append([]Value(nil), x.keys...), x.vals...), x.Attrs)
	}
	for _, c := range children {
		if holdsData(c, seen, depth+1) {
			return true
		}
	}
	return false
}
