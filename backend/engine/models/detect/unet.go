package detect

import "fmt"

// findUNet returns where an LDM UNet's keys start: in a full checkpoint,
// then in UNet-only files.
func findUNet(x *index) (string, bool) {
	for _, p := range [...]string{"model.diffusion_model.", "diffusion_model.", ""} {
		if x.has(p + "input_blocks.0.0.weight") {
			return p, true
		}
	}
	return "", false
}

// unetFromShapes walks input_blocks as ComfyUI's detect_unet_config does:
// a block with 0.op is a downsample closing a level; a block with
// 0.in_layers is a residual block whose output width gives the level's
// multiplier, optionally followed by a transformer (1.transformer_blocks.N).
func unetFromShapes(x *index, p string) (*UNetConfig, error) {
	in0, err := x.shape(p+"input_blocks.0.0.weight", 4)
	if err != nil {
		return nil, err
	}
	c := &UNetConfig{ModelChannels: in0[0], InChannels: in0[1], Prefix: p}
	if c.OutChannels, err = x.dim(p+"out.2.weight", 4, 0); err != nil {
		return nil, err
	}
	if x.has(p + "label_emb.0.0.weight") {
		if c.ADMInChannels, err = x.dim(p+"label_emb.0.0.weight", 2, 1); err != nil {
			return nil, err
		}
	}

	nIn := x.count(p + "input_blocks.%d.")
	level := struct{ res, mult, depth int }{}
	closeLevel := func(block int) error {
		if level.res == 0 {
			return unsupported("UNet level ending at input block %d has no residual block", block)
		}
		c.NumResBlocks = append(c.NumResBlocks, level.res)
		c.ChannelMult = append(c.ChannelMult, level.mult)
		c.TransformerDepth = append(c.TransformerDepth, level.depth)
		level.res = 0
		return nil
	}
	for i := 1; i < nIn; i++ {
		bp := fmt.Sprintf("%sinput_blocks.%d.", p, i)
		switch {
		case x.has(bp + "0.op.weight"):
			if err := closeLevel(i); err != nil {
				return nil, err
			}
		case x.has(bp + "0.in_layers.0.weight"):
			width, err := x.dim(bp+"0.out_layers.3.weight", 4, 0)
			if err != nil {
				return nil, err
			}
			if width%c.ModelChannels != 0 {
				return nil, unsupported("input block %d width %d is not a multiple of the model width %d", i, width, c.ModelChannels)
			}
			depth, err := transformer(x, bp, c)
			if err != nil {
				return nil, err
			}
			if level.res > 0 && (width/c.ModelChannels != level.mult || depth != level.depth) {
				return nil, unsupported("input block %d differs from the blocks before it in its level", i)
			}
			level.res++
			level.mult, level.depth = width/c.ModelChannels, depth
		default:
			return nil, unsupported("input block %d is neither a residual block nor a downsample", i)
		}
	}
	if err := closeLevel(nIn); err != nil {
		return nil, err
	}

	mp := p + "middle_block."
	switch {
	case x.has(mp + "1.proj_in.weight"):
		if c.TransformerDepthMiddle, err = transformer(x, mp, c); err != nil {
			return nil, err
		}
	case !x.has(mp + "0.in_layers.0.weight"):
		return nil, unsupported("UNet has no middle block")
	}

	want := 0
	for _, n := range c.NumResBlocks {
		want += n + 1
	}
	if got := x.count(p + "output_blocks.%d."); got != want {
		return nil, unsupported("UNet has %d output blocks, its input levels need %d", got, want)
	}
	for j := range want {
		bp := fmt.Sprintf("%soutput_blocks.%d.", p, j)
		if !x.has(bp + "0.in_layers.0.weight") {
			return nil, unsupported("output block %d has no residual block", j)
		}
		depth, err := transformer(x, bp, c)
		if err != nil {
			return nil, err
		}
		c.TransformerDepthOutput = append(c.TransformerDepthOutput, depth)
	}
	if c.ContextDim == 0 {
		return nil, unsupported("UNet has no cross-attention")
	}
	return c, nil
}

// transformer reads the SpatialTransformer at block prefix bp+"1." if any:
// its depth, and (checked to agree across blocks) the context width and
// whether proj_in is linear.
func transformer(x *index, bp string, c *UNetConfig) (int, error) {
	tp := bp + "1.transformer_blocks."
	depth := x.count(tp + "%d.")
	if depth == 0 {
		return 0, nil
	}
	ctx, err := x.dim(tp+"0.attn2.to_k.weight", 2, 1)
	if err != nil {
		return 0, err
	}
	proj, err := x.shape(bp+"1.proj_in.weight", -1)
	if err != nil {
		return 0, err
	}
	linear := len(proj) == 2
	if !linear && len(proj) != 4 {
		return 0, unsupported("tensor %sproj_in.weight has rank %d", bp+"1.", len(proj))
	}
	if c.ContextDim == 0 {
		c.ContextDim, c.UseLinearProjection = ctx, linear
	} else if ctx != c.ContextDim || linear != c.UseLinearProjection {
		return 0, unsupported("transformer at %s disagrees with earlier ones (context %d, linear %v)", bp+"1", ctx, linear)
	}
	return depth, nil
}
