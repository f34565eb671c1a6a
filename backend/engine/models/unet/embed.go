package unet

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TimeEmbed is openaimodel's time_embed: the sinusoidal timestep embedding
// of the Transformer (Vaswani et al. 2017, §3.5; cosines first, as LDM's
// timestep_embedding) over model_channels, then linear → SiLU → linear.
type TimeEmbed struct {
	Channels int        // sinusoid width (model_channels)
	Lin1     *nn.Linear // time_embed.0
	Lin2     *nn.Linear // time_embed.2
}

// LoadTimeEmbed reads time_embed.0/2 mapping a channels-wide sinusoid to
// embDim.
func LoadTimeEmbed(w *nn.Weights, channels, embDim int) (*TimeEmbed, error) {
	l1, err := nn.LoadLinear(w.Index(0), channels, embDim, true)
	if err != nil {
		return nil, err
	}
	l2, err := nn.LoadLinear(w.Index(2), embDim, embDim, true)
	if err != nil {
		return nil, err
	}
	return &TimeEmbed{Channels: channels, Lin1: l1, Lin2: l2}, nil
}

// Forward embeds one timestep per batch element: [len(timesteps), embDim].
func (t *TimeEmbed) Forward(d compute.Device, timesteps []float32) (tensor.Tensor, error) {
	s, err := d.TimestepEmbedding(timesteps, t.Channels)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("time embedding: %w", err)
	}
	return mlp(d, t.Lin1, t.Lin2, s, true)
}

// LabelEmbed is SDXL's label_emb (openaimodel with num_classes="sequential"):
// linear → SiLU → linear over the ADM vector y, added to the time
// embedding.
type LabelEmbed struct {
	Lin1 *nn.Linear // label_emb.0.0
	Lin2 *nn.Linear // label_emb.0.2
}

// LoadLabelEmbed reads label_emb.0.0/2 mapping an admDim-wide vector to
// embDim.
func LoadLabelEmbed(w *nn.Weights, admDim, embDim int) (*LabelEmbed, error) {
	seq := w.Index(0)
	l1, err := nn.LoadLinear(seq.Index(0), admDim, embDim, true)
	if err != nil {
		return nil, err
	}
	l2, err := nn.LoadLinear(seq.Index(2), embDim, embDim, true)
	if err != nil {
		return nil, err
	}
	return &LabelEmbed{Lin1: l1, Lin2: l2}, nil
}

// Forward maps y [B, admDim] to [B, embDim].
func (l *LabelEmbed) Forward(d compute.Device, y tensor.Tensor) (tensor.Tensor, error) {
	return mlp(d, l.Lin1, l.Lin2, y, false)
}

// mlp is linear → SiLU (fused) → linear; freeIn releases the input.
func mlp(d compute.Device, l1, l2 *nn.Linear, x tensor.Tensor, freeIn bool) (tensor.Tensor, error) {
	h, err := l1.Forward(d, x, compute.ActSiLU)
	if freeIn {
		nn.Free(d, x)
	}
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("embedding linear 1: %w", err)
	}
	out, err := l2.Forward(d, h, compute.ActNone)
	nn.Free(d, h)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("embedding linear 2: %w", err)
	}
	return out, nil
}

// SDXLSizes lists the base model's size conditioning in the order of its
// conditioner (sd_xl_base.yaml): original size (h, w), crop top-left
// (top, left), target size (h, w), in pixels.
func SDXLSizes(origH, origW, cropTop, cropLeft, targetH, targetW int) []float32 {
	return []float32{float32(origH), float32(origW), float32(cropTop), float32(cropLeft), float32(targetH), float32(targetW)}
}

// SDXLRefinerSizes lists the refiner's (sd_xl_refiner.yaml): original size,
// crop top-left, then the aesthetic score in place of the target size.
func SDXLRefinerSizes(origH, origW, cropTop, cropLeft int, aesthetic float32) []float32 {
	return []float32{float32(origH), float32(origW), float32(cropTop), float32(cropLeft), aesthetic}
}

// ADMVector builds SDXL's vector conditioning y for Forward: the pooled
// text embedding [B, P] followed by a sinusoidal embedding of each number
// (sgm ConcatTimestepEmbedderND; the same embedding as the timesteps), the
// same numbers for every batch row. Each number's width is what remains of
// the UNet's ADM width divided evenly, so nothing here assumes a model size
// (the released models use 256).
func (u *UNet) ADMVector(pooled tensor.Tensor, numbers []float32) (tensor.Tensor, error) {
	adm := u.Config.ADMInChannels
	if adm == 0 {
		return tensor.Tensor{}, fmt.Errorf("unet: ADM vector for a UNet without label_emb")
	}
	if pooled.Rank() != 2 || len(numbers) == 0 {
		return tensor.Tensor{}, fmt.Errorf("unet ADM vector: pooled %v with %d numbers: %w: want [B, P] and some numbers", pooled.Shape(), len(numbers), tensor.ErrShape)
	}
	b, rest := pooled.Dim(0), adm-pooled.Dim(1)
	if rest <= 0 || rest%len(numbers) != 0 {
		return tensor.Tensor{}, fmt.Errorf("unet ADM vector: pooled width %d and %d numbers do not fill %d: %w", pooled.Dim(1), len(numbers), adm, tensor.ErrShape)
	}
	per := rest / len(numbers)

	// One row of sinusoids per (batch, number), laid out as [B, n·per].
	all := make([]float32, 0, b*len(numbers))
	for range b {
		all = append(all, numbers...)
	}
	e, err := u.dev.TimestepEmbedding(all, per)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet ADM vector: %w", err)
	}
	flat, err := e.Reshape(b, rest)
	if err != nil {
		return tensor.Tensor{}, err
	}
	y, err := u.dev.Concat(1, pooled, flat)
	nn.Free(u.dev, e)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet ADM vector: %w", err)
	}
	return y, nil
}
