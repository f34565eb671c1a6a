package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInitialScanLayouts(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // relative path → expected kind ("" = ignored)
	}{
		{"comfyui", map[string]string{
			"checkpoints/sd15.safetensors":      KindCheckpoint,
			"checkpoints/sdxl/base.safetensors": KindCheckpoint,
			"loras/styles/ink.safetensors":      KindLoRA,
			"vae/vae-ft-mse.safetensors":        KindVAE,
			"upscale_models/4x.pth":             KindUpscaler,
			"embeddings/easyneg.safetensors":    KindEmbedding,
			"controlnet/canny.safetensors":      KindControlNet,
			"checkpoints/readme.txt":            "",
			"checkpoints/.hidden.safetensors":   "",
			"checkpoints/dl.safetensors.part":   "",
			"checkpoints/.git/objects/x.ckpt":   "",
		}},
		{"a1111", map[string]string{
			"Stable-diffusion/v1-5.safetensors": KindCheckpoint,
			"Lora/detail.safetensors":           KindLoRA,
			"LyCORIS/loha.safetensors":          KindLoRA,
			"VAE/kl-f8.safetensors":             KindVAE,
			"ESRGAN/4x-UltraSharp.pth":          KindUpscaler,
			"RealESRGAN/x4plus.pth":             KindUpscaler,
			"ControlNet/depth.safetensors":      KindControlNet,
		}},
	}
	content := map[string][]spec{
		KindCheckpoint: sd1Keys(4, 768),
		KindLoRA:       {{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", []int64{4, 768}}},
		KindVAE:        {{"encoder.conv_in.weight", []int64{4, 3, 3, 3}}, {"decoder.conv_out.weight", []int64{3, 4, 3, 3}}},
		KindEmbedding:  {{"emb_params", []int64{1, 768}}},
		KindControlNet: {{"control_model.input_hint_block.0.weight", []int64{4, 3, 3, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			want := map[string]string{}
			for rel, kind := range tt.files {
				path := filepath.Join(root, filepath.FromSlash(rel))
				switch {
				case filepath.Ext(rel) == ".pth":
					writeTorchZip(t, path)
				case kind == "":
					writeModel(t, path, sd1Keys(4, 768), nil)
				default:
					writeModel(t, path, content[kind], nil)
				}
				if kind != "" {
					want[path] = kind
				}
			}
			rec := &recorder{}
			c := startCatalog(t, fastConfig(rec, root))

			got := map[string]string{}
			for _, m := range c.List() {
				got[m.Path] = m.Kind
				assert.Equal(t, StatusOK, m.Status, m.Path+": "+m.Error)
				assert.Equal(t, root, m.Root)
				g, ok := c.Get(m.ID)
				assert.True(t, ok)
				assert.Equal(t, m.Path, g.Path)
			}
			assert.Equal(t, want, got)
			evs := rec.all()
			assert.Len(t, evs, len(want), "one Added per model, hashing off")
			for _, ev := range evs {
				assert.Equal(t, Added, ev.Type)
			}
			list := c.List()
			for i := 1; i < len(list); i++ {
				a, b := list[i-1], list[i]
				assert.True(t, a.Kind < b.Kind || (a.Kind == b.Kind && a.Name <= b.Name), "sorted by kind then name")
			}
		})
	}
}

// copyFile copies like a file manager would: create, then write in pieces.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.Create(dst)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

func TestWatchAddRemoveRename(t *testing.T) {
	root := t.TempDir()
	loras := filepath.Join(root, "loras")
	require.NoError(t, os.MkdirAll(loras, 0o755))
	src := filepath.Join(t.TempDir(), "src.safetensors")
	writeModel(t, src, []spec{{"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", []int64{4, 768}}}, nil)

	rec := &recorder{}
	c := startCatalog(t, fastConfig(rec, root))
	require.Empty(t, c.List())

	dst := filepath.Join(loras, "new.safetensors")
	copyFile(t, src, dst)
	require.Eventually(t, func() bool { _, ok := byPath(c, dst); return ok }, waitFor, tick)
	time.Sleep(3 * c.cfg.StableFor) // any duplicate report would arrive by now
	assert.Equal(t, 1, rec.count(dst, Added))
	assert.Zero(t, rec.count(dst, Changed))
	m, _ := byPath(c, dst)
	assert.Equal(t, KindLoRA, m.Kind)

	// Rename: the old name goes, the new one comes.
	renamed := filepath.Join(loras, "renamed.safetensors")
	require.NoError(t, os.Rename(dst, renamed))
	require.Eventually(t, func() bool { _, ok := byPath(c, renamed); return ok }, waitFor, tick)
	_, ok := byPath(c, dst)
	assert.False(t, ok)
	assert.Equal(t, 1, rec.count(dst, Removed))
	assert.Equal(t, 1, rec.count(renamed, Added))

	// Overwrite in place: Changed, not Added.
	writeModel(t, renamed, []spec{{"lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", []int64{8, 768}}}, nil)
	require.Eventually(t, func() bool { return rec.count(renamed, Changed) == 1 }, waitFor, tick)

	require.NoError(t, os.Remove(renamed))
	require.Eventually(t, func() bool { return rec.count(renamed, Removed) == 1 }, waitFor, tick)
	assert.Empty(t, c.List())
}

func TestWatchNewAndRemovedSubfolders(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "checkpoints"), 0o755))
	rec := &recorder{}
	c := startCatalog(t, fastConfig(rec, root))

	// A file written right after its folder is created is caught either by
	// the new folder's scan or by its watch.
	sub := filepath.Join(root, "checkpoints", "sdxl", "anime")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	first := filepath.Join(sub, "first.safetensors")
	writeModel(t, first, sdxlKeys(2048, 2816), nil)
	require.Eventually(t, func() bool { _, ok := byPath(c, first); return ok }, waitFor, tick)

	// Later files prove the new folder is watched.
	second := filepath.Join(sub, "second.safetensors")
	writeModel(t, second, sdxlKeys(2048, 2816), nil)
	require.Eventually(t, func() bool { _, ok := byPath(c, second); return ok }, waitFor, tick)
	m, _ := byPath(c, second)
	assert.Equal(t, FamilySDXL, m.Family)
	assert.Equal(t, "checkpoints/sdxl/anime", m.Folder)

	// Removing the folder removes its models.
	require.NoError(t, os.RemoveAll(filepath.Join(root, "checkpoints", "sdxl")))
	require.Eventually(t, func() bool { return len(c.List()) == 0 }, waitFor, tick)
	assert.Equal(t, 1, rec.count(first, Removed))
	assert.Equal(t, 1, rec.count(second, Removed))

	// A folder moved in from elsewhere is scanned.
	outside := filepath.Join(t.TempDir(), "pack")
	moved := filepath.Join(outside, "m.safetensors")
	writeModel(t, moved, sd1Keys(4, 768), nil)
	require.NoError(t, os.Rename(outside, filepath.Join(root, "checkpoints", "pack")))
	inRoot := filepath.Join(root, "checkpoints", "pack", "m.safetensors")
	require.Eventually(t, func() bool { _, ok := byPath(c, inRoot); return ok }, waitFor, tick)
}

