package clip

import (
	"context"
	"errors"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// EncodeSDXL builds SDXL's text conditioning (Podell et al. 2023, "SDXL",
// §2.1; sgm GeneralConditioner): the hidden states of CLIP-L and OpenCLIP
// bigG, each taken at its config's layer (penultimate, no final norm) or at
// skip, concatenated along the channel axis → [1, N, W_L + W_G], and bigG's
// pooled output [1, P] for the UNet's vector conditioning. CLIP-L's pooled
// output is unused, so it is not computed.
func EncodeSDXL(ctx context.Context, clipL, bigG *TextEncoder, idsL, idsG []int, skip int) (hidden, pooled tensor.Tensor, err error) {
	return EncodeSDXLWithEmbeddings(ctx, clipL, bigG, idsL, idsG, nil, nil, skip)
}

// EncodeSDXLWithEmbeddings is EncodeSDXL with textual-inversion vectors
// spliced in per encoder (an SDXL embedding file has a clip_l and a clip_g
// part): ovL[pos] for CLIP-L, ovG[pos] for bigG; either may be nil.
func EncodeSDXLWithEmbeddings(ctx context.Context, clipL, bigG *TextEncoder, idsL, idsG []int, ovL, ovG map[int][]float32, skip int) (hidden, pooled tensor.Tensor, err error) {
	if bigG.Projection == nil {
		return hidden, pooled, errors.New("clip: SDXL's second text encoder has no text_projection for the pooled output")
	}
	if len(idsL) != len(idsG) {
		return hidden, pooled, fmt.Errorf("clip: SDXL windows of %d and %d tokens", len(idsL), len(idsG))
	}
	d := clipL.dev
	hl, _, err := clipL.encode(ctx, [][]int{idsL}, []map[int][]float32{ovL}, skip, false)
	if err != nil {
		return hidden, pooled, fmt.Errorf("sdxl clip-l: %w", err)
	}
	defer nn.Free(d, hl)
	hg, pooled, err := bigG.encode(ctx, [][]int{idsG}, []map[int][]float32{ovG}, skip, true)
	if err != nil {
		return hidden, pooled, fmt.Errorf("sdxl openclip-g: %w", err)
	}
	defer nn.Free(d, hg)
	hidden, err = d.Concat(-1, hl, hg)
	if err != nil {
		nn.Free(d, pooled)
		return tensor.Tensor{}, tensor.Tensor{}, fmt.Errorf("sdxl conditioning: %w", err)
	}
	return hidden, pooled, nil
}
