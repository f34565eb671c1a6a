package detect

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// fakeSource is a weights.Source of shapes only (full-size SDXL shapes
// without 5 GB of zeros); Float32 serves the few tensors given data, and
// zeros for other small ones.
type fakeSource struct {
	shapes map[string][]int64
	meta   map[string]string
	data   map[string][]float32
}

func newFake() *fakeSource {
	return &fakeSource{shapes: map[string][]int64{}, meta: map[string]string{}, data: map[string][]float32{}}
}

func (f *fakeSource) Names() []string {
	names := make([]string, 0, len(f.shapes))
	for n := range f.shapes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (f *fakeSource) Info(name string) (weights.Info, bool) {
	s, ok := f.shapes[name]
	return weights.Info{Name: name, DType: weights.F16, Shape: s}, ok
}

func (f *fakeSource) Metadata() map[string]string { return f.meta }

func (f *fakeSource) Float32(name string) ([]float32, error) {
	if d, ok := f.data[name]; ok {
		return slices.Clone(d), nil
	}
	info, ok := f.Info(name)
	if !ok {
		return nil, fmt.Errorf("fake: no tensor %s", name)
	}
	if n := info.Elements(); n >= 0 && n <= 1<<20 {
		return make([]float32, n), nil // zeros, as a fresh checkpoint's biases
	}
	return nil, fmt.Errorf("fake: %s too large", name)
}

func (f *fakeSource) Raw(name string) ([]byte, weights.Info, error) {
	return nil, weights.Info{}, fmt.Errorf("fake: no raw data for %s", name)
}

func (f *fakeSource) Close() error { return nil }

func (f *fakeSource) put(name string, shape ...int64) { f.shapes[name] = shape }

// unetSpec is an LDM UNet's hyper-parameters for the key-layout generator.
type unetSpec struct {
	prefix      string
	in, out, ch int64
	mult        []int64
	nrb         int
	depth       []int // per level
	depthMiddle int
	ctx         int64
	linear      bool
	adm         int64
}

// addUNet writes the tensor names and shapes of openaimodel.UNetModel as
// LDM/sgm checkpoints store them.
func (f *fakeSource) addUNet(s unetSpec) {
	p := s.prefix
	ch := s.ch
	f.put(p+"time_embed.0.weight", 4*ch, ch)
	f.put(p+"time_embed.2.weight", 4*ch, 4*ch)
	if s.adm > 0 {
		f.put(p+"label_emb.0.0.weight", 4*ch, s.adm)
		f.put(p+"label_emb.0.2.weight", 4*ch, 4*ch)
	}
	f.put(p+"input_blocks.0.0.weight", ch, s.in, 3, 3)
	f.put(p+"input_blocks.0.0.bias", ch)
	res := func(bp string, cin, cout int64) {
		f.put(bp+"in_layers.0.weight", cin)
		f.put(bp+"in_layers.2.weight", cout, cin, 3, 3)
		f.put(bp+"emb_layers.1.weight", cout, 4*ch)
		f.put(bp+"out_layers.0.weight", cout)
		f.put(bp+"out_layers.3.weight", cout, cout, 3, 3)
		if cin != cout {
			f.put(bp+"skip_connection.weight", cout, cin, 1, 1)
		}
	}
	attn := func(bp string, w int64, depth int) {
		f.put(bp+"norm.weight", w)
		if s.linear {
			f.put(bp+"proj_in.weight", w, w)
			f.put(bp+"proj_out.weight", w, w)
		} else {
			f.put(bp+"proj_in.weight", w, w, 1, 1)
			f.put(bp+"proj_out.weight", w, w, 1, 1)
		}
		for k := range depth {
			tp := fmt.Sprintf("%stransformer_blocks.%d.", bp, k)
			f.put(tp+"attn1.to_q.weight", w, w)
			f.put(tp+"attn1.to_k.weight", w, w)
			f.put(tp+"attn1.to_v.weight", w, w)
			f.put(tp+"attn1.to_out.0.weight", w, w)
			f.put(tp+"attn2.to_q.weight", w, w)
			f.put(tp+"attn2.to_k.weight", w, s.ctx)
			f.put(tp+"attn2.to_v.weight", w, s.ctx)
			f.put(tp+"attn2.to_out.0.weight", w, w)
			f.put(tp+"ff.net.0.proj.weight", 8*w, w)
			f.put(tp+"ff.net.2.weight", w, 4*w)
			for _, n := range []string{"norm1", "norm2", "norm3"} {
				f.put(tp+n+".weight", w)
				f.put(tp+n+".bias", w)
			}
		}
	}
	blk, cur := 1, ch
	skips := []int64{ch}
	for l, m := range s.mult {
		w := ch * m
		for range s.nrb {
			bp := fmt.Sprintf("%sinput_blocks.%d.", p, blk)
			res(bp+"0.", cur, w)
			if s.depth[l] > 0 {
				attn(bp+"1.", w, s.depth[l])
			}
			cur = w
			skips = append(skips, cur)
			blk++
		}
		if l < len(s.mult)-1 {
			f.put(fmt.Sprintf("%sinput_blocks.%d.0.op.weight", p, blk), cur, cur, 3, 3)
			skips = append(skips, cur)
			blk++
		}
	}
	res(p+"middle_block.0.", cur, cur)
	next := 1
	if s.depthMiddle > 0 {
		attn(p+"middle_block.1.", cur, s.depthMiddle)
		next = 2
	}
	res(fmt.Sprintf("%smiddle_block.%d.", p, next), cur, cur)
	blk = 0
	for l := len(s.mult) - 1; l >= 0; l-- {
		w := ch * s.mult[l]
		for r := range s.nrb + 1 {
			bp := fmt.Sprintf("%soutput_blocks.%d.", p, blk)
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			res(bp+"0.", cur+skip, w)
			cur = w
			up := 1
			if s.depth[l] > 0 {
				attn(bp+"1.", w, s.depth[l])
				up = 2
			}
			if l > 0 && r == s.nrb {
				f.put(fmt.Sprintf("%s%d.conv.weight", bp, up), w, w, 3, 3)
			}
			blk++
		}
	}
	f.put(p+"out.0.weight", ch)
	f.put(p+"out.2.weight", s.out, ch, 3, 3)
}

type vaeSpec struct {
	prefix      string
	ch, z       int64
	mult        []int64
	nrb         int
	encoderless bool
}

// addVAE writes an LDM AutoencoderKL's names and shapes.
func (f *fakeSource) addVAE(s vaeSpec) {
	p := s.prefix
	top := s.ch * s.mult[len(s.mult)-1]
	if !s.encoderless {
		f.put(p+"encoder.conv_in.weight", s.ch, 3, 3, 3)
		cur := s.ch
		for i, m := range s.mult {
			w := s.ch * m
			for j := range s.nrb {
				bp := fmt.Sprintf("%sencoder.down.%d.block.%d.", p, i, j)
				f.put(bp+"conv1.weight", w, cur, 3, 3)
				f.put(bp+"conv2.weight", w, w, 3, 3)
				if cur != w {
					f.put(bp+"nin_shortcut.weight", w, cur, 1, 1)
				}
				cur = w
			}
			if i < len(s.mult)-1 {
				f.put(fmt.Sprintf("%sencoder.down.%d.downsample.conv.weight", p, i), w, w, 3, 3)
			}
		}
		f.put(p+"encoder.mid.block_1.conv1.weight", top, top, 3, 3)
		f.put(p+"encoder.mid.attn_1.q.weight", top, top, 1, 1)
		f.put(p+"encoder.norm_out.weight", top)
		f.put(p+"encoder.conv_out.weight", 2*s.z, top, 3, 3)
		f.put(p+"quant_conv.weight", 2*s.z, 2*s.z, 1, 1)
	}
	f.put(p+"post_quant_conv.weight", s.z, s.z, 1, 1)
	f.put(p+"decoder.conv_in.weight", top, s.z, 3, 3)
	f.put(p+"decoder.mid.block_1.conv1.weight", top, top, 3, 3)
	cur := top
	for i := len(s.mult) - 1; i >= 0; i-- {
		w := s.ch * s.mult[i]
		for j := range s.nrb + 1 {
			bp := fmt.Sprintf("%sdecoder.up.%d.block.%d.", p, i, j)
			f.put(bp+"conv1.weight", w, cur, 3, 3)
			f.put(bp+"conv2.weight", w, w, 3, 3)
			cur = w
		}
		if i > 0 {
			f.put(fmt.Sprintf("%sdecoder.up.%d.upsample.conv.weight", p, i), w, w, 3, 3)
		}
	}
	f.put(p+"decoder.conv_out.weight", 3, s.ch, 3, 3)
}

type textSpec struct {
	prefix                  string
	layout                  string
	width, vocab, pos, proj int64
	layers                  int
}

// addText writes a CLIP text model in transformers' or open_clip's layout.
func (f *fakeSource) addText(s textSpec) {
	p, w := s.prefix, s.width
	if s.layout == LayoutHF {
		f.put(p+"embeddings.token_embedding.weight", s.vocab, w)
		f.put(p+"embeddings.position_embedding.weight", s.pos, w)
		for k := range s.layers {
			lp := fmt.Sprintf("%sencoder.layers.%d.", p, k)
			for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				f.put(lp+"self_attn."+n+".weight", w, w)
			}
			f.put(lp+"layer_norm1.weight", w)
			f.put(lp+"mlp.fc1.weight", 4*w, w)
			f.put(lp+"mlp.fc2.weight", w, 4*w)
		}
		f.put(p+"final_layer_norm.weight", w)
		if s.proj > 0 {
			f.put(strings.TrimSuffix(p, "text_model.")+"text_projection.weight", s.proj, w)
		}
		return
	}
	f.put(p+"token_embedding.weight", s.vocab, w)
	f.put(p+"positional_embedding", s.pos, w)
	for k := range s.layers {
		lp := fmt.Sprintf("%stransformer.resblocks.%d.", p, k)
		f.put(lp+"attn.in_proj_weight", 3*w, w)
		f.put(lp+"attn.out_proj.weight", w, w)
		f.put(lp+"ln_1.weight", w)
		f.put(lp+"mlp.c_fc.weight", 4*w, w)
		f.put(lp+"mlp.c_proj.weight", w, 4*w)
	}
	f.put(p+"ln_final.weight", w)
	if s.proj > 0 {
		f.put(p+"text_projection", w, s.proj)
	}
}