// TestSlowLargeWrite is the scenario: a 200 MB model copied slowly,
// in 20 chunks with pauses, must be reported exactly once, complete.
func TestSlowLargeWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200 MB")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "checkpoints")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	rec := &recorder{}
	cfg := fastConfig(rec, root)
	cfg.StableFor, cfg.PollEvery = 500*time.Millisecond, 200*time.Millisecond // the defaults
	c := startCatalog(t, cfg)

	const total = 200 << 20
	const chunks = 20
	// The header describes one U8 tensor filling the rest of the file, so
	// the file only becomes valid with its last byte.
	hdr := bigHeader(total)
	path := filepath.Join(dir, "big.safetensors")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write(hdr)
	require.NoError(t, err)
	buf := make([]byte, (total-len(hdr))/chunks+1)
	written := int64(len(hdr))
	for i := 0; written < total; i++ {
		n := min(int64(len(buf)), total-written)
		_, err := f.Write(buf[:n])
		require.NoError(t, err)
		written += n
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, f.Close())
	done := time.Now()

	require.Eventually(t, func() bool { _, ok := byPath(c, path); return ok }, waitFor, tick)
	time.Sleep(3 * cfg.StableFor)
	evs, at := rec.forPath(path)
	require.Len(t, evs, 1, "exactly one report")
	assert.Equal(t, Added, evs[0].Type)
	assert.False(t, at[0].Before(done), "not reported while being written")
	assert.Equal(t, int64(total), evs[0].Model.Size)
	assert.Equal(t, StatusOK, evs[0].Model.Status, evs[0].Model.Error)
	assert.Equal(t, 1, evs[0].Model.TensorCount)
}

// bigHeader returns the 8-byte length and JSON header of a file holding one
// U8 tensor that fills the file up to total bytes.
func bigHeader(total int64) []byte {
	data := total
	for {
		js := fmt.Sprintf(`{"model.diffusion_model.blob":{"dtype":"U8","shape":[%d],"data_offsets":[0,%d]}}`, data, data)
		for len(js)%8 != 0 {
			js += " "
		}
		if next := total - 8 - int64(len(js)); next != data {
			data = next // the digits changed the header length; try again
			continue
		}
		out := make([]byte, 8, 8+len(js))
		binary.LittleEndian.PutUint64(out, uint64(len(js)))
		return append(out, js...)
	}
}

