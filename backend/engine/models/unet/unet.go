package unet

import (
	"context"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// UNet is openaimodel.UNetModel: a stem conv and levels of residual
// blocks (with spatial transformers where the level has attention) going
// down, a middle block, the mirror levels going up with every down
// block's output concatenated back (Ronneberger et al. 2015), and an output
// norm and conv. Optional parts are nil: Label without ADM conditioning.
type UNet struct {
	Config detect.UNetConfig
	dev    compute.Device

	Time   *TimeEmbed
	Label  *LabelEmbed // SDXL label_emb; nil for SD 1.x/2.x
	Input  []*Block    // input_blocks.N
	Middle *Block      // middle_block: Res, Attn (optional), Res2
	Output []*Block    // output_blocks.N
	Norm   *nn.GroupNorm
	Out    *nn.Conv2D
}

// Block is one TimestepEmbedSequential of input_blocks, middle_block or
// output_blocks: the layers present run in the order of the fields.
type Block struct {
	Stem *nn.Conv2D // input_blocks.0.0 only
	Res  *ResBlock  // .0
	Attn *SpatialTransformer
	Res2 *ResBlock // middle_block's second residual block
	Down *Downsample
	Up   *Upsample
}

// Residuals are additive ControlNet outputs (Zhang et al. 2023), the way
// diffusers' down_block_additional_residuals / mid_block_additional_residual
// and ComfyUI's control "output"/"middle" apply them: Down[i] is added to
// the output of input_blocks.i where it is taken as a skip connection
// (just before its concatenation in the output blocks), Mid to the
// middle block's output. Down has one entry per input block or none; a
// zero entry or a zero Mid adds nothing.
type Residuals struct {
	Down []tensor.Tensor
	Mid  tensor.Tensor
}

// Load builds a UNet from w, scoped at cfg.Prefix (for a checkpoint,
// "model.diffusion_model."), with the layout cfg describes.
func Load(w *nn.Weights, cfg detect.UNetConfig) (*UNet, error) {
	if err := validate(cfg); err != nil {
		return nil, err
	}
	mc := cfg.ModelChannels
	embDim := mc * timeEmbedMult
	u := &UNet{Config: cfg, dev: w.Device(), Middle: &Block{}}
	var err error

	// Time and label embeddings.
	if u.Time, err = LoadTimeEmbed(w.Sub("time_embed"), mc, embDim); err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}
	if cfg.ADMInChannels > 0 {
		if u.Label, err = LoadLabelEmbed(w.Sub("label_emb"), cfg.ADMInChannels, embDim); err != nil {
			return nil, fmt.Errorf("load unet: %w", err)
		}
	}

	// Down: the stem, then per level its residual blocks (+ transformers)
	// and a downsample except at the last level. skips records each input
	// block's output width for the up path.
	in := w.Sub("input_blocks")
	stem, err := nn.LoadConv2D(in.Index(0).Index(0), cfg.InChannels, mc, 3, 1, 1, true)
	if err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}
	u.Input = append(u.Input, &Block{Stem: stem})
	skips, ch := []int{mc}, mc
	for level, mult := range cfg.ChannelMult {
		for range cfg.NumResBlocks[level] {
			bw := in.Index(len(u.Input))
			b, err := loadResAttn(bw, cfg, ch, mult*mc, embDim, cfg.TransformerDepth[level])
			if err != nil {
				return nil, fmt.Errorf("load unet: %w", err)
			}
			ch = mult * mc
			u.Input = append(u.Input, b)
			skips = append(skips, ch)
		}
		if level < len(cfg.ChannelMult)-1 {
			down, err := LoadDownsample(in.Index(len(u.Input)).Index(0), ch)
			if err != nil {
				return nil, fmt.Errorf("load unet: %w", err)
			}
			u.Input = append(u.Input, &Block{Down: down})
			skips = append(skips, ch)
		}
	}

	// Middle: ResBlock, SpatialTransformer (if any), ResBlock.
	mid := w.Sub("middle_block")
	if u.Middle, err = loadResAttn(mid, cfg, ch, ch, embDim, cfg.TransformerDepthMiddle); err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}
	next := 1
	if u.Middle.Attn != nil {
		next = 2
	}
	if u.Middle.Res2, err = LoadResBlock(mid.Index(next), ch, ch, embDim); err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}

	// Up: deepest level first, one more residual block per level than on
	// the way down, each taking a skip; an upsample ends every level but
	// the top one.
	out := w.Sub("output_blocks")
	for level := len(cfg.ChannelMult) - 1; level >= 0; level-- {
		width := cfg.ChannelMult[level] * mc
		for i := 0; i <= cfg.NumResBlocks[level]; i++ {
			j := len(u.Output)
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			bw := out.Index(j)
			b, err := loadResAttn(bw, cfg, ch+skip, width, embDim, cfg.TransformerDepthOutput[j])
			if err != nil {
				return nil, fmt.Errorf("load unet: %w", err)
			}
			ch = width
			if level > 0 && i == cfg.NumResBlocks[level] {
				k := 1
				if b.Attn != nil {
					k = 2
				}
				if b.Up, err = LoadUpsample(bw.Index(k), ch); err != nil {
					return nil, fmt.Errorf("load unet: %w", err)
				}
			}
			u.Output = append(u.Output, b)
		}
	}

	// Out: GroupNorm+SiLU → conv.
	if u.Norm, err = nn.LoadGroupNorm(w.Sub("out").Index(0), normGroups, ch, resNormEps); err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}
	if u.Out, err = nn.LoadConv2D(w.Sub("out").Index(2), ch, cfg.OutChannels, 3, 1, 1, true); err != nil {
		return nil, fmt.Errorf("load unet: %w", err)
	}
	return u, nil
}

