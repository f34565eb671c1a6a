package embeddings

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// ErrFormat is wrapped by Load's error for a file that holds no embedding
// this package recognises.
var ErrFormat = errors.New("embeddings: not a textual-inversion file")

// Keys of Embedding.Vectors.
const (
	KeyCLIPL = "clip_l" // SDXL files: the CLIP-L part
	KeyCLIPG = "clip_g" // SDXL files: the OpenCLIP bigG part
	KeyAny   = ""       // single-encoder files (SD 1.x, 2.x): whatever width they have
)

// Limits on what a file may hold: a prompt chunk has 75 token slots, and
// no CLIP is wider than bigG's 1280 (the bound leaves room).
const (
	maxVectors = 75
	maxWidth   = 8192
)

// Embedding is one textual inversion: its name and its vectors per text
// encoder.
type Embedding struct {
	Name string
	// Vectors holds [n][width] per KeyCLIPL, KeyCLIPG or KeyAny.
	Vectors map[string][][]float32
}

// Len is the number of token slots the embedding fills.
func (e *Embedding) Len() int {
	for _, k := range []string{KeyAny, KeyCLIPL, KeyCLIPG} {
		if v, ok := e.Vectors[k]; ok {
			return len(v)
		}
	}
	return 0
}

// For returns the vectors for a text encoder of the given detect kind
// (detect.KindCLIPL, …) and width: an SDXL file's part for that encoder,
// or a single-encoder file's vectors when their width matches.
func (e *Embedding) For(kind string, width int) ([][]float32, bool) {
	key := map[string]string{detect.KindCLIPL: KeyCLIPL, detect.KindOpenCLIPG: KeyCLIPG}[kind]
	if v, ok := e.Vectors[key]; ok && key != "" && len(v) > 0 && len(v[0]) == width {
		return v, true
	}
	if v, ok := e.Vectors[KeyAny]; ok && len(v) > 0 && len(v[0]) == width {
		return v, true
	}
	return nil, false
}

