package embeddings

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/fixtures"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

func ramp(n, width int, base float32) []float32 {
	v := make([]float32, n*width)
	for i := range v {
		v[i] = base + float32(i)/8
	}
	return v
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

type tens struct {
	shape []int64
	data  []float32
}

func writeST(t *testing.T, path string, ts map[string]tens) string {
	t.Helper()
	var ws []safetensors.WriteTensor
	for n, x := range ts {
		ws = append(ws, safetensors.WriteTensor{Name: n, DType: safetensors.F32, Shape: x.shape, Data: f32bytes(x.data)})
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, safetensors.WriteFile(path, ws, nil))
	return path
}

// writeA1111 writes what A1111's textual_inversion.save_embedding
// torch.saves: {"string_to_token": {"*": 265}, "string_to_param": {"*":
// tensor [n, width]}, "name": …, "step": …}, as a protocol-2 pickle in a
// torch ≥1.6 zip, opcode by opcode.
func writeA1111(t *testing.T, path string, n, width int, data []float32) {
	t.Helper()
	var p bytes.Buffer
	str := func(s string) {
		p.WriteByte('X')
		_ = binary.Write(&p, binary.LittleEndian, uint32(len(s)))
		p.WriteString(s)
	}
	integer := func(v int) { p.WriteByte('J'); _ = binary.Write(&p, binary.LittleEndian, int32(v)) }
	global := func(mod, name string) { p.WriteString("c" + mod + "\n" + name + "\n") }
	p.Write([]byte{0x80, 2, '}', '('})
	str("string_to_token")
	p.WriteString("}(")
	str("*")
	integer(265)
	p.WriteByte('u')
	str("string_to_param")
	p.WriteString("}(")
	str("*")
	global("torch._utils", "_rebuild_tensor_v2")
	p.WriteString("((")
	str("storage")
	global("torch", "FloatStorage")
	str("0")
	str("cpu")
	integer(n * width)
	p.WriteString("tQ") // tuple → persistent id
	integer(0)
	p.WriteByte('(')
	integer(n)
	integer(width)
	p.WriteByte('t')
	p.WriteByte('(')
	integer(width)
	integer(1)
	p.WriteByte('t')
	p.WriteByte(0x89) // False
	global("collections", "OrderedDict")
	p.WriteString(")R")
	p.WriteString("tR")
	p.WriteByte('u')
	str("name")
	str("my-emb")
	str("step")
	integer(500)
	p.WriteString("u.")

	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"archive/data.pkl", p.Bytes()}, {"archive/byteorder", []byte("little")},
		{"archive/data/0", f32bytes(data)}, {"archive/version", []byte("3\n")},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, z.Bytes(), 0o644))
}

func TestLoadFormats(t *testing.T) {
	dir := t.TempDir()
	l, g := ramp(2, 768, 0), ramp(2, 1280, 100)
	emb := ramp(3, 768, -5)
	writeA1111(t, filepath.Join(dir, "a1111.pt"), 3, 768, emb)
	tests := []struct {
		name, path string
		want       map[string][]float32 // key → flattened vectors
		n          int
	}{
		{"sdxl clip_l/clip_g", writeST(t, filepath.Join(dir, "xl.safetensors"), map[string]tens{
			"clip_l": {[]int64{2, 768}, l}, "clip_g": {[]int64{2, 1280}, g}}),
			map[string][]float32{KeyCLIPL: l, KeyCLIPG: g}, 2},
		{"sd-scripts emb_params", writeST(t, filepath.Join(dir, "kohya.safetensors"), map[string]tens{
			"emb_params": {[]int64{3, 768}, emb}}), map[string][]float32{KeyAny: emb}, 3},
		{"a1111 string_to_param", filepath.Join(dir, "a1111.pt"), map[string][]float32{KeyAny: emb}, 3},
		{"diffusers learned_embeds", writeST(t, filepath.Join(dir, "cat-toy.safetensors"), map[string]tens{
			"<cat-toy>": {[]int64{768}, emb[:768]}}), map[string][]float32{KeyAny: emb[:768]}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Load(tc.path)
			require.NoError(t, err)
			assert.Equal(t, strings.TrimSuffix(filepath.Base(tc.path), filepath.Ext(tc.path)), e.Name)
			assert.Equal(t, tc.n, e.Len())
			require.Len(t, e.Vectors, len(tc.want))
			for k, want := range tc.want {
				var flat []float32
				for _, v := range e.Vectors[k] {
					flat = append(flat, v...)
				}
				assert.Equal(t, want, flat, k)
			}
		})
	}

	xl, err := Load(filepath.Join(dir, "xl.safetensors"))
	require.NoError(t, err)
	v, ok := xl.For(detect.KindOpenCLIPG, 1280)
	require.True(t, ok)
	assert.Equal(t, g[:1280], v[0])
	_, ok = xl.For(detect.KindOpenCLIPH, 1024)
	assert.False(t, ok, "an SDXL embedding does not fit SD 2.x")
	sd, err := Load(filepath.Join(dir, "kohya.safetensors"))
	require.NoError(t, err)
	_, ok = sd.For(detect.KindCLIPL, 768)
	assert.True(t, ok)
	_, ok = sd.For(detect.KindOpenCLIPH, 1024)
	assert.False(t, ok, "widths must match")
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		ts   map[string]tens
	}{
		{"no embedding tensor", map[string]tens{"a": {[]int64{2}, []float32{1, 2}}, "b": {[]int64{1}, []float32{1}}}},
		{"rank 3", map[string]tens{"emb_params": {[]int64{1, 2, 2}, ramp(1, 4, 0)}}},
		{"too many vectors", map[string]tens{"emb_params": {[]int64{76, 1}, ramp(76, 1, 0)}}},
		{"sdxl parts disagree", map[string]tens{"clip_l": {[]int64{1, 4}, ramp(1, 4, 0)}, "clip_g": {[]int64{2, 4}, ramp(2, 4, 0)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeST(t, filepath.Join(dir, tc.name+".safetensors"), tc.ts))
			require.ErrorIs(t, err, ErrFormat)
		})
	}
	_, err := Load(filepath.Join(dir, "missing.pt"))
	assert.Error(t, err)
}

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "sub", "EasyNegative.safetensors"), map[string]tens{"emb_params": {[]int64{2, 4}, ramp(2, 4, 0)}})
	find := Lookup(dir)
	e, ok := find("easynegative")
	require.True(t, ok, "names match ignoring case, in subfolders")
	assert.Equal(t, "EasyNegative", e.Name)
	again, _ := find("EASYNEGATIVE")
	assert.Same(t, e, again, "loaded once")
	_, ok = find("later")
	assert.False(t, ok)
	writeST(t, filepath.Join(dir, "later.safetensors"), map[string]tens{"emb_params": {[]int64{1, 4}, ramp(1, 4, 0)}})
	_, ok = find("later")
	assert.True(t, ok, "a file added later is found")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.pt"), []byte("nope"), 0o644))
	_, ok = find("broken")
	assert.False(t, ok)
}

