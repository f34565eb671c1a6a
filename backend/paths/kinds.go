package paths

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Kind is a class of model file, named after its ComfyUI folder.
type Kind string

// The model kinds DreamLayer understands. The values are ComfyUI's folder
// names, which is also what CreateModelFolders creates.
const (
	Checkpoints Kind = "checkpoints"
	Loras       Kind = "loras"
	VAE         Kind = "vae"
	ControlNet  Kind = "controlnet"
	Upscalers   Kind = "upscale_models"
	Embeddings  Kind = "embeddings"
	TAESD       Kind = "taesd"
	CLIP        Kind = "clip"
	UNet        Kind = "unet"
)

// Kinds returns every kind in a stable order (a fresh slice each call).
func Kinds() []Kind {
	return []Kind{Checkpoints, Loras, VAE, ControlNet, Upscalers, Embeddings, TAESD, CLIP, UNet}
}

// folderKinds maps lower-cased folder names to kinds. It is built per call
// rather than held in a package variable: the table is tiny and the lookup
// is not on any hot path.
func folderKinds() map[string]Kind {
	m := make(map[string]Kind, 24)
	for _, k := range Kinds() {
		m[string(k)] = k
	}
	// AUTOMATIC1111 / Forge folder names (models/<name> in an A1111 install).
	m["stable-diffusion"] = Checkpoints
	m["lora"] = Loras
	m["lycoris"] = Loras
	m["esrgan"] = Upscalers
	m["realesrgan"] = Upscalers
	m["swinir"] = Upscalers
	// ComfyUI's newer names for the same folders.
	m["text_encoders"] = CLIP
	m["diffusion_models"] = UNet
	m["vae_approx"] = TAESD
	return m
}

// KindForFolder maps a model folder name (ComfyUI or A1111 spelling, any case)
// to its kind. Only the base name is considered, so "models/Lora" works too.
func KindForFolder(name string) (Kind, bool) {
	name = strings.TrimRight(name, `/\`)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	k, ok := folderKinds()[strings.ToLower(name)]
	return k, ok
}

// CreateModelFolders creates root and one ComfyUI-named subfolder per kind,
// leaving existing folders and their contents alone.
func CreateModelFolders(root string) error {
	if strings.TrimSpace(root) == "" {
		return fmt.Errorf("create model folders: root is empty")
	}
	for _, k := range Kinds() {
		dir := filepath.Join(root, string(k))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create model folder %s: %w", dir, err)
		}
	}
	return nil
}
