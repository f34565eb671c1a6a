package clip_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/weights"
)

// This file is the test side of the text encoder: tiny checkpoints with the
// real key names of both layouts, and a plain float64 CLIP text model read
// from those keys directly (so the renamer and the fused-projection split are
// checked too, not assumed).

// tiny describes a small text encoder; everything scales down from the real
// models but keeps their structure (MLP 4·W, head width W/heads).
type tiny struct {
	layout, prefix, activation, layer string
	normHidden                        bool
	width, heads, layers, projection  int
}

const (
	tinyVocab     = 50
	tinyPositions = 9
	tinyEnd       = tinyVocab - 1 // the end token is the largest id, as 49407 is
	tinyStart     = tinyVocab - 2
)

func (c tiny) config() detect.TextEncoderConfig {
	kind := detect.KindCLIPL
	if c.layout == detect.LayoutOpenCLIP {
		kind = detect.KindOpenCLIPG
	}
	return detect.TextEncoderConfig{
		Kind: kind, Layout: c.layout, Width: c.width, Layers: c.layers, Heads: c.heads,
		VocabSize: tinyVocab, MaxPositions: tinyPositions, Activation: c.activation,
		Layer: c.layer, NormHidden: c.normHidden, Projection: c.projection, Prefix: c.prefix,
	}
}

// spec lists every tensor with its real checkpoint key and shape.
func (c tiny) spec() map[string][]int {
	w, m, p := c.width, 4*c.width, c.prefix
	s := map[string][]int{}
	if c.layout == detect.LayoutHF {
		s[p+"embeddings.token_embedding.weight"] = []int{tinyVocab, w}
		s[p+"embeddings.position_embedding.weight"] = []int{tinyPositions, w}
		for i := range c.layers {
			l := fmt.Sprintf("%sencoder.layers.%d.", p, i)
			for _, n := range []string{"layer_norm1", "layer_norm2"} {
				s[l+n+".weight"], s[l+n+".bias"] = []int{w}, []int{w}
			}
			for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				s[l+"self_attn."+n+".weight"], s[l+"self_attn."+n+".bias"] = []int{w, w}, []int{w}
			}
			s[l+"mlp.fc1.weight"], s[l+"mlp.fc1.bias"] = []int{m, w}, []int{m}
			s[l+"mlp.fc2.weight"], s[l+"mlp.fc2.bias"] = []int{w, m}, []int{w}
		}
		s[p+"final_layer_norm.weight"], s[p+"final_layer_norm.bias"] = []int{w}, []int{w}
		if c.projection > 0 {
			s[strings.TrimSuffix(p, "text_model.")+"text_projection.weight"] = []int{c.projection, w}
		}
		return s
	}
	s[p+"token_embedding.weight"] = []int{tinyVocab, w}
	s[p+"positional_embedding"] = []int{tinyPositions, w}
	for i := range c.layers {
		l := fmt.Sprintf("%stransformer.resblocks.%d.", p, i)
		for _, n := range []string{"ln_1", "ln_2"} {
			s[l+n+".weight"], s[l+n+".bias"] = []int{w}, []int{w}
		}
		s[l+"attn.in_proj_weight"], s[l+"attn.in_proj_bias"] = []int{3 * w, w}, []int{3 * w}
		s[l+"attn.out_proj.weight"], s[l+"attn.out_proj.bias"] = []int{w, w}, []int{w}
		s[l+"mlp.c_fc.weight"], s[l+"mlp.c_fc.bias"] = []int{m, w}, []int{m}
		s[l+"mlp.c_proj.weight"], s[l+"mlp.c_proj.bias"] = []int{w, m}, []int{w}
	}
	s[p+"ln_final.weight"], s[p+"ln_final.bias"] = []int{w}, []int{w}
	if c.projection > 0 {
		s[p+"text_projection"] = []int{w, c.projection}
	}
	return s
}

type refLinear struct {
	w    []float64 // [out, in]
	b    []float64
	in   int
	outN int
}

type refNorm struct{ g, b []float64 }

type refLayer struct {
	ln1, ln2   refNorm
	q, k, v, o refLinear
	fc1, fc2   refLinear
}

type refModel struct {
	c        tiny
	tok, pos []float64
	layers   []refLayer
	final    refNorm
	proj     []float64 // [W, P] as x·proj
}

