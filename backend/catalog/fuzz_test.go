package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

// FuzzClassify feeds arbitrary (but header-valid) files to the classifier,
// which indexes shapes and must never panic on a short or empty one.
func FuzzClassify(f *testing.F) {
	seed := func(specs []spec, md map[string]string) []byte {
		ts := make([]safetensors.WriteTensor, len(specs))
		for i, s := range specs {
			n := int64(1)
			for _, d := range s.shape {
				n *= d
			}
			ts[i] = safetensors.WriteTensor{Name: s.name, DType: safetensors.U8, Shape: s.shape, Data: make([]byte, n)}
		}
		var b bytes.Buffer
		if err := safetensors.Write(&b, ts, md); err != nil {
			f.Fatal(err)
		}
		return b.Bytes()
	}
	f.Add(seed(sd1Keys(9, 768), nil), "checkpoint")
	f.Add(seed(sdxlKeys(1280, 2560), map[string]string{"modelspec.prediction_type": "v"}), "")
	f.Add(seed([]spec{{"lora_te2_x.lora_down.weight", []int64{2}}}, nil), "lora")
	f.Add(seed([]spec{{"emb_params", []int64{}}}, nil), "embedding")
	f.Add(seed([]spec{{"model.diffusion_model.input_blocks.0.0.weight", []int64{}}, {"model.diffusion_model.label_emb.0.0.weight", []int64{3}}}, nil), "unet")
	f.Fuzz(func(t *testing.T, data []byte, folderKind string) {
		h, err := safetensors.ReadHeader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		kind, family, _, _, _ := Classify(h, folderKind)
		if kind == "" || family == "" {
			t.Fatalf("empty classification %q %q", kind, family)
		}
	})
}

// FuzzHashCache loads arbitrary cache files: a corrupt cache must be an
// error or ignored, never a panic, and never yield a malformed hash.
func FuzzHashCache(f *testing.F) {
	f.Add([]byte(`{"version":1,"files":{"/m/a.safetensors":{"size":3,"modTime":5,"sha256":"` +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" + `"}}}`))
	f.Add([]byte(`{"version":1,"files":{"/m/a":{"size":3,"modTime":5,"sha256":"xyz"}}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "hashes.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c := newHashCache(path)
		if err := c.load(); err != nil {
			return
		}
		for p, e := range c.entries {
			if sum, ok := c.get(p, e.Size, time.Unix(0, e.ModTime)); !ok || !validSum(sum) {
				t.Fatalf("entry %q: %q", p, sum)
			}
		}
	})
}
