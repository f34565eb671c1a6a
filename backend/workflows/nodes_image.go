package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/pnginfo"
)

// maxSaveCounter bounds SaveImage's search for a free file name.
const maxSaveCounter = 99999

func imageNodes() []NodeSpec {
	img := InputSpec{Name: "images", Type: TypeImage}
	scaleModes := []string{"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}
	return []NodeSpec{
		{Class: "LoadImage", Outputs: []Type{TypeImage, TypeMask},
			Inputs: []InputSpec{{Name: "image", Type: TypeCombo, File: FileImage},
				{Name: "upload", Type: TypeString, Optional: true}},
			Run: runLoadImage},
		{Class: "LoadImageMask", Outputs: []Type{TypeMask},
			Inputs: []InputSpec{{Name: "image", Type: TypeCombo, File: FileImage},
				{Name: "channel", Type: TypeCombo, Choices: []string{"alpha", "red", "green", "blue"}},
				{Name: "upload", Type: TypeString, Optional: true}},
			Run: runLoadImageMask},
		{Class: "SaveImage", Outputs: nil, Output: true, NoCache: true,
			Inputs: []InputSpec{img, {Name: "filename_prefix", Type: TypeString, Optional: true, Default: "DreamLayer"}},
			Run:    runSaveImage},
		{Class: "PreviewImage", Outputs: nil, Output: true, NoCache: true,
			Inputs: []InputSpec{img},
			Run: func(_ context.Context, rc *RunContext, a Args) ([]any, error) {
				for _, im := range a.Value("images").(Images) {
					b, err := encodePNG(rc, im)
					if err != nil {
						return nil, err
					}
					rc.AddImage("", b)
				}
				return nil, nil
			}},
		{Class: "ImageScale", Outputs: []Type{TypeImage},
			Inputs: []InputSpec{{Name: "image", Type: TypeImage}, {Name: "upscale_method", Type: TypeCombo, Choices: scaleModes},
				{Name: "width", Type: TypeInt, Min: 0, Max: maxSide}, {Name: "height", Type: TypeInt, Min: 0, Max: maxSide},
				{Name: "crop", Type: TypeCombo, Choices: []string{"disabled", "center"}}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				imgs := a.Value("image").(Images)
				out := make(Images, len(imgs))
				for i, im := range imgs {
					w, h := int(a.Int("width")), int(a.Int("height"))
					switch {
					case w == 0 && h == 0:
						w, h = im.W, im.H
					case w == 0:
						w = max(1, int(math.Round(float64(im.W)*float64(h)/float64(im.H))))
					case h == 0:
						h = max(1, int(math.Round(float64(im.H)*float64(w)/float64(im.W))))
					}
					if a.String("crop") == "center" {
						im = cropToAspect(im, w, h)
					}
					out[i] = scaleImage(im, w, h, a.String("upscale_method"))
				}
				return []any{out}, nil
			}},
		{Class: "ImageScaleBy", Outputs: []Type{TypeImage},
			Inputs: []InputSpec{{Name: "image", Type: TypeImage}, {Name: "upscale_method", Type: TypeCombo, Choices: scaleModes},
				{Name: "scale_by", Type: TypeFloat, Min: 0.01, Max: 8}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				imgs := a.Value("image").(Images)
				out := make(Images, len(imgs))
				s := a.Float("scale_by")
				for i, im := range imgs {
					w, h := max(1, int(math.Round(float64(im.W)*s))), max(1, int(math.Round(float64(im.H)*s)))
					if w > maxSide || h > maxSide {
						return nil, fmt.Errorf("scaled size %dx%d exceeds %d", w, h, maxSide)
					}
					out[i] = scaleImage(im, w, h, a.String("upscale_method"))
				}
				return []any{out}, nil
			}},
		{Class: "ImageInvert", Outputs: []Type{TypeImage}, Inputs: []InputSpec{{Name: "image", Type: TypeImage}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				imgs := a.Value("image").(Images)
				out := make(Images, len(imgs))
				for i, im := range imgs {
					o := imageops.RGB{W: im.W, H: im.H, Pix: make([]float32, len(im.Pix))}
					for j, v := range im.Pix {
						o.Pix[j] = 1 - v
					}
					out[i] = o
				}
				return []any{out}, nil
			}},
	}
}

// scaleImage resizes with the named method; "area" and "lanczos" use the
// engine's Lanczos filter, the others torch's interpolate modes.
func scaleImage(im imageops.RGB, w, h int, method string) imageops.RGB {
	switch method {
	case "area", "lanczos":
		return imageops.Lanczos(im, w, h)
	}
	return imageops.RGB{W: w, H: h, Pix: imageops.LatentUpscale(im.Pix, 3, im.H, im.W, h, w, method)}
}

// cropToAspect crops im centrally to w:h (ComfyUI's crop "center").
func cropToAspect(im imageops.RGB, w, h int) imageops.RGB {
	cw, ch := im.W, im.H
	if im.W*h > im.H*w {
		cw = max(1, im.H*w/h)
	} else {
		ch = max(1, im.W*h/w)
	}
	x0, y0 := (im.W-cw)/2, (im.H-ch)/2
	return imageops.Crop(im, x0, y0, x0+cw, y0+ch)
}

// runLoadImage reads an image; the MASK is 1 − alpha (ComfyUI), or a 64×64
// zero mask for an opaque image.
func runLoadImage(_ context.Context, rc *RunContext, a Args) ([]any, error) {
	path, err := rc.Resolve(FileImage, a.String("image"))
	if err != nil {
		return nil, err
	}
	img, err := imageops.Load(path)
	if err != nil {
		return nil, err
	}
	rgb := imageops.FromImage(img)
	b := img.Bounds()
	m := imageops.NewMask(64, 64)
	if hasAlpha(img) {
		m = imageops.NewMask(b.Dx(), b.Dy())
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				_, _, _, al := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				m.Pix[y*b.Dx()+x] = 1 - float32(al)/0xffff
			}
		}
	}
	return []any{Images{rgb}, m}, nil
}

