package detect

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// maxDim bounds any dimension detection uses, so hostile headers cannot
// overflow the arithmetic on them.
const maxDim = 1 << 24

// index answers name and prefix questions over a source's tensors.
type index struct {
	src   weights.Source
	names []string // sorted
}

func newIndex(src weights.Source) *index {
	names := slices.Clone(src.Names())
	slices.Sort(names) // Names is sorted by contract; be sure, search relies on it
	return &index{src: src, names: names}
}

func (x *index) has(name string) bool {
	_, ok := slices.BinarySearch(x.names, name)
	return ok
}

// hasPrefix reports whether any tensor name starts with p.
func (x *index) hasPrefix(p string) bool {
	i := sort.SearchStrings(x.names, p)
	return i < len(x.names) && strings.HasPrefix(x.names[i], p)
}

// count is how many consecutive indices 0, 1, … have tensors under
// fmt.Sprintf(format, i) — ComfyUI's count_blocks.
func (x *index) count(format string) int {
	n := 0
	for n < len(x.names) && x.hasPrefix(fmt.Sprintf(format, n)) {
		n++
	}
	return n
}

// shape returns a tensor's dimensions, checked to be rank dims (any rank
// when rank < 0) and each in [1, maxDim].
func (x *index) shape(name string, rank int) ([]int, error) {
	info, ok := x.src.Info(name)
	if !ok {
		return nil, unsupported("missing tensor %s", name)
	}
	if rank >= 0 && len(info.Shape) != rank {
		return nil, unsupported("tensor %s has shape %v, want rank %d", name, info.Shape, rank)
	}
	out := make([]int, len(info.Shape))
	for i, d := range info.Shape {
		if d < 1 || d > maxDim {
			return nil, unsupported("tensor %s has shape %v", name, info.Shape)
		}
		out[i] = int(d)
	}
	return out, nil
}

// dim is one dimension of a tensor of the given rank.
func (x *index) dim(name string, rank, i int) (int, error) {
	s, err := x.shape(name, rank)
	if err != nil {
		return 0, err
	}
	return s[i], nil
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedModel, fmt.Sprintf(format, args...))
}
