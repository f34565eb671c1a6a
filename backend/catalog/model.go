package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights/safetensors"
	"github.com/dreamlayer/dreamlayer/backend/paths"
)

// Model is one model file as the catalog knows it.
type Model struct {
	ID          string            `json:"id"`       // first 16 hex digits of sha256(absolute path): stable across runs
	Name        string            `json:"name"`     // file name without extension
	FileName    string            `json:"fileName"` // file name with extension
	Path        string            `json:"path"`     // absolute path
	Root        string            `json:"root"`     // the model root it was found under ("" for Inspect)
	Folder      string            `json:"folder"`   // directory relative to Root, slash-separated, "" at the root
	Kind        string            `json:"kind"`     // checkpoint|lora|vae|controlnet|upscaler|embedding|taesd|text_encoder|unet|unknown
	Family      string            `json:"family"`   // sd1|sd1-inpaint|sd2|sd2-v|sdxl|sdxl-refiner|…|unknown; see Family constants
	Inpaint     bool              `json:"inpaint"`
	VPrediction bool              `json:"vPrediction"`
	BaseModel   string            `json:"baseModel,omitempty"` // for LoRAs and embeddings: the family they were trained on
	Format      string            `json:"format"`              // safetensors|ckpt|pt|pth|bin|gguf|other
	Size        int64             `json:"size"`
	ModTime     time.Time         `json:"modTime"`
	SHA256      string            `json:"sha256"` // "" until hashed
	AutoV2      string            `json:"autoV2"` // first 10 hex digits of SHA256, as A1111 and Civitai show it
	Hashing     bool              `json:"hashing"`
	TensorCount int               `json:"tensorCount"`
	DTypes      map[string]int    `json:"dtypes"` // tensor count per dtype
	Metadata    map[string]string `json:"metadata,omitempty"`
	Status      string            `json:"status"` // ok|unreadable
	Error       string            `json:"error,omitempty"`
}

// Model kinds.
const (
	KindCheckpoint  = "checkpoint"
	KindLoRA        = "lora"
	KindVAE         = "vae"
	KindControlNet  = "controlnet"
	KindUpscaler    = "upscaler"
	KindEmbedding   = "embedding"
	KindTAESD       = "taesd"
	KindTextEncoder = "text_encoder"
	KindUNet        = "unet"
	KindUnknown     = "unknown"
)

// Model families. A checkpoint's or UNet's family is its base family with
// "-inpaint" for an inpainting model or else "-v" for v-prediction (the
// Inpaint and VPrediction fields say both in every case); LoRAs, embeddings
// and ControlNets carry the base family they work with.
const (
	FamilySD1         = "sd1"
	FamilySD2         = "sd2"
	FamilySDXL        = "sdxl"
	FamilySDXLRefiner = "sdxl-refiner"
	FamilySD3         = "sd3"
	FamilyFlux        = "flux"
	FamilyUnknown     = "unknown"

	FamilySD1Inpaint  = FamilySD1 + suffixInpaint
	FamilySD1V        = FamilySD1 + suffixV
	FamilySD2Inpaint  = FamilySD2 + suffixInpaint
	FamilySD2V        = FamilySD2 + suffixV
	FamilySDXLInpaint = FamilySDXL + suffixInpaint
	FamilySDXLV       = FamilySDXL + suffixV
	FamilyFluxInpaint = FamilyFlux + suffixInpaint // FLUX Fill

	suffixInpaint = "-inpaint"
	suffixV       = "-v"
)

// Status values.
const (
	StatusOK         = "ok"
	StatusUnreadable = "unreadable"
)

// maxMetadataValue drops metadata values longer than this from Model.Metadata:
// kohya LoRAs carry tag-frequency and dataset dumps of hundreds of kilobytes
// that would bloat every catalog event sent to the UI.
const maxMetadataValue = 4096

