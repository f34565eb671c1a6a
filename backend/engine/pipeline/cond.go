package pipeline

import (
	"context"
	"fmt"
	"github.com/dreamlayer/dreamlayer/backend/engine/embeddings"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// hostCond is one prompt text encoded for a checkpoint, on the host: the
// hidden states [tokens, width] (chunks of 77 concatenated along tokens,
// A1111's torch.hstack) and, for SDXL, the pooled vector of the first chunk.
type hostCond struct {
	hidden []float32
	tokens int
	width  int
	pooled []float32
}

// unetCond is what the UNet takes for one conditioning of a batch of B
// images: the context [B, M, ContextDim] and, for SDXL, y [B, ADM].
type unetCond struct {
	context tensor.Tensor
	y       tensor.Tensor
}

func (c *unetCond) free(d compute.Device) { nn.Free(d, c.context, c.y) }

// encodeText runs every text encoder of ck on one scheduled prompt text
// (A1111 emphasis syntax, BREAK, any length). Each encoder's hidden states
// get emphasis applied per 77-token window (sd_hijack_clip's process_tokens
// works per chunk, restoring each chunk's mean); SDXL's two encoders are then
// joined along the channel axis as sgm's GeneralConditioner does.
//
// Words naming a textual-inversion embedding (find) take as many token slots
// as the embedding has vectors; each encoder gets the vectors of its width
// in those slots instead of token embeddings.
func encodeText(ctx context.Context, dev compute.Device, ck *checkpoint, tok *clip.Tokenizer, text string, skip int, find func(string) (*embeddings.Embedding, bool)) (hostCond, error) {
	var lookup prompt.EmbeddingLookup
	if find != nil {
		lookup = func(word string) (int, bool) {
			if e, ok := find(word); ok && e.Len() > 0 {
				return e.Len(), true
			}
			return 0, false
		}
	}
	chunks, err := prompt.Chunks(text, tok.Encode, lookup)
	if err != nil {
		return hostCond{}, err
	}
	var out hostCond
	parts := make([][]float32, len(ck.encoders))
	widths := make([]int, len(ck.encoders))
	for ei, te := range ck.encoders {
		cfg := te.Config
		sp := prompt.SpecialTokens{Start: clip.StartToken, End: clip.EndToken, Pad: cfg.Pad}
		windows := make([][]int, len(chunks))
		weights := make([][]float32, len(chunks))
		overrides := make([]map[int][]float32, len(chunks))
		for i, c := range chunks {
			windows[i], weights[i] = c.Window(sp)
			for _, slot := range c.Embeddings {
				e, ok := find(slot.Name)
				if !ok {
					continue
				}
				vecs, ok := e.For(cfg.Kind, cfg.Width)
				if !ok {
					return hostCond{}, fmt.Errorf("embedding %q has no vectors for the %s text encoder (width %d): it was trained for another model family", slot.Name, cfg.Kind, cfg.Width)
				}
				// Window position 0 is the start token.
				overrides[i] = embeddings.Overrides(overrides[i], slot.Offset+1, vecs[:min(len(vecs), slot.Vectors)])
			}
		}
		hidden, pooled, err := te.EncodeWithEmbeddings(ctx, windows, overrides, skip)
		if err != nil {
			return hostCond{}, fmt.Errorf("text encoder %s: %w", cfg.Kind, err)
		}
		d := hidden.Shape()
		z, err := dev.Download(hidden)
		var p []float32
		if err == nil && len(pooled.Shape()) > 0 && wantsPooled(ck, ei) {
			p, err = dev.Download(pooled)
		}
		nn.Free(dev, hidden, pooled)
		if err != nil {
			return hostCond{}, fmt.Errorf("text encoder %s: %w", cfg.Kind, err)
		}
		n, width := d[1], d[2]
		for i := range chunks {
			prompt.ApplyEmphasis(z[i*n*width:(i+1)*n*width], n, width, weights[i])
		}
		parts[ei], widths[ei] = z, width
		if p != nil {
			out.pooled = p[:len(p)/len(chunks)] // the first chunk's, as A1111 returns zs[0].pooled
		}
		out.tokens = len(chunks) * n
	}
	for _, w := range widths {
		out.width += w
	}
	if len(parts) == 1 {
		out.hidden = parts[0]
		return out, nil
	}
	out.hidden = make([]float32, out.tokens*out.width)
	for t := 0; t < out.tokens; t++ {
		off := t * out.width
		for ei, p := range parts {
			w := widths[ei]
			copy(out.hidden[off:off+w], p[t*w:(t+1)*w])
			off += w
		}
	}
	return out, nil
}

// wantsPooled: the UNet's vector conditioning takes the pooled output of
// the last encoder (OpenCLIP bigG in SDXL base and refiner).
func wantsPooled(ck *checkpoint, encoder int) bool {
	return ck.det.UNet.ADMInChannels > 0 && encoder == len(ck.encoders)-1
}

// toUNet uploads a host conditioning replicated for a batch of b images,
// with SDXL's vector y built from the pooled output and size numbers.
func toUNet(dev compute.Device, u *unet.UNet, hc hostCond, b int, numbers []float32) (*unetCond, error) {
	ctxData := make([]float32, 0, b*len(hc.hidden))
	for i := 0; i < b; i++ {
		ctxData = append(ctxData, hc.hidden...)
	}
	c, err := dev.Upload(tensor.Shape{b, hc.tokens, hc.width}, ctxData)
	if err != nil {
		return nil, err
	}
	uc := &unetCond{context: c}
	if u.Config.ADMInChannels == 0 {
		return uc, nil
	}
	if hc.pooled == nil {
		uc.free(dev)
		return nil, fmt.Errorf("%w: the UNet wants a pooled text vector the text encoder does not give", detect.ErrUnsupportedModel)
	}
	pd := make([]float32, 0, b*len(hc.pooled))
	for i := 0; i < b; i++ {
		pd = append(pd, hc.pooled...)
	}
	pooled, err := dev.Upload(tensor.Shape{b, len(hc.pooled)}, pd)
	if err != nil {
		uc.free(dev)
		return nil, err
	}
	uc.y, err = u.ADMVector(pooled, numbers)
	nn.Free(dev, pooled)
	if err != nil {
		uc.free(dev)
		return nil, err
	}
	return uc, nil
}

// condSet is the conditionings of one sampling pass: each distinct scheduled
// text once, and the step → entry maps for the positive and negative prompt
// (prompt editing and alternation change them along the run).
type condSet struct {
	pos, neg []prompt.ScheduledPrompt
	posConds []*unetCond
	negConds []*unetCond
	dev      compute.Device
}

// conds implements ModelDenoiser.Conds.
func (s *condSet) conds(step int) (sampling.Cond, sampling.Cond) {
	return s.posConds[prompt.Index(s.pos, step)], s.negConds[prompt.Index(s.neg, step)]
}

func (s *condSet) free() {
	for _, c := range append(s.posConds, s.negConds...) {
		if c != nil {
			c.free(s.dev)
		}
	}
}