// loadResAttn reads a block's ResBlock at .0 and, when depth > 0, its
// SpatialTransformer at .1.
func loadResAttn(w *nn.Weights, cfg detect.UNetConfig, in, out, embDim, depth int) (*Block, error) {
	res, err := LoadResBlock(w.Index(0), in, out, embDim)
	if err != nil {
		return nil, err
	}
	b := &Block{Res: res}
	if depth > 0 {
		h, hd, err := heads(cfg, out)
		if err != nil {
			return nil, err
		}
		if b.Attn, err = LoadSpatialTransformer(w.Index(1), out, depth, cfg.ContextDim, h, hd, cfg.UseLinearProjection); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Forward runs the block's layers in order on x; x is not freed.
func (b *Block) Forward(d compute.Device, x, emb, context tensor.Tensor) (tensor.Tensor, error) {
	h, owned := x, false
	step := func(f func(tensor.Tensor) (tensor.Tensor, error)) error {
		out, err := f(h)
		if owned {
			nn.Free(d, h)
		}
		h, owned = out, err == nil
		return err
	}
	var err error
	if b.Stem != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Stem.Forward(d, t) })
	}
	if err == nil && b.Res != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Res.Forward(d, t, emb) })
	}
	if err == nil && b.Attn != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Attn.Forward(d, t, context) })
	}
	if err == nil && b.Res2 != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Res2.Forward(d, t, emb) })
	}
	if err == nil && b.Down != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Down.Forward(d, t) })
	}
	if err == nil && b.Up != nil {
		err = step(func(t tensor.Tensor) (tensor.Tensor, error) { return b.Up.Forward(d, t) })
	}
	if err != nil {
		return tensor.Tensor{}, err
	}
	if !owned {
		return tensor.Tensor{}, fmt.Errorf("unet: empty block")
	}
	return h, nil
}