// modelFormats maps lower-case extensions of model files to Model.Format.
func formatOf(name string) (string, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".safetensors":
		return "safetensors", true
	case ".ckpt":
		return "ckpt", true
	case ".pt":
		return "pt", true
	case ".pth":
		return "pth", true
	case ".bin":
		return "bin", true
	case ".gguf":
		return "gguf", true
	}
	return "other", false
}

// isModelFile says whether a file name is a model the catalog lists. Hidden
// files (including atomic-write temporaries) and partial downloads are not:
// a browser's "x.safetensors.crdownload" has the wrong extension already, and
// "x.tmp.safetensors"-style names some tools use are excluded explicitly.
func isModelFile(name string) bool {
	if name == "" || name[0] == '.' || name[0] == '~' {
		return false
	}
	if _, ok := formatOf(name); !ok {
		return false
	}
	lower := strings.ToLower(name)
	for _, s := range []string{".part.", ".partial.", ".tmp.", ".crdownload.", ".download."} {
		if strings.Contains(lower, s) {
			return false
		}
	}
	return true
}

// modelID derives the stable id from the absolute path.
func modelID(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:8])
}

// folderKind finds the model kind named by the directories between root and
// the file, nearest directory first, so "models/Lora/style/x" is a LoRA. When
// no directory names a kind, the root's own name is tried (a root pointed
// straight at a checkpoints folder).
func folderKind(root, dir string) string {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		rel = ""
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if k, ok := kindOfFolder(parts[i]); ok {
			return k
		}
	}
	if k, ok := kindOfFolder(filepath.Base(root)); ok {
		return k
	}
	return KindUnknown
}

func kindOfFolder(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	k, ok := paths.KindForFolder(name)
	if !ok {
		return "", false
	}
	switch k {
	case paths.Checkpoints:
		return KindCheckpoint, true
	case paths.Loras:
		return KindLoRA, true
	case paths.VAE:
		return KindVAE, true
	case paths.ControlNet:
		return KindControlNet, true
	case paths.Upscalers:
		return KindUpscaler, true
	case paths.Embeddings:
		return KindEmbedding, true
	case paths.TAESD:
		return KindTAESD, true
	case paths.CLIP:
		return KindTextEncoder, true
	case paths.UNet:
		return KindUNet, true
	}
	return "", false
}

// describe builds the Model for a file from its header, without hashing.
// Problems with the file's content are reported in Status/Error, not as an
// error, so a broken download still shows up (and can be deleted) in the UI.
func describe(path, root string, st os.FileInfo) Model {
	format, _ := formatOf(path)
	base := filepath.Base(path)
	m := Model{
		ID:       modelID(path),
		Name:     strings.TrimSuffix(base, filepath.Ext(base)),
		FileName: base,
		Path:     path,
		Root:     root,
		Kind:     KindUnknown,
		Family:   FamilyUnknown,
		Format:   format,
		Size:     st.Size(),
		ModTime:  st.ModTime(),
		Status:   StatusOK,
	}
	dir := filepath.Dir(path)
	fk := KindUnknown
	if root != "" {
		if rel, err := filepath.Rel(root, dir); err == nil && rel != "." {
			m.Folder = filepath.ToSlash(rel)
		}
		fk = folderKind(root, dir)
	} else {
		// No root (Inspect): every ancestor directory may name the kind.
		fk = folderKind(filepath.VolumeName(dir)+string(filepath.Separator), dir)
	}
	m.Kind = fk

	if err := inspectContent(&m, path, fk); err != nil {
		m.Status = StatusUnreadable
		m.Error = err.Error()
	}
	return m
}