// runLoadImageMask reads one channel of an image as a MASK, as ComfyUI
// does: the image is taken as straight (non-premultiplied) RGBA, so an
// opaque image has alpha 1 everywhere, and the alpha channel is inverted
// (mask = 1 − alpha: transparent pixels are the ones to repaint).
func runLoadImageMask(_ context.Context, rc *RunContext, a Args) ([]any, error) {
	path, err := rc.Resolve(FileImage, a.String("image"))
	if err != nil {
		return nil, err
	}
	img, err := imageops.Load(path)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	m := imageops.NewMask(b.Dx(), b.Dy())
	channel := a.String("channel")
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := straightAt(img, b.Min.X+x, b.Min.Y+y)
			var v float32
			switch channel {
			case "red":
				v = float32(c.R) / 0xffff
			case "green":
				v = float32(c.G) / 0xffff
			case "blue":
				v = float32(c.B) / 0xffff
			default: // alpha; Validate admitted only the four names
				v = 1 - float32(c.A)/0xffff
			}
			m.Pix[y*b.Dx()+x] = v
		}
	}
	return []any{m}, nil
}

// straightAt is the non-premultiplied colour at (x, y). Straight images
// are read directly: converting through color.Color premultiplies, which
// loses the colour of fully transparent pixels that PIL keeps.
func straightAt(img image.Image, x, y int) color.NRGBA64 {
	switch im := img.(type) {
	case *image.NRGBA:
		c := im.NRGBAAt(x, y)
		return color.NRGBA64{R: uint16(c.R) * 0x101, G: uint16(c.G) * 0x101, B: uint16(c.B) * 0x101, A: uint16(c.A) * 0x101}
	case *image.NRGBA64:
		return im.NRGBA64At(x, y)
	}
	return color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
}

func hasAlpha(img image.Image) bool {
	switch img.(type) {
	case *image.NRGBA, *image.RGBA, *image.NRGBA64, *image.RGBA64:
		return true
	}
	return false
}

func encodePNG(rc *RunContext, im imageops.RGB) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, im.ToNRGBA()); err != nil {
		return nil, err
	}
	graph, err := json.Marshal(rc.Graph)
	if err != nil {
		return nil, err
	}
	// ComfyUI stores the API-format graph in a tEXt "prompt" chunk.
	return pnginfo.Embed(buf.Bytes(), map[string]string{"prompt": string(graph)}, nil)
}

// runSaveImage writes PREFIX_NNNNN_.png files (ComfyUI's names) into the
// output folder, never replacing a file: each is written to a temporary
// name and hard-linked to the first free final name.
func runSaveImage(_ context.Context, rc *RunContext, a Args) ([]any, error) {
	if rc.OutputDir == "" {
		return nil, errors.New("no output folder configured")
	}
	prefix := a.String("filename_prefix")
	if prefix == "" {
		prefix = "DreamLayer"
	}
	rel := filepath.FromSlash(prefix)
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("filename_prefix %q leaves the output folder", prefix)
	}
	dir := filepath.Join(rc.OutputDir, filepath.Dir(rel))
	base := filepath.Base(rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	counter := 1
	for _, im := range a.Value("images").(Images) {
		data, err := encodePNG(rc, im)
		if err != nil {
			return nil, err
		}
		path, next, err := writeNew(dir, base, counter, data)
		if err != nil {
			return nil, err
		}
		counter = next
		rc.AddImage(path, data)
	}
	return nil, nil
}

func writeNew(dir, base string, counter int, data []byte) (string, int, error) {
	tmp, err := os.CreateTemp(dir, ".save-*.png")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	for ; counter <= maxSaveCounter; counter++ {
		path := filepath.Join(dir, fmt.Sprintf("%s_%05d_.png", strings.TrimSuffix(base, ".png"), counter))
		err := os.Link(tmp.Name(), path)
		if err == nil {
			return path, counter + 1, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", 0, fmt.Errorf("save %s: %w", path, err)
		}
	}
	return "", 0, fmt.Errorf("no free file name for %s in %s", base, dir)
}
