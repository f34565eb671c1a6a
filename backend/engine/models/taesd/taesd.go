package taesd

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// maxLayers bounds the Sequential indices accepted from a file (the real
// models have 15 and 20), maxScale the resampling factor (the real one is 8).
const (
	maxLayers = 256
	maxScale  = 64
)

// layer is one entry of the nn.Sequential.
type layer interface {
	Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error)
}

type relu struct{}

func (relu) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return d.Activate(x, compute.ActReLU)
}

type upsample struct{}

func (upsample) Forward(d compute.Device, x tensor.Tensor) (tensor.Tensor, error) {
	return d.Upsample2x(x)
}

// kind of a Sequential index, told from its keys.
type kind int

const (
	kindEmpty kind = iota // no parameters: Clamp, ReLU or Upsample
	kindConv              // "<i>.weight"
	kindBlock             // "<i>.conv.0.weight"
)

// indexKinds lists what each Sequential index of the file holds. Every key
// must start with an index; anything else is not a TAESD state dict.
func indexKinds(w *nn.Weights) ([]kind, error) {
	n, seen := 0, map[int]bool{}
	for _, name := range w.Source().Names() {
		rest, ok := strings.CutPrefix(name, w.Prefix())
		head, _, dotted := strings.Cut(rest, ".")
		i, err := strconv.Atoi(head)
		if !ok || !dotted || err != nil || i < 0 || i >= maxLayers {
			return nil, fmt.Errorf("taesd: key %q is not a Sequential index below %d", name, maxLayers)
		}
		n, seen[i] = max(n, i+1), true
	}
	if n == 0 {
		return nil, fmt.Errorf("taesd: %w: no layers", nn.ErrMissing)
	}
	kinds := make([]kind, n)
	for i := range kinds {
		switch l := w.Index(i); {
		case l.Has("weight"):
			kinds[i] = kindConv
		case l.Has("conv.0.weight"):
			kinds[i] = kindBlock
		case seen[i]:
			return nil, fmt.Errorf("taesd: index %d has weights but neither %s nor %s", i, l.Key("weight"), l.Key("conv.0.weight"))
		}
	}
	return kinds, nil
}

// loadConv reads a 3×3 convolution at index i and checks its input width.
func loadConv(w *nn.Weights, in, stride int) (*nn.Conv2D, int, error) {
	s, _ := w.Shape("weight")
	if len(s) != 4 || s[1] != in || s[2] != 3 || s[3] != 3 {
		return nil, 0, fmt.Errorf("taesd: %s: %w: shape %v, want [out %d 3 3]", w.Key("weight"), tensor.ErrShape, s, in)
	}
	c, err := nn.LoadConv2D(w, in, s[0], 3, stride, 1, w.Has("bias"))
	return c, s[0], err
}

// Encoder is taesd.py's Encoder: conv 3→C, Block, then per downscale a
// bias-free stride-2 conv and Blocks, and a final conv C→latent. Image
// [N, 3, H, W] in [0, 1] → latent [N, L, H/f, W/f].
type Encoder struct {
	dev     compute.Device
	layers  []layer
	latents int
	factor  int
}

// LoadEncoder reads an encoder state dict scoped at w. Convolutions between
// the first and the last are the stride-2 downscales.
func LoadEncoder(w *nn.Weights) (*Encoder, error) {
	kinds, err := indexKinds(w)
	if err != nil {
		return nil, fmt.Errorf("taesd encoder: %w", err)
	}
	e := &Encoder{dev: w.Device(), factor: 1}
	ch := imageChannels
	for i, k := range kinds {
		l := w.Index(i)
		switch {
		case k == kindEmpty:
			return nil, fmt.Errorf("taesd encoder: index %d has no weights; the encoder has only convolutions and blocks", i)
		case k == kindBlock:
			b, in, out, err := loadBlock(l)
			if err != nil {
				return nil, fmt.Errorf("taesd encoder: %w", err)
			}
			if in != ch {
				return nil, fmt.Errorf("taesd encoder: block %d takes %d channels, previous layer gives %d", i, in, ch)
			}
			e.layers, ch = append(e.layers, b), out
		default:
			stride := 1
			if i > 0 && i < len(kinds)-1 {
				stride = 2
				if e.factor *= 2; e.factor > maxScale {
					return nil, fmt.Errorf("taesd encoder: downscales by more than %d", maxScale)
				}
			}
			c, out, err := loadConv(l, ch, stride)
			if err != nil {
				return nil, fmt.Errorf("taesd encoder: %w", err)
			}
			e.layers, ch = append(e.layers, c), out
		}
	}
	if kinds[0] != kindConv || kinds[len(kinds)-1] != kindConv {
		return nil, fmt.Errorf("taesd encoder: layers must start and end with a convolution")
	}
	e.latents = ch
	return e, nil
}

// LatentChannels is the latent width (4 for SD, 32 for FLUX.2).
func (e *Encoder) LatentChannels() int { return e.latents }

// Factor is the spatial downscale (8).
func (e *Encoder) Factor() int { return e.factor }