func inspectContent(m *Model, path, fk string) error {
	if m.Size == 0 {
		return errors.New("empty file")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	switch m.Format {
	case "safetensors":
		h, err := safetensors.ReadHeader(f, m.Size)
		if err != nil {
			return err
		}
		m.Kind, m.Family, m.Inpaint, m.VPrediction, m.BaseModel = Classify(h, fk)
		m.TensorCount = len(h.Tensors)
		m.DTypes = make(map[string]int)
		for _, t := range h.Tensors {
			m.DTypes[string(t.DType)]++
		}
		for k, v := range h.Metadata {
			if len(v) > maxMetadataValue {
				continue
			}
			if m.Metadata == nil {
				m.Metadata = make(map[string]string)
			}
			m.Metadata[k] = v
		}
		return nil
	case "gguf":
		return checkMagic(f, []byte("GGUF"), "GGUF")
	default:
		if err := checkTorch(f, m.Size); err != nil {
			return err
		}
		return inspectPickle(m, path, fk)
	}
}

// inspectPickle reads a PyTorch checkpoint's tensor names and shapes through
// the engine's restricted unpickler (nothing in the file is ever run), so
// .ckpt/.pt files are classified like safetensors. Only data.pkl is read; the
// storages stay on disk. Pre-1.6 torch files carry no zip index: they keep the
// folder's kind and an unknown family rather than being called unreadable.
func inspectPickle(m *Model, path, fk string) error {
	src, err := weights.OpenPickle(path)
	if errors.Is(err, weights.ErrLegacyFormat) {
		return nil
	}
	if err != nil {
		return err
	}
	defer src.Close()
	h := &safetensors.Header{Metadata: map[string]string{}}
	m.DTypes = make(map[string]int)
	for _, name := range src.Names() {
		info, ok := src.Info(name)
		if !ok {
			continue
		}
		h.Tensors = append(h.Tensors, safetensors.TensorInfo{Name: name, DType: info.DType, Shape: info.Shape})
		m.DTypes[string(info.DType)]++
	}
	for k, v := range src.Metadata() {
		if len(v) <= maxMetadataValue {
			h.Metadata[k] = v
		}
	}
	m.Kind, m.Family, m.Inpaint, m.VPrediction, m.BaseModel = Classify(h, fk)
	m.TensorCount = len(h.Tensors)
	if len(h.Metadata) > 0 {
		m.Metadata = h.Metadata
	}
	return nil
}

func checkMagic(f io.ReaderAt, magic []byte, what string) error {
	buf := make([]byte, len(magic))
	if _, err := f.ReadAt(buf, 0); err != nil {
		return fmt.Errorf("not a %s file: %w", what, err)
	}
	if !bytes.Equal(buf, magic) {
		return fmt.Errorf("not a %s file (bad magic %q)", what, buf)
	}
	return nil
}

// checkTorch accepts the two PyTorch save formats: a zip archive (torch ≥ 1.6),
// whose end-of-central-directory record must be present (a cut-off download
// lacks it), or a legacy pickle starting with the PROTO opcode.
func checkTorch(f io.ReaderAt, size int64) error {
	var head [4]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("read file head: %w", err)
	}
	switch {
	case bytes.Equal(head[:], []byte("PK\x03\x04")):
		// The record is 22 bytes plus a comment of up to 64 KiB at the end.
		tail := min(size, 22+0xFFFF)
		buf := make([]byte, tail)
		if _, err := f.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read zip directory: %w", err)
		}
		if !bytes.Contains(buf, []byte("PK\x05\x06")) {
			return errors.New("zip archive has no central directory (file truncated?)")
		}
		return nil
	case head[0] == 0x80 && head[1] >= 2 && head[1] <= 5:
		return nil
	}
	return fmt.Errorf("not a PyTorch zip or pickle file (starts with % x)", head)
}

// Inspect describes one file synchronously, hash included, for the command
// line. The kind comes from the nearest ancestor directory with a known model
// folder name, refined by the content.
func Inspect(path string) (Model, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Model{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return Model{}, fmt.Errorf("inspect %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return Model{}, fmt.Errorf("inspect %s: not a regular file", path)
	}
	m := describe(abs, "", st)
	sum, err := sha256File(context.Background(), abs)
	if err != nil {
		return m, fmt.Errorf("inspect %s: %w", path, err)
	}
	m.SHA256, m.AutoV2 = sum, sum[:10]
	return m, nil
}

// sha256File hashes a file, checking ctx between chunks so a shutdown does not
// wait for a 7 GB checkpoint to finish.
func sha256File(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("hash %s: %w", path, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