// loadRef reads the model from src by real key names.
func loadRef(t *testing.T, src weights.Source, c tiny) *refModel {
	t.Helper()
	get := func(name string) []float64 {
		v, err := src.Float32(name)
		require.NoError(t, err, name)
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	lin := func(prefix string, in, out int) refLinear {
		return refLinear{w: get(prefix + ".weight"), b: get(prefix + ".bias"), in: in, outN: out}
	}
	norm := func(prefix string) refNorm { return refNorm{get(prefix + ".weight"), get(prefix + ".bias")} }
	w, m, p := c.width, 4*c.width, c.prefix
	r := &refModel{c: c}
	hf := c.layout == detect.LayoutHF
	if hf {
		r.tok, r.pos = get(p+"embeddings.token_embedding.weight"), get(p+"embeddings.position_embedding.weight")
		r.final = norm(p + "final_layer_norm")
	} else {
		r.tok, r.pos = get(p+"token_embedding.weight"), get(p+"positional_embedding")
		r.final = norm(p + "ln_final")
	}
	for i := range c.layers {
		var l refLayer
		if hf {
			pre := fmt.Sprintf("%sencoder.layers.%d.", p, i)
			l.ln1, l.ln2 = norm(pre+"layer_norm1"), norm(pre+"layer_norm2")
			l.q, l.k, l.v = lin(pre+"self_attn.q_proj", w, w), lin(pre+"self_attn.k_proj", w, w), lin(pre+"self_attn.v_proj", w, w)
			l.o = lin(pre+"self_attn.out_proj", w, w)
			l.fc1, l.fc2 = lin(pre+"mlp.fc1", w, m), lin(pre+"mlp.fc2", m, w)
		} else {
			pre := fmt.Sprintf("%stransformer.resblocks.%d.", p, i)
			l.ln1, l.ln2 = norm(pre+"ln_1"), norm(pre+"ln_2")
			// torch MultiheadAttention: in_proj rows are q, then k, then v.
			inW, inB := get(pre+"attn.in_proj_weight"), get(pre+"attn.in_proj_bias")
			part := func(j int) refLinear {
				return refLinear{w: inW[j*w*w : (j+1)*w*w], b: inB[j*w : (j+1)*w], in: w, outN: w}
			}
			l.q, l.k, l.v = part(0), part(1), part(2)
			l.o = lin(pre+"attn.out_proj", w, w)
			l.fc1, l.fc2 = lin(pre+"mlp.c_fc", w, m), lin(pre+"mlp.c_proj", m, w)
		}
		r.layers = append(r.layers, l)
	}
	if c.projection > 0 {
		if hf {
			pw := get(strings.TrimSuffix(p, "text_model.") + "text_projection.weight") // [P, W]
			r.proj = make([]float64, w*c.projection)
			for o := range c.projection {
				for i := range w {
					r.proj[i*c.projection+o] = pw[o*w+i]
				}
			}
		} else {
			r.proj = get(p + "text_projection")
		}
	}
	return r
}

// forward returns the embeddings and every layer's output: states[i] is the
// hidden state after i layers, each [N·W].
func (r *refModel) forward(ids []int) [][]float64 {
	w, n := r.c.width, len(ids)
	x := make([]float64, n*w)
	for i, id := range ids {
		for j := range w {
			x[i*w+j] = r.tok[id*w+j] + r.pos[i*w+j]
		}
	}
	states := [][]float64{x}
	for _, l := range r.layers {
		x = r.layer(l, x, n)
		states = append(states, x)
	}
	return states
}

func (r *refModel) layer(l refLayer, x []float64, n int) []float64 {
	w := r.c.width
	h := applyNorm(l.ln1, x, w)
	q, k, v := l.q.apply(h, n), l.k.apply(h, n), l.v.apply(h, n)
	att := causalAttention(q, k, v, n, w, r.c.heads)
	o := l.o.apply(att, n)
	x1 := add(x, o)
	m := l.fc1.apply(applyNorm(l.ln2, x1, w), n)
	for i, a := range m {
		m[i] = activate(r.c.activation, a)
	}
	return add(x1, l.fc2.apply(m, n))
}

// encode is what the device path must return for one window.
func (r *refModel) encode(ids []int, depth int) (hidden, pooled []float64) {
	states := r.forward(ids)
	hidden = states[depth]
	if r.c.normHidden {
		hidden = applyNorm(r.final, hidden, r.c.width)
	}
	if r.proj != nil {
		w, eot := r.c.width, 0
		for i, id := range ids {
			if id > ids[eot] {
				eot = i
			}
		}
		last := states[len(states)-1]
		row := applyNorm(r.final, last[eot*w:(eot+1)*w], w)
		pooled = make([]float64, r.c.projection)
		for o := range pooled {
			for i := range w {
				pooled[o] += row[i] * r.proj[i*r.c.projection+o]
			}
		}
	}
	return hidden, pooled
}

func (l refLinear) apply(x []float64, n int) []float64 {
	y := make([]float64, n*l.outN)
	for r := range n {
		for o := range l.outN {
			s := l.b[o]
			for i := range l.in {
				s += x[r*l.in+i] * l.w[o*l.in+i]
			}
			y[r*l.outN+o] = s
		}
	}
	return y
}

func applyNorm(nm refNorm, x []float64, w int) []float64 {
	const eps = 1e-5 // CLIPTextConfig.layer_norm_eps
	y := make([]float64, len(x))
	for r := 0; r < len(x)/w; r++ {
		row := x[r*w : (r+1)*w]
		mean, vr := 0.0, 0.0
		for _, v := range row {
			mean += v
		}
		mean /= float64(w)
		for _, v := range row {
			vr += (v - mean) * (v - mean)
		}
		vr /= float64(w)
		for j, v := range row {
			y[r*w+j] = (v-mean)/math.Sqrt(vr+eps)*nm.g[j] + nm.b[j]
		}
	}
	return y
}

func causalAttention(q, k, v []float64, n, w, heads int) []float64 {
	hd := w / heads
	out := make([]float64, n*w)
	for h := range heads {
		for i := range n {
			scores := make([]float64, i+1) // keys j > i are masked
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				s := 0.0
				for e := range hd {
					s += q[i*w+h*hd+e] * k[j*w+h*hd+e]
				}
				scores[j] = s / math.Sqrt(float64(hd))
				mx = math.Max(mx, scores[j])
			}
			sum := 0.0
			for j := range scores {
				scores[j] = math.Exp(scores[j] - mx)
				sum += scores[j]
			}
			for j := range scores {
				for e := range hd {
					out[i*w+h*hd+e] += scores[j] / sum * v[j*w+h*hd+e]
				}
			}
		}
	}
	return out
}

func activate(name string, x float64) float64 {
	switch name {
	case "quick_gelu": // x·σ(1.702x), OpenAI CLIP
		return x / (1 + math.Exp(-1.702*x))
	case "gelu": // exact erf form, torch default
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	}
	panic("unknown activation " + name)
}

func add(a, b []float64) []float64 {
	y := make([]float64, len(a))
	for i := range a {
		y[i] = a[i] + b[i]
	}
	return y
}
