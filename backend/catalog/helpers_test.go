package catalog

import (
	"archive/zip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// spec is a tensor name and shape; test files hold U8 zeros, since only the
// header matters to the catalog and one byte per element keeps them small.
type spec struct {
	name  string
	shape []int64
}

func writeModel(t *testing.T, path string, specs []spec, md map[string]string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	ts := make([]safetensors.WriteTensor, len(specs))
	for i, s := range specs {
		n := int64(1)
		for _, d := range s.shape {
			n *= d
		}
		ts[i] = safetensors.WriteTensor{Name: s.name, DType: safetensors.U8, Shape: s.shape, Data: make([]byte, n)}
	}
	require.NoError(t, safetensors.WriteFile(path, ts, md))
}

func writeBytes(t *testing.T, path string, data []byte) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// writeTorchZip writes a minimal zip shaped like torch.save's output.
func writeTorchZip(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	w, err := zw.Create("archive/data.pkl")
	require.NoError(t, err)
	_, err = w.Write([]byte{0x80, 0x02, '}', 'q', 0x00, '.'})
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
}

// Key layouts with the real names and the shapes that matter for detection
// (context_dim, adm_in_channels, in_channels); other widths are tiny.
func sd1Keys(inCh int64, ctx int64) []spec {
	const p = "model.diffusion_model."
	return []spec{
		{p + "input_blocks.0.0.weight", []int64{4, inCh, 3, 3}},
		{p + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", []int64{4, ctx}},
		{p + "out.2.weight", []int64{4, 4, 3, 3}},
		{"first_stage_model.decoder.conv_in.weight", []int64{4, 4, 3, 3}},
		{"cond_stage_model.transformer.text_model.final_layer_norm.weight", []int64{ctx}},
	}
}

// tinyKeys is a UNet with non-released widths: context ctx, label_emb input
// adm (0: none), proj_in of the given rank, plus one text-encoder key when
// text is set (a full checkpoint) — else a bare UNet file.
func tinyKeys(ctx, adm int64, projRank int, text string) []spec {
	p := "model.diffusion_model."
	if text == "" {
		p = ""
	}
	proj := []int64{32, 32, 1, 1}[:projRank]
	s := []spec{
		{p + "input_blocks.0.0.weight", []int64{32, 4, 3, 3}},
		{p + "input_blocks.1.1.proj_in.weight", proj},
		{p + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", []int64{32, ctx}},
	}
	if adm > 0 {
		s = append(s, spec{p + "label_emb.0.0.weight", []int64{128, adm}})
	}
	if text != "" {
		s = append(s, spec{text, []int64{49408, 64}})
	}
	return s
}

func sdxlKeys(ctx, adm int64) []spec {
	const p = "model.diffusion_model."
	return []spec{
		{p + "input_blocks.0.0.weight", []int64{4, 4, 3, 3}},
		{p + "input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", []int64{4, ctx}},
		{p + "label_emb.0.0.weight", []int64{4, adm}},
		{"conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", []int64{8}},
		{"first_stage_model.decoder.conv_in.weight", []int64{4, 4, 3, 3}},
	}
}

// recorder is an events.Emitter that keeps every catalog event.
type recorder struct {
	mu  sync.Mutex
	evs []Event
	at  []time.Time
}

func (r *recorder) Emit(name string, payload any) {
	if ev, ok := payload.(Event); ok && name == "catalog:changed" {
		r.mu.Lock()
		r.evs = append(r.evs, ev)
		r.at = append(r.at, time.Now())
		r.mu.Unlock()
	}
}

// forPath returns the events about path, in order, with their arrival times.
func (r *recorder) forPath(path string) ([]Event, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var evs []Event
	var at []time.Time
	for i, ev := range r.evs {
		if ev.Model.Path == path {
			evs = append(evs, ev)
			at = append(at, r.at[i])
		}
	}
	return evs, at
}

func (r *recorder) count(path string, typ EventType) int {
	evs, _ := r.forPath(path)
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.evs...)
}

// fastConfig settles quickly so watch tests run in well under a second each.
func fastConfig(rec *recorder, roots ...string) Config {
	return Config{Roots: roots, StableFor: 300 * time.Millisecond, PollEvery: 50 * time.Millisecond, Emitter: rec}
}

func startCatalog(t *testing.T, cfg Config) *Catalog {
	t.Helper()
	c := New(cfg)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func byPath(c *Catalog, path string) (Model, bool) {
	for _, m := range c.List() {
		if m.Path == path {
			return m, true
		}
	}
	return Model{}, false
}

const waitFor = 10 * time.Second
const tick = 20 * time.Millisecond
