package unet

import (
	"testing"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
)

// FuzzLoad feeds Load configs that disagree with the weights or with
// themselves (as a hand-edited or hostile detection result could): Load
// must return an error or a UNet, never panic.
func FuzzLoad(f *testing.F) {
	base := sd1Tiny()
	fx := newFixture(unetSpec(base), 101)
	f.Add(4, 4, 32, 1, 2, 1, 1, 1, 1, 1, 2, 0, 32, 0, false)
	f.Add(9, 4, 32, 1, 2, 1, 1, 0, 1, 1, 0, 16, 32, 0, true)
	f.Add(4, 4, 32, 1, 2, 2, 1, 1, 1, 2, 2, 0, 64, 1568, true)
	f.Add(-1, 0, 0, 0, -2, 0, 0, -1, 0, 0, -3, -3, 0, -1, false)
	f.Fuzz(func(t *testing.T, in, out, mc, m0, m1, r0, r1, d0, d1, dm, heads, headDim, ctx, adm int, linear bool) {
		c := detect.UNetConfig{InChannels: in, OutChannels: out, ModelChannels: mc,
			ChannelMult: []int{m0, m1}, NumResBlocks: []int{r0, r1}, TransformerDepth: []int{d0, d1},
			TransformerDepthMiddle: dm, ContextDim: ctx, NumHeads: heads, HeadDim: headDim,
			UseLinearProjection: linear, ADMInChannels: adm, Prefix: base.Prefix}
		n := max(0, min(r0, 8)+1) + max(0, min(r1, 8)+1)
		for range n {
			c.TransformerDepthOutput = append(c.TransformerDepthOutput, d0)
		}
		if u, err := Load(scoped(fx.w, c), c); err == nil && u == nil {
			t.Fatal("nil UNet without an error")
		}
	})
}