// Encode maps img [N, 3, H, W] in [0, 1] (H, W multiples of Factor) to the
// latent [N, LatentChannels, H/f, W/f].
func (e *Encoder) Encode(ctx context.Context, img tensor.Tensor) (tensor.Tensor, error) {
	d := e.dev
	if img.Rank() != 4 || img.Dim(1) != imageChannels || img.Dim(2)%e.factor != 0 || img.Dim(3)%e.factor != 0 {
		return tensor.Tensor{}, fmt.Errorf("taesd encode: image %v: %w: want [N, %d, H, W] with H and W multiples of %d", img.Shape(), tensor.ErrShape, imageChannels, e.factor)
	}
	out, err := run(ctx, d, img, e.layers, 0)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("taesd encode: %w", err)
	}
	return out, nil
}

// Decoder is taesd.py's Decoder: Clamp, conv L→C, ReLU, then per upscale
// Blocks, nearest ×2 and a bias-free conv, then a Block and conv C→3.
// Latent [N, L, h, w] → image [N, 3, h·f, w·f] in [0, 1].
type Decoder struct {
	dev     compute.Device
	layers  []layer // indices 1…, after the Clamp, which Decode applies itself
	latents int
	factor  int
}

// LoadDecoder reads a decoder state dict scoped at w. Index 0 (Clamp) and
// the index after the first conv (ReLU) hold no weights; any other
// weightless index must be followed by a conv: the Upsample before it.
func LoadDecoder(w *nn.Weights) (*Decoder, error) {
	kinds, err := indexKinds(w)
	if err != nil {
		return nil, fmt.Errorf("taesd decoder: %w", err)
	}
	if len(kinds) < 4 || kinds[0] != kindEmpty || kinds[1] != kindConv || kinds[2] != kindEmpty || kinds[len(kinds)-1] != kindConv {
		return nil, fmt.Errorf("taesd decoder: layers must be Clamp, conv, ReLU, …, conv")
	}
	s, _ := w.Index(1).Shape("weight")
	if len(s) != 4 {
		return nil, fmt.Errorf("taesd decoder: %s: %w: shape %v", w.Index(1).Key("weight"), tensor.ErrShape, s)
	}
	dec := &Decoder{dev: w.Device(), latents: s[1], factor: 1}
	ch := dec.latents
	for i := 1; i < len(kinds); i++ {
		l := w.Index(i)
		switch kinds[i] {
		case kindEmpty:
			if i == 2 {
				dec.layers = append(dec.layers, relu{})
				continue
			}
			if kinds[i+1] != kindConv {
				return nil, fmt.Errorf("taesd decoder: weightless index %d is not followed by a conv", i)
			}
			dec.layers = append(dec.layers, upsample{})
			if dec.factor *= 2; dec.factor > maxScale {
				return nil, fmt.Errorf("taesd decoder: upscales by more than %d", maxScale)
			}
		case kindBlock:
			b, in, out, err := loadBlock(l)
			if err != nil {
				return nil, fmt.Errorf("taesd decoder: %w", err)
			}
			if in != ch {
				return nil, fmt.Errorf("taesd decoder: block %d takes %d channels, previous layer gives %d", i, in, ch)
			}
			dec.layers, ch = append(dec.layers, b), out
		default:
			c, out, err := loadConv(l, ch, 1)
			if err != nil {
				return nil, fmt.Errorf("taesd decoder: %w", err)
			}
			dec.layers, ch = append(dec.layers, c), out
		}
	}
	if ch != imageChannels {
		return nil, fmt.Errorf("taesd decoder: gives %d channels, want %d", ch, imageChannels)
	}
	return dec, nil
}

// LatentChannels is the latent width the decoder takes.
func (dec *Decoder) LatentChannels() int { return dec.latents }

// Factor is the spatial upscale (8).
func (dec *Decoder) Factor() int { return dec.factor }

// Decode maps latent [N, LatentChannels, h, w] to an image [N, 3, h·f, w·f]
// clamped to [0, 1].
func (dec *Decoder) Decode(ctx context.Context, latent tensor.Tensor) (tensor.Tensor, error) {
	d := dec.dev
	if latent.Rank() != 4 || latent.Dim(1) != dec.latents {
		return tensor.Tensor{}, fmt.Errorf("taesd decode: latent %v: %w: want [N, %d, h, w]", latent.Shape(), tensor.ErrShape, dec.latents)
	}
	// Clamp: 3·tanh(x/3). The device interface has no tanh; the latent is
	// 1/64 of the image, so the host applies it.
	data, err := d.Download(latent)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("taesd decode: %w", err)
	}
	for i, v := range data {
		data[i] = float32(latentClamp * math.Tanh(float64(v)/latentClamp))
	}
	x, err := d.Upload(latent.Shape(), data)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("taesd decode: %w", err)
	}
	h, err := run(ctx, d, x, dec.layers, 1)
	nn.Free(d, x)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("taesd decode: %w", err)
	}
	out, err := d.Clamp(h, 0, 1)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("taesd decode: %w", err)
	}
	return out, nil
}

// run applies layers in order, freeing intermediates (never x) and checking
// ctx between layers; first is the Sequential index of layers[0], for errors.
func run(ctx context.Context, d compute.Device, x tensor.Tensor, layers []layer, first int) (tensor.Tensor, error) {
	cur := x
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			if i > 0 {
				nn.Free(d, cur)
			}
			return tensor.Tensor{}, err
		}
		next, err := l.Forward(d, cur)
		if i > 0 {
			nn.Free(d, cur)
		}
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("layer %d: %w", first+i, err)
		}
		cur = next
	}
	return cur, nil
}