// Forward predicts the model output (ε or v, as the checkpoint was trained)
// for latents x [B, InChannels, H, W] at one timestep per batch row, with
// cond [B, M, ContextDim] the text embeddings (any M: 77 per prompt chunk)
// and, for SDXL, y [B, ADMInChannels] from ADMVector (a zero tensor
// otherwise). res adds ControlNet residuals; nil for none. H and W must be
// multiples of 2^(levels−1) so the up path meets its skips. ctx is checked
// between blocks.
func (u *UNet) Forward(ctx context.Context, x tensor.Tensor, timesteps []float32, cond, y tensor.Tensor, res *Residuals) (tensor.Tensor, error) {
	if err := u.check(x, timesteps, cond, y, res); err != nil {
		return tensor.Tensor{}, err
	}
	d := u.dev

	// Time (+ label) embedding.
	emb, err := u.Time.Forward(d, timesteps)
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet: %w", err)
	}
	if u.Label != nil {
		emb, err = consume(d, emb, func(t tensor.Tensor) (tensor.Tensor, error) {
			l, err := u.Label.Forward(d, y)
			if err != nil {
				return tensor.Tensor{}, err
			}
			defer nn.Free(d, l)
			return d.Add(t, l)
		})
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("unet label embedding: %w", err)
		}
	}
	defer nn.Free(d, emb)

	// Down: every input block's output is kept as a skip connection; the
	// deferred Free releases those an error leaves behind.
	skips := make([]tensor.Tensor, 0, len(u.Input))
	defer func() { nn.Free(d, skips...) }()
	h := x
	for i, b := range u.Input {
		if err := ctx.Err(); err != nil {
			return tensor.Tensor{}, err
		}
		if h, err = b.Forward(d, h, emb, cond); err != nil {
			return tensor.Tensor{}, fmt.Errorf("unet input block %d: %w", i, err)
		}
		skips = append(skips, h)
	}

	// Middle, plus the ControlNet middle residual.
	if err := ctx.Err(); err != nil {
		return tensor.Tensor{}, err
	}
	if h, err = u.Middle.Forward(d, h, emb, cond); err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet middle block: %w", err)
	}
	if res != nil && !res.Mid.IsZero() {
		if h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return addExact(d, t, res.Mid) }); err != nil {
			return tensor.Tensor{}, fmt.Errorf("unet middle residual: %w", err)
		}
	}

	// Up: concatenate the matching skip (plus its ControlNet residual) on
	// the channel axis, then run the block.
	for j, b := range u.Output {
		if err := ctx.Err(); err != nil {
			nn.Free(d, h)
			return tensor.Tensor{}, err
		}
		i := len(skips) - 1
		s := skips[i]
		skips = skips[:i]
		if res != nil && len(res.Down) > 0 && !res.Down[i].IsZero() {
			if s, err = consume(d, s, func(t tensor.Tensor) (tensor.Tensor, error) { return addExact(d, t, res.Down[i]) }); err != nil {
				nn.Free(d, h)
				return tensor.Tensor{}, fmt.Errorf("unet residual for input block %d: %w", i, err)
			}
		}
		cat, err := d.Concat(1, h, s)
		nn.Free(d, h, s)
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("unet output block %d skip: %w", j, err)
		}
		h, err = consume(d, cat, func(t tensor.Tensor) (tensor.Tensor, error) { return b.Forward(d, t, emb, cond) })
		if err != nil {
			return tensor.Tensor{}, fmt.Errorf("unet output block %d: %w", j, err)
		}
	}

	// Out: GroupNorm+SiLU → conv.
	h, err = consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return u.Norm.Forward(d, t, true) })
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet out norm: %w", err)
	}
	out, err := consume(d, h, func(t tensor.Tensor) (tensor.Tensor, error) { return u.Out.Forward(d, t) })
	if err != nil {
		return tensor.Tensor{}, fmt.Errorf("unet out conv: %w", err)
	}
	return out, nil
}

// check validates Forward's arguments against the config up front.
func (u *UNet) check(x tensor.Tensor, timesteps []float32, cond, y tensor.Tensor, res *Residuals) error {
	c := u.Config
	if x.Rank() != 4 || x.Dim(1) != c.InChannels {
		return fmt.Errorf("unet x %v: %w: want [B, %d, H, W]", x.Shape(), tensor.ErrShape, c.InChannels)
	}
	b, f := x.Dim(0), 1<<(len(c.ChannelMult)-1)
	if x.Dim(2)%f != 0 || x.Dim(3)%f != 0 {
		return fmt.Errorf("unet x %v: %w: height and width must be multiples of %d", x.Shape(), tensor.ErrShape, f)
	}
	if len(timesteps) != b {
		return fmt.Errorf("unet: %d timesteps for batch %d", len(timesteps), b)
	}
	if cond.Rank() != 3 || cond.Dim(0) != b || cond.Dim(2) != c.ContextDim {
		return fmt.Errorf("unet context %v: %w: want [%d, M, %d]", cond.Shape(), tensor.ErrShape, b, c.ContextDim)
	}
	switch {
	case c.ADMInChannels > 0 && (y.Rank() != 2 || y.Dim(0) != b || y.Dim(1) != c.ADMInChannels):
		return fmt.Errorf("unet y %v: %w: want [%d, %d] (see ADMVector)", y.Shape(), tensor.ErrShape, b, c.ADMInChannels)
	case c.ADMInChannels == 0 && !y.IsZero():
		return fmt.Errorf("unet: y %v given to a UNet without label_emb", y.Shape())
	}
	if res != nil && len(res.Down) != 0 && len(res.Down) != len(u.Input) {
		return fmt.Errorf("unet: %d ControlNet down residuals, want %d (one per input block)", len(res.Down), len(u.Input))
	}
	return nil
}

// addExact is a + r where r must have a's shape: a residual that merely
// broadcasts is a wiring mistake, not something to add silently.
func addExact(d compute.Device, a, r tensor.Tensor) (tensor.Tensor, error) {
	if !a.Shape().Equal(r.Shape()) {
		return tensor.Tensor{}, fmt.Errorf("residual %v for activation %v: %w", r.Shape(), a.Shape(), tensor.ErrShape)
	}
	return d.Add(a, r)
}