// Load reads a textual-inversion file; the embedding's name is the file
// stem.
func Load(path string) (*Embedding, error) {
	src, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("load embedding %s: %w", path, err)
	}
	defer src.Close()
	e := &Embedding{Name: stem(path), Vectors: map[string][][]float32{}}
	names := src.Names()
	switch {
	case slices.Contains(names, KeyCLIPL) || slices.Contains(names, KeyCLIPG):
		for _, k := range []string{KeyCLIPL, KeyCLIPG} {
			if slices.Contains(names, k) {
				if e.Vectors[k], err = read(src, k); err != nil {
					return nil, fmt.Errorf("load embedding %s: %w", path, err)
				}
			}
		}
		if l, g := e.Vectors[KeyCLIPL], e.Vectors[KeyCLIPG]; l != nil && g != nil && len(l) != len(g) {
			return nil, fmt.Errorf("load embedding %s: %w: clip_l has %d vectors, clip_g %d", path, ErrFormat, len(l), len(g))
		}
		return e, nil
	case slices.Contains(names, "emb_params"):
		e.Vectors[KeyAny], err = read(src, "emb_params")
	default:
		name := ""
		for _, n := range names {
			if strings.HasPrefix(n, "string_to_param.") {
				name = n // A1111 takes the first (and only) entry
				break
			}
		}
		if name == "" && len(names) == 1 {
			name = names[0] // diffusers' learned_embeds: {"<token>": vector}
		}
		if name == "" {
			return nil, fmt.Errorf("load embedding %s: %w (tensors %v)", path, ErrFormat, first(names, 5))
		}
		e.Vectors[KeyAny], err = read(src, name)
	}
	if err != nil {
		return nil, fmt.Errorf("load embedding %s: %w", path, err)
	}
	return e, nil
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// read loads a [n, width] (or a single [width]) float tensor as n vectors.
func read(src weights.Source, name string) ([][]float32, error) {
	info, ok := src.Info(name)
	if !ok {
		return nil, fmt.Errorf("%w: %s missing", ErrFormat, name)
	}
	if !info.DType.IsFloat() {
		return nil, fmt.Errorf("%w: %s is %s, not a float tensor", ErrFormat, name, info.DType)
	}
	n, width := int64(1), int64(0)
	switch len(info.Shape) {
	case 1:
		width = info.Shape[0]
	case 2:
		n, width = info.Shape[0], info.Shape[1]
	default:
		return nil, fmt.Errorf("%w: %s has shape %v, want [vectors, width]", ErrFormat, name, info.Shape)
	}
	if n < 1 || n > maxVectors || width < 1 || width > maxWidth {
		return nil, fmt.Errorf("%w: %s has shape %v (at most %d vectors of %d)", ErrFormat, name, info.Shape, maxVectors, maxWidth)
	}
	data, err := src.Float32(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out := make([][]float32, n)
	for i := range out {
		out[i] = data[int64(i)*width : int64(i+1)*width : int64(i+1)*width]
	}
	return out, nil
}

// open opens a file as safetensors when it is named so (content sniffing
// can mistake a small safetensors header for a pickle), else by content.
func open(path string) (weights.Source, error) {
	if strings.EqualFold(filepath.Ext(path), ".safetensors") {
		return weights.OpenSafetensors(path)
	}
	return weights.Open(path)
}

func stem(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// extensions an embedding file may have.
var extensions = []string{".safetensors", ".pt", ".bin"}

// Lookup returns a resolver of embedding names (file stems, any case)
// under dir and its subfolders. Loaded embeddings are cached; a name not
// found rescans the folder, so files added later are seen. A file that
// fails to load is logged and reported as not found.
func Lookup(dir string) func(name string) (*Embedding, bool) {
	var (
		mu     sync.Mutex
		paths  map[string]string // lower-case stem → path
		loaded = map[string]*Embedding{}
	)
	scan := func() {
		paths = map[string]string{}
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil // an unreadable folder hides only its own files
			}
			if slices.Contains(extensions, strings.ToLower(filepath.Ext(p))) {
				if k := strings.ToLower(stem(p)); paths[k] == "" {
					paths[k] = p
				}
			}
			return nil
		})
	}
	return func(name string) (*Embedding, bool) {
		key := strings.ToLower(name)
		if key == "" {
			return nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if e, ok := loaded[key]; ok {
			return e, true
		}
		if _, ok := paths[key]; !ok {
			scan()
		}
		p, ok := paths[key]
		if !ok {
			return nil, false
		}
		e, err := Load(p)
		if err != nil {
			slog.Warn("embedding not loaded", "name", name, "err", err)
			return nil, false
		}
		loaded[key] = e
		return e, true
	}
}

// Splice writes vectors into tokenEmb, a row-major [n, width] token
// embedding sequence, at rows positions[i]. Positions and widths are
// checked first; nothing is written on an error.
func Splice(tokenEmb []float32, width int, positions []int, vectors [][]float32) error {
	if width <= 0 || len(tokenEmb)%width != 0 {
		return fmt.Errorf("embeddings: splice into %d values of width %d", len(tokenEmb), width)
	}
	if len(positions) != len(vectors) {
		return fmt.Errorf("embeddings: %d positions for %d vectors", len(positions), len(vectors))
	}
	rows := len(tokenEmb) / width
	for i, p := range positions {
		if p < 0 || p >= rows {
			return fmt.Errorf("embeddings: position %d outside %d tokens", p, rows)
		}
		if len(vectors[i]) != width {
			return fmt.Errorf("embeddings: vector %d has width %d, the encoder %d", i, len(vectors[i]), width)
		}
	}
	for i, p := range positions {
		copy(tokenEmb[p*width:(p+1)*width], vectors[i])
	}
	return nil
}

// Overrides maps an embedding placed at window position start (the
// chunk offset + 1, after the start token) to the per-position vectors
// clip.TextEncoder.EncodeWithEmbeddings takes, adding to dst (made when
// nil).
func Overrides(dst map[int][]float32, start int, vectors [][]float32) map[int][]float32 {
	if dst == nil {
		dst = map[int][]float32{}
	}
	for i, v := range vectors {
		dst[start+i] = v
	}
	return dst
}