func TestUnreadableFilesAreListed(t *testing.T) {
	root := t.TempDir()
	empty := filepath.Join(root, "checkpoints", "empty.safetensors")
	writeBytes(t, empty, nil)
	rec := &recorder{}
	c := startCatalog(t, fastConfig(rec, root))
	m, ok := byPath(c, empty)
	require.True(t, ok)
	assert.Equal(t, StatusUnreadable, m.Status)
	assert.Equal(t, "empty file", m.Error)

	// A truncated file arriving live is reported as unreadable, with the reason.
	good := filepath.Join(t.TempDir(), "good.safetensors")
	writeModel(t, good, sd1Keys(4, 768), nil)
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	cut := filepath.Join(root, "checkpoints", "cut.safetensors")
	writeBytes(t, cut, data[:len(data)/2])
	require.Eventually(t, func() bool { _, ok := byPath(c, cut); return ok }, waitFor, tick)
	m, _ = byPath(c, cut)
	assert.Equal(t, StatusUnreadable, m.Status)
	assert.Contains(t, m.Error, "file truncated?")
	assert.Equal(t, KindCheckpoint, m.Kind)
}

func TestSymlinkLoop(t *testing.T) {
	root := t.TempDir()
	ckpt := filepath.Join(root, "checkpoints")
	model := filepath.Join(ckpt, "a", "m.safetensors")
	writeModel(t, model, sd1Keys(4, 768), nil)
	// A loop back to an ancestor, a self-loop and a dangling link.
	require.NoError(t, os.Symlink(ckpt, filepath.Join(ckpt, "a", "up")))
	require.NoError(t, os.Symlink(filepath.Join(ckpt, "self"), filepath.Join(ckpt, "self")))
	require.NoError(t, os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(ckpt, "dangling")))
	// A linked folder outside the root is followed.
	outside := t.TempDir()
	linked := filepath.Join(outside, "x.safetensors")
	writeModel(t, linked, sd1Keys(4, 1024), nil)
	require.NoError(t, os.Symlink(outside, filepath.Join(ckpt, "shared")))

	rec := &recorder{}
	c := New(fastConfig(rec, root))
	started := make(chan error, 1)
	go func() { started <- c.Start(t.Context()) }()
	select {
	case err := <-started:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Start did not return: symlink loop followed")
	}
	t.Cleanup(func() { require.NoError(t, c.Close()) })

	list := c.List()
	require.Len(t, list, 2)
	paths := []string{list[0].Path, list[1].Path}
	assert.ElementsMatch(t, []string{model, filepath.Join(ckpt, "shared", "x.safetensors")}, paths)

	// Files appearing in the linked folder are seen through the link.
	later := filepath.Join(outside, "later.safetensors")
	writeModel(t, later, sd1Keys(4, 768), nil)
	viaLink := filepath.Join(ckpt, "shared", "later.safetensors")
	require.Eventually(t, func() bool { _, ok := byPath(c, viaLink); return ok }, waitFor, tick)
}

func TestHashCacheReused(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "loras", "l.safetensors")
	writeModel(t, path, []spec{{"lora_unet_x.lora_down.weight", []int64{4, 768}}}, map[string]string{"ss_base_model_version": "sd_v1"})
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	cachePath := filepath.Join(t.TempDir(), "cache", "hashes.json")

	run := func(rec *recorder) (*Catalog, *atomic.Int32) {
		cfg := fastConfig(rec, root)
		cfg.Hash, cfg.CachePath = true, cachePath
		c := New(cfg)
		var calls atomic.Int32
		c.hashFile = func(ctx context.Context, p string) (string, error) {
			calls.Add(1)
			return sha256File(ctx, p)
		}
		require.NoError(t, c.Start(t.Context()))
		return c, &calls
	}

	rec1 := &recorder{}
	c1, calls1 := run(rec1)
	m, ok := byPath(c1, path)
	require.True(t, ok)
	require.Eventually(t, func() bool { return rec1.count(path, Changed) == 1 }, waitFor, tick)
	evs, _ := rec1.forPath(path)
	assert.True(t, evs[0].Model.Hashing, "Added while hashing")
	assert.Empty(t, evs[0].Model.SHA256)
	m, _ = byPath(c1, path)
	assert.Equal(t, want, m.SHA256)
	assert.Equal(t, want[:10], m.AutoV2)
	assert.False(t, m.Hashing)
	assert.Equal(t, int32(1), calls1.Load())
	require.NoError(t, c1.Close())
	require.FileExists(t, cachePath)

	rec2 := &recorder{}
	c2, calls2 := run(rec2)
	defer func() { require.NoError(t, c2.Close()) }()
	m, ok = byPath(c2, path)
	require.True(t, ok)
	assert.Equal(t, want, m.SHA256, "hash known from the cache at once")
	assert.False(t, m.Hashing)
	time.Sleep(3 * c2.cfg.StableFor)
	assert.Zero(t, calls2.Load(), "second catalog did not rehash")
	assert.Zero(t, rec2.count(path, Changed))

	// A changed file is hashed again.
	writeModel(t, path, []spec{{"lora_unet_x.lora_down.weight", []int64{8, 768}}}, nil)
	require.Eventually(t, func() bool {
		m, _ := byPath(c2, path)
		return m.SHA256 != "" && m.SHA256 != want
	}, waitFor, tick)
	assert.Equal(t, int32(1), calls2.Load())
}

