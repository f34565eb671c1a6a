package unet

import (
	"fmt"
	"testing"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
)

// ref runs the float64 reference blocks on a fixture's weights, read by
// their full LDM keys.
type ref struct {
	t *testing.T
	f fixture
}

func (r ref) w(key string) arr { return r.f.weight(r.t, key) }

func (r ref) has(key string) bool {
	_, ok := r.f.src.Info(key)
	return ok
}

func (r ref) linear(p string, x arr) arr {
	var b arr
	if r.has(p + ".bias") {
		b = r.w(p + ".bias")
	}
	return linear(x, r.w(p+".weight"), b)
}

func (r ref) conv(p string, x arr, stride int) arr {
	w := r.w(p + ".weight")
	return conv2d(x, w, r.w(p+".bias"), stride, w.shape[2]/2)
}

func (r ref) groupNorm(p string, x arr, eps float64, act bool) arr {
	out := groupNorm(x, r.w(p+".weight"), r.w(p+".bias"), normGroups, eps)
	if act {
		out = out.apply(silu)
	}
	return out
}

// resBlock: openaimodel.ResBlock.
func (r ref) resBlock(p string, x, emb arr) arr {
	h := r.conv(p+"in_layers.2", r.groupNorm(p+"in_layers.0", x, resNormEps, true), 1)
	e := r.linear(p+"emb_layers.1", emb.apply(silu))
	c, hw := h.shape[1], h.shape[2]*h.shape[3]
	for i := range h.v { // e [B, C] broadcast over H, W
		h.v[i] += e.v[(i/(c*hw))*c+(i/hw)%c]
	}
	h = r.conv(p+"out_layers.3", r.groupNorm(p+"out_layers.0", h, resNormEps, true), 1)
	skip := x
	if r.has(p + "skip_connection.weight") {
		skip = r.conv(p+"skip_connection", x, 1)
	}
	return skip.add(h)
}

// crossAttention: attention.py CrossAttention; ctx empty means self.
func (r ref) crossAttention(p string, x, ctx arr, heads int) arr {
	if ctx.v == nil {
		ctx = x
	}
	q, k, v := r.linear(p+"to_q", x), r.linear(p+"to_k", ctx), r.linear(p+"to_v", ctx)
	return r.linear(p+"to_out.0", attention(q, k, v, heads))
}

// feedForward: GEGLU then linear.
func (r ref) feedForward(p string, x arr) arr {
	proj := r.linear(p+"net.0.proj", x)
	d := proj.shape[len(proj.shape)-1] / 2
	shape := append([]int(nil), proj.shape...)
	shape[len(shape)-1] = d
	h := zeros(shape...)
	for row := 0; row < len(h.v)/d; row++ {
		for i := range d {
			h.v[row*d+i] = proj.v[row*2*d+i] * gelu(proj.v[row*2*d+d+i])
		}
	}
	return r.linear(p+"net.2", h)
}

// basicBlock: attention.py BasicTransformerBlock.
func (r ref) basicBlock(p string, x, ctx arr, heads int) arr {
	ln := func(n string, x arr) arr { return layerNorm(x, r.w(p+n+".weight"), r.w(p+n+".bias"), layerNormEps) }
	x = r.crossAttention(p+"attn1.", ln("norm1", x), arr{}, heads).add(x)
	x = r.crossAttention(p+"attn2.", ln("norm2", x), ctx, heads).add(x)
	return r.feedForward(p+"ff.", ln("norm3", x)).add(x)
}

// spatialTransformer: attention.py SpatialTransformer.
func (r ref) spatialTransformer(p string, x, ctx arr, heads int) arr {
	h, w := x.shape[2], x.shape[3]
	linearProj := len(r.w(p+"proj_in.weight").shape) == 2
	t := r.groupNorm(p+"norm", x, attnNormEps, false)
	if !linearProj {
		t = r.conv(p+"proj_in", t, 1)
	}
	t = toTokens(t)
	if linearProj {
		t = r.linear(p+"proj_in", t)
	}
	for i := 0; r.has(fmt.Sprintf("%stransformer_blocks.%d.norm1.weight", p, i)); i++ {
		t = r.basicBlock(fmt.Sprintf("%stransformer_blocks.%d.", p, i), t, ctx, heads)
	}
	if linearProj {
		t = r.linear(p+"proj_out", t)
	}
	t = fromTokens(t, h, w)
	if !linearProj {
		t = r.conv(p+"proj_out", t, 1)
	}
	return t.add(x)
}

// refHeads is the head count at an attention width, per
// openaimodel.UNetModel.
func refHeads(c detect.UNetConfig, width int) int {
	if c.NumHeads > 0 {
		return c.NumHeads
	}
	return width / c.HeadDim
}

// sequential runs one TimestepEmbedSequential block: each numbered layer
// is recognised by its keys.
func (r ref) sequential(c detect.UNetConfig, p string, h, emb, ctx arr) arr {
	for i := 0; ; i++ {
		lp := fmt.Sprintf("%s%d.", p, i)
		switch {
		case r.has(lp + "in_layers.0.weight"):
			h = r.resBlock(lp, h, emb)
		case r.has(lp + "norm.weight"):
			h = r.spatialTransformer(lp, h, ctx, refHeads(c, h.shape[1]))
		case r.has(lp + "op.weight"):
			h = r.conv(lp+"op", h, 2)
		case r.has(lp + "conv.weight"):
			h = r.conv(lp+"conv", upsampleNearest(h), 1)
		case r.has(lp + "weight"): // input_blocks.0.0, the stem
			h = r.conv(lp[:len(lp)-1], h, 1)
		default:
			return h
		}
	}
}

// unet: openaimodel.UNetModel.forward, with ControlNet residuals added to
// the skips and the middle output as diffusers does; down may be nil.
func (r ref) unet(c detect.UNetConfig, x arr, ts []float64, ctx, y arr, down []arr, mid arr) arr {
	p := c.Prefix
	emb := r.linear(p+"time_embed.2", r.linear(p+"time_embed.0", timestepEmbedding(ts, c.ModelChannels)).apply(silu))
	if c.ADMInChannels > 0 {
		emb = emb.add(r.linear(p+"label_emb.0.2", r.linear(p+"label_emb.0.0", y).apply(silu)))
	}
	var hs []arr
	h := x
	for i := 0; r.has(fmt.Sprintf("%sinput_blocks.%d.0.weight", p, i)) || r.has(fmt.Sprintf("%sinput_blocks.%d.0.in_layers.0.weight", p, i)) || r.has(fmt.Sprintf("%sinput_blocks.%d.0.op.weight", p, i)); i++ {
		h = r.sequential(c, fmt.Sprintf("%sinput_blocks.%d.", p, i), h, emb, ctx)
		hs = append(hs, h)
	}
	h = r.sequential(c, p+"middle_block.", h, emb, ctx)
	if mid.v != nil {
		h = h.add(mid)
	}
	for j := 0; r.has(fmt.Sprintf("%soutput_blocks.%d.0.in_layers.0.weight", p, j)); j++ {
		i := len(hs) - 1
		s := hs[i]
		if down != nil {
			s = s.add(down[i])
		}
		hs = hs[:i]
		h = r.sequential(c, fmt.Sprintf("%soutput_blocks.%d.", p, j), concatChannels(h, s), emb, ctx)
	}
	return r.conv(p+"out.2", r.groupNorm(p+"out.0", h, resNormEps, true), 1)
}
