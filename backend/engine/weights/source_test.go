package weights

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
)

const taesdDir = "../../../testdata/taesd"

// TestTAESDCheckpoints reads the real TAESD (FLUX.2) .pth files. Expected
// values are from /work/shared/data/README.md (first elements as stored,
// F16 widened exactly).
func TestTAESDCheckpoints(t *testing.T) {
	tests := []struct {
		file   string
		tensor string
		shape  []int64
		first  []float32
	}{
		{"taef2_decoder.pth", "1.weight", []int64{64, 32, 3, 3}, []float32{-0.0031700134, -0.003118515, -0.015792847}},
		{"taef2_decoder.pth", "1.bias", []int64{64}, []float32{0.2980957, 0.4099121, 0.2166748}},
		{"taef2_encoder.pth", "0.weight", []int64{64, 3, 3, 3}, []float32{-0.14050293, -0.06121826, 0.091552734}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.tensor, func(t *testing.T) {
			for _, open := range []func(string) (Source, error){OpenPickle, Open} {
				src, err := open(filepath.Join(taesdDir, tt.file))
				require.NoError(t, err)
				t.Cleanup(func() { require.NoError(t, src.Close()) })

				info, ok := src.Info(tt.tensor)
				require.True(t, ok)
				assert.Equal(t, Info{Name: tt.tensor, DType: F16, Shape: tt.shape}, info)

				got, err := src.Float32(tt.tensor)
				require.NoError(t, err)
				require.Len(t, got, int(info.Elements()))
				assert.Equal(t, tt.first, got[:3])

				raw, rinfo, err := src.Raw(tt.tensor)
				require.NoError(t, err)
				assert.Equal(t, F16, rinfo.DType)
				require.Len(t, raw, 2*int(info.Elements()), "Raw keeps half precision")
				for i, want := range tt.first {
					assert.Equal(t, want, safetensors.HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:])))
				}
				if w, ok := src.(Warner); ok {
					assert.Empty(t, w.Warnings())
				}
			}
		})
	}
}

func TestTAESDLayout(t *testing.T) {
	src, err := OpenPickle(filepath.Join(taesdDir, "taef2_decoder.pth"))
	require.NoError(t, err)
	defer src.Close()
	names := src.Names()
	assert.IsIncreasing(t, names)
	// Pool convs are 1×1 without bias; GroupNorm(4) has weight and bias.
	for _, n := range []string{"3.conv.0.weight", "3.pool.0.weight", "3.pool.1.weight", "3.pool.1.bias", "3.pool.3.weight"} {
		assert.Contains(t, names, n)
	}
	p0, _ := src.Info("3.pool.0.weight")
	assert.Equal(t, []int64{256, 64, 1, 1}, p0.Shape)
	assert.NotContains(t, names, "3.pool.0.bias")
}

// TestPickleSafetensorsParity converts every TAESD tensor to safetensors
// and checks that both formats read back identically through Open.
func TestPickleSafetensorsParity(t *testing.T) {
	pt, err := Open(filepath.Join(taesdDir, "taef2_encoder.pth"))
	require.NoError(t, err)
	defer pt.Close()
	var ws []safetensors.WriteTensor
	for _, n := range pt.Names() {
		raw, info, err := pt.Raw(n)
		require.NoError(t, err)
		ws = append(ws, safetensors.WriteTensor{Name: n, DType: info.DType, Shape: info.Shape, Data: raw})
	}
	// A misleading extension: Open must go by content.
	path := filepath.Join(t.TempDir(), "taesd.ckpt")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, safetensors.Write(f, ws, map[string]string{"source": "taef2_encoder.pth"}))
	require.NoError(t, f.Close())

	st, err := Open(path)
	require.NoError(t, err)
	defer st.Close()
	assert.IsType(t, &stSource{}, st)
	assert.Equal(t, pt.Names(), st.Names())
	assert.Equal(t, "taef2_encoder.pth", st.Metadata()["source"])
	for _, n := range pt.Names() {
		a, err := pt.Float32(n)
		require.NoError(t, err)
		b, err := st.Float32(n)
		require.NoError(t, err)
		require.Equal(t, a, b, n)
		ia, _ := pt.Info(n)
		ib, _ := st.Info(n)
		assert.Equal(t, ia, ib)
	}
}

func TestOpenSniffsContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
		errText string
	}{
		{"text file", write("notes.safetensors", []byte("just some text, not weights")), ErrUnknownFormat, "notes.safetensors"},
		{"empty", write("empty.ckpt", nil), ErrUnknownFormat, "empty.ckpt"},
		{"legacy torch", write("old.pt", []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.'}), ErrLegacyFormat, "old.pt"},
		{"header longer than file", write("cut.safetensors", []byte{0xff, 0, 0, 0, 0, 0, 0, 0, '{', '}'}), ErrUnknownFormat, "cut.safetensors"},
		{"broken zip", write("bad.pth", []byte("PK\x03\x04 and nothing else")), nil, "bad.pth"},
		{"missing", filepath.Join(dir, "nope.safetensors"), os.ErrNotExist, "nope.safetensors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.path)
			require.Error(t, err)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.ErrorContains(t, err, tt.errText)
		})
	}
}

func TestPrefixed(t *testing.T) {
	src, err := Open(filepath.Join(taesdDir, "taef2_decoder.pth"))
	require.NoError(t, err)
	p := Prefixed(src, "3.pool.")
	assert.Equal(t, []string{"0.weight", "1.bias", "1.weight", "3.weight"}, p.Names())
	info, ok := p.Info("0.weight")
	require.True(t, ok)
	assert.Equal(t, "0.weight", info.Name)
	a, err := p.Float32("1.bias")
	require.NoError(t, err)
	b, err := src.Float32("3.pool.1.bias")
	require.NoError(t, err)
	assert.Equal(t, b, a)
	_, _, err = p.Raw("missing")
	assert.ErrorContains(t, err, `"3.pool.missing"`)
	_, ok = p.Info("3.pool.0.weight")
	assert.False(t, ok)
	require.NoError(t, p.Close())
}

// TestConcurrentReads: sources are read from many goroutines at once (the
// model loader does); run with -race.
func TestConcurrentReads(t *testing.T) {
	src, err := Open(filepath.Join(taesdDir, "taef2_decoder.pth"))
	require.NoError(t, err)
	defer src.Close()
	names := src.Names()
	want := make([][]float32, len(names))
	for i, n := range names {
		want[i], err = src.Float32(n)
		require.NoError(t, err)
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range names {
				j := (i + g*7) % len(names)
				got, err := src.Float32(names[j])
				if err == nil && !slices.Equal(got, want[j]) {
					err = fmt.Errorf("%s differs when read concurrently", names[j])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}

func TestSniffPrefersSafetensorsWhoseLengthLooksLikePickle(t *testing.T) {
	// A 0x0280-byte header: its first two bytes, 0x80 0x02, are also pickle's PROTO 2.
	head := make([]byte, 16)
	head[0], head[1] = 0x80, 0x02
	head[8] = '{'
	assert.Equal(t, formatSafetensors, sniff(head, 0x0280+8+64))
	// A real protocol-2 pickle stays a pickle.
	assert.Equal(t, formatPickle, sniff([]byte("\x80\x02}q\x00.\x00\x00\x00\x00"), 10))
}