func TestSplice(t *testing.T) {
	emb := ramp(5, 2, 0)
	require.NoError(t, Splice(emb, 2, []int{1, 3}, [][]float32{{-1, -2}, {-3, -4}}))
	assert.Equal(t, []float32{0, 0.125, -1, -2, 0.5, 0.625, -3, -4, 1, 1.125}, emb)
	before := append([]float32(nil), emb...)
	assert.Error(t, Splice(emb, 2, []int{0, 5}, [][]float32{{9, 9}, {9, 9}}))
	assert.Error(t, Splice(emb, 2, []int{0}, [][]float32{{9, 9, 9}}))
	assert.Error(t, Splice(emb, 2, []int{0}, nil))
	assert.Equal(t, before, emb, "nothing written on an error")
	assert.Equal(t, map[int][]float32{4: {1}, 5: {2}}, Overrides(nil, 4, [][]float32{{1}, {2}}))
}

// TestEncodeWithEmbeddings: a vector spliced at a position encodes exactly
// like the token whose table row it is, at that position — so the
// override lands where the prompt's placeholder is.
func TestEncodeWithEmbeddings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sd1.safetensors")
	require.NoError(t, fixtures.Write(path, "sd1", false, 3))
	src, err := weights.Open(path)
	require.NoError(t, err)
	defer src.Close()
	m, err := detect.Detect(src, detect.Overrides{})
	require.NoError(t, err)
	dev := cpu.New(1)
	w := nn.NewWeights(src, dev)
	enc, err := clip.Load(w, m.TextEncoders[0])
	require.NoError(t, err)
	defer enc.Free()
	table, ok := w.Registry().Lookup(m.TextEncoders[0].Prefix + "embeddings.token_embedding.weight")
	require.True(t, ok)
	rows, err := dev.Download(*table)
	require.NoError(t, err)
	width := m.TextEncoders[0].Width

	const token, pos = 1234, 3
	tok, err := clip.NewTokenizer()
	require.NoError(t, err)
	ids := tok.Window(tok.Encode("a photo of a cat"), clip.PadWithEnd)
	withToken := append([]int(nil), ids...)
	withToken[pos] = token
	placeholder := append([]int(nil), ids...)
	placeholder[pos] = 0
	vec := rows[token*width : (token+1)*width]

	want, _, err := enc.Encode(t.Context(), withToken, 0)
	require.NoError(t, err)
	got, _, err := enc.EncodeWithEmbeddings(t.Context(), [][]int{placeholder}, []map[int][]float32{Overrides(nil, pos, [][]float32{vec})}, 0)
	require.NoError(t, err)
	wv, err := dev.Download(want)
	require.NoError(t, err)
	gv, err := dev.Download(got)
	require.NoError(t, err)
	assert.Equal(t, wv, gv)
	plain, _, err := enc.Encode(t.Context(), placeholder, 0)
	require.NoError(t, err)
	pv, err := dev.Download(plain)
	require.NoError(t, err)
	assert.NotEqual(t, pv, gv, "the override changes the encoding")

	_, _, err = enc.EncodeWithEmbeddings(t.Context(), [][]int{placeholder}, []map[int][]float32{{pos: vec[:width-1]}}, 0)
	assert.Error(t, err, "wrong width")
	_, _, err = enc.EncodeWithEmbeddings(t.Context(), [][]int{placeholder}, []map[int][]float32{{77: vec}}, 0)
	assert.Error(t, err, "position outside the window")
}

// FuzzLoad: any file content loads or fails cleanly.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	var seed bytes.Buffer
	require.NoError(f, safetensors.Write(&seed, []safetensors.WriteTensor{{Name: "emb_params", DType: safetensors.F32, Shape: []int64{1, 2}, Data: f32bytes([]float32{1, 2})}}, nil))
	f.Add(seed.Bytes(), true)
	f.Add([]byte("PK\x03\x04"), false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, st bool) {
		name := filepath.Join(dir, "x.pt")
		if st {
			name = filepath.Join(dir, "x.safetensors")
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := Load(name)
		if err == nil && e.Len() == 0 {
			t.Fatalf("loaded an embedding without vectors")
		}
	})
}