// Released model sizes (the models' LDM/sgm configs: v1-inference.yaml,
// v2-inference-v.yaml, sd_xl_base.yaml, sd_xl_refiner.yaml).
var (
	sd1UNet = unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 320, mult: []int64{1, 2, 4, 4}, nrb: 2,
		depth: []int{1, 1, 1, 0}, depthMiddle: 1, ctx: 768}
	sd2UNet = unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 320, mult: []int64{1, 2, 4, 4}, nrb: 2,
		depth: []int{1, 1, 1, 0}, depthMiddle: 1, ctx: 1024, linear: true}
	sdxlUNet = unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 320, mult: []int64{1, 2, 4}, nrb: 2,
		depth: []int{0, 2, 10}, depthMiddle: 10, ctx: 2048, linear: true, adm: 2816}
	refinerUNet = unetSpec{prefix: "model.diffusion_model.", in: 4, out: 4, ch: 384, mult: []int64{1, 2, 4, 4}, nrb: 2,
		depth: []int{0, 4, 4, 0}, depthMiddle: 4, ctx: 1280, linear: true, adm: 2560}
	kl8VAE   = vaeSpec{prefix: "first_stage_model.", ch: 128, z: 4, mult: []int64{1, 2, 4, 4}, nrb: 2}
	sd1Text  = textSpec{prefix: "cond_stage_model.transformer.text_model.", layout: LayoutHF, width: 768, vocab: 49408, pos: 77, layers: 12}
	sd2Text  = textSpec{prefix: "cond_stage_model.model.", layout: LayoutOpenCLIP, width: 1024, vocab: 49408, pos: 77, layers: 24, proj: 1024}
	sdxlL    = textSpec{prefix: "conditioner.embedders.0.transformer.text_model.", layout: LayoutHF, width: 768, vocab: 49408, pos: 77, layers: 12}
	sdxlG    = textSpec{prefix: "conditioner.embedders.1.model.", layout: LayoutOpenCLIP, width: 1280, vocab: 49408, pos: 77, layers: 32, proj: 1280}
	refinerG = textSpec{prefix: "conditioner.embedders.0.model.", layout: LayoutOpenCLIP, width: 1280, vocab: 49408, pos: 77, layers: 32, proj: 1280}
)

// with returns a copy of s changed by fn.
func with[T any](s T, fn func(*T)) T {
	fn(&s)
	return s
}
