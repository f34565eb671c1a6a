package settings

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Set changes one setting from text, as the command line does
// (`dreamlayer settings set generation.steps 30`), then saves like Save.
// key is the dotted JSON name ("theme", "engine.device", "generation.steps");
// the value is parsed by the field's type. For "extraModelRoots" the value is
// a comma-separated list and "" clears it.
func (s *Store) Set(key, value string) (Settings, error) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	next := s.Get()
	if err := setField(&next, key, value); err != nil {
		return next, err
	}
	return s.saveLocked(next)
}

// Keys returns every key Set accepts, sorted.
func Keys() []string {
	var keys []string
	walk(reflect.TypeFor[Settings](), "", func(key string, _ []int) {
		keys = append(keys, key)
	})
	slices.Sort(keys)
	return keys
}

// walk calls fn for each settable leaf field of t with its dotted JSON key and
// field index path. The schema version is not user-settable.
func walk(t reflect.Type, prefix string, fn func(key string, index []int)) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "" || name == "-" || (prefix == "" && name == "version") {
			continue
		}
		key := prefix + name
		if f.Type.Kind() == reflect.Struct {
			walk(f.Type, key+".", func(k string, idx []int) {
				fn(k, append([]int{i}, idx...))
			})
			continue
		}
		fn(key, []int{i})
	}
}

// fieldIndex finds the field for a dotted key, case-insensitively so that
// "generation.cfgscale" works at a shell prompt.
func fieldIndex(key string) ([]int, string, bool) {
	var (
		found []int
		name  string
	)
	walk(reflect.TypeFor[Settings](), "", func(k string, idx []int) {
		if found == nil && strings.EqualFold(k, key) {
			found, name = idx, k
		}
	})
	return found, name, found != nil
}

func setField(st *Settings, key, value string) error {
	key = strings.TrimSpace(key)
	idx, name, ok := fieldIndex(key)
	if !ok {
		return fmt.Errorf("unknown setting %q; known keys: %s", short(key), strings.Join(Keys(), ", "))
	}
	f := reflect.ValueOf(st).Elem().FieldByIndex(idx)
	v := strings.TrimSpace(value)
	switch f.Kind() {
	case reflect.String:
		f.SetString(v)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(v, 10, f.Type().Bits())
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%s: %s is out of range", name, short(v))
		}
		if err != nil {
			return fmt.Errorf("%s: %q is not a whole number", name, short(value))
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s: %q is not a number", name, short(value))
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not true or false", name, short(value))
		}
		f.SetBool(b)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			panic("settings: unsupported slice type for " + name)
		}
		list := []string{}
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				list = append(list, part)
			}
		}
		f.Set(reflect.ValueOf(list))
	default:
		// Only reachable if Settings gains a field type this switch lacks;
		// TestKeysAreSettable catches that at test time.
		panic("settings: unsupported field type " + f.Type().String() + " for " + name)
	}
	return nil
}