func TestCorruptHashCacheIgnored(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "vae", "v.safetensors")
	writeModel(t, path, []spec{{"encoder.a", []int64{1}}, {"decoder.b", []int64{1}}}, nil)
	cachePath := filepath.Join(t.TempDir(), "hashes.json")
	writeBytes(t, cachePath, []byte("{not json"))
	cfg := fastConfig(&recorder{}, root)
	cfg.Hash, cfg.CachePath = true, cachePath
	c := startCatalog(t, cfg)
	require.Eventually(t, func() bool { m, _ := byPath(c, path); return m.SHA256 != "" }, waitFor, tick)
}

func TestSetRoots(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	inA := filepath.Join(a, "checkpoints", "a.safetensors")
	inB := filepath.Join(b, "Lora", "b.safetensors")
	writeModel(t, inA, sd1Keys(4, 768), nil)
	writeModel(t, inB, []spec{{"lora_te_x.lora_down.weight", []int64{4, 768}}}, nil)

	rec := &recorder{}
	c := startCatalog(t, fastConfig(rec, a))
	assert.Equal(t, []string{a}, c.Roots())
	require.NoError(t, c.SetRoots(t.Context(), []string{b}))
	assert.Equal(t, []string{b}, c.Roots())
	assert.Equal(t, 1, rec.count(inA, Removed))
	assert.Equal(t, 1, rec.count(inB, Added))
	list := c.List()
	require.Len(t, list, 1)
	assert.Equal(t, inB, list[0].Path)

	// The old root is no longer watched; the new one is.
	writeModel(t, filepath.Join(a, "checkpoints", "late.safetensors"), sd1Keys(4, 768), nil)
	lateB := filepath.Join(b, "Lora", "late.safetensors")
	writeModel(t, lateB, []spec{{"lora_te_x.lora_down.weight", []int64{4, 768}}}, nil)
	require.Eventually(t, func() bool { _, ok := byPath(c, lateB); return ok }, waitFor, tick)
	assert.Len(t, c.List(), 2)

	// Both roots: a's model comes back, b's stay without new events.
	require.NoError(t, c.SetRoots(t.Context(), []string{a, b}))
	assert.Len(t, c.List(), 4)
	assert.Equal(t, 1, rec.count(inB, Added))
}

func TestInspect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models", "Lora", "x.safetensors")
	writeModel(t, path, []spec{{"lora_te1_a.lora_down.weight", []int64{4, 768}}}, nil)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)

	m, err := Inspect(path)
	require.NoError(t, err)
	assert.Equal(t, KindLoRA, m.Kind)
	assert.Equal(t, FamilySDXL, m.BaseModel)
	assert.Equal(t, hex.EncodeToString(sum[:]), m.SHA256)
	assert.Equal(t, m.SHA256[:10], m.AutoV2)
	assert.Equal(t, modelID(path), m.ID)
	assert.Len(t, m.ID, 16)

	_, err = Inspect(filepath.Join(t.TempDir(), "missing.safetensors"))
	assert.Error(t, err)
}

func TestCloseStopsHashing(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "checkpoints", "m.safetensors")
	writeModel(t, path, sd1Keys(4, 768), nil)
	cfg := fastConfig(&recorder{}, root)
	cfg.Hash = true
	c := New(cfg)
	started := make(chan struct{})
	c.hashFile = func(ctx context.Context, p string) (string, error) {
		close(started)
		<-ctx.Done() // a hash that only ends when cancelled
		return "", ctx.Err()
	}
	require.NoError(t, c.Start(t.Context()))
	<-started
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("Close did not cancel hashing")
	}
	m, _ := byPath(c, path)
	assert.True(t, m.Hashing, "an interrupted hash leaves the model unhashed")
	assert.Empty(t, m.SHA256)
}
