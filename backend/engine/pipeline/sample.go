package pipeline

import (
	"context"
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/rng"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// sigmasFor returns the sigmas of an n-step run on a model's schedule, with
// the sampler's penultimate-sigma quirk applied.
func sigmasFor(sched sampling.Schedule, hint sampling.ScheduleHint, disc *sampling.Discrete, n int) ([]float64, error) {
	if hint.DiscardPenultimate {
		s, err := sched(disc, n+1)
		if err != nil {
			return nil, err
		}
		return sampling.DiscardPenultimate(s), nil
	}
	return sched(disc, n)
}

// img2imgSigmas cuts a full schedule to the part a denoising strength runs,
// as A1111 does: t_enc = int(min(strength, 0.999)·steps) steps, starting at
// sigmas[steps − t_enc − 1] (sd_samplers_kdiffusion.sample_img2img).
func img2imgSigmas(full []float64, strength float64) []float64 {
	steps := len(full) - 1
	tEnc := int(min(strength, 0.999) * float64(steps))
	return full[steps-tEnc-1:]
}

// unetModel adapts the UNet to sampling.Model for a batch of b latents of
// the given item shape. extra, when set, holds per-item channels appended
// after the latent (an inpainting UNet's mask and masked-image latent).
type unetModel struct {
	dev    compute.Device
	ck     *checkpoint
	b      int
	shape  [3]int // C, h, w of one latent
	extra  []float32
	extraC int
}

// input is the UNet input for the latents x: x itself, or for an inpainting
// UNet each item's latent followed by its extra channels.
func (m *unetModel) input(x []float32) ([]float32, int) {
	C, h, w := m.shape[0], m.shape[1], m.shape[2]
	if m.extraC == 0 {
		return x, C
	}
	plane := h * w
	inC := C + m.extraC
	in := make([]float32, 0, m.b*inC*plane)
	for i := 0; i < m.b; i++ {
		in = append(in, x[i*C*plane:(i+1)*C*plane]...)
		in = append(in, m.extra[i*m.extraC*plane:(i+1)*m.extraC*plane]...)
	}
	return in, inC
}

// forward runs the UNet on n items of input at timestep t.
func (m *unetModel) forward(ctx context.Context, in []float32, n, inC int, t float64, context, y tensor.Tensor) ([]float32, error) {
	xt, err := m.dev.Upload(tensor.Shape{n, inC, m.shape[1], m.shape[2]}, in)
	if err != nil {
		return nil, err
	}
	ts := make([]float32, n)
	for i := range ts {
		ts[i] = float32(t)
	}
	out, err := m.ck.unet.Forward(ctx, xt, ts, context, y, nil)
	nn.Free(m.dev, xt)
	if err != nil {
		return nil, err
	}
	res, err := m.dev.Download(out)
	nn.Free(m.dev, out)
	return res, err
}

func (m *unetModel) run(ctx context.Context, x []float32, t float64, c sampling.Cond) ([]float32, error) {
	uc, ok := c.(*unetCond)
	if !ok {
		return nil, fmt.Errorf("pipeline: conditioning of type %T", c)
	}
	in, inC := m.input(x)
	return m.forward(ctx, in, m.b, inC, t, uc.context, uc.y)
}

// pair runs both guidance branches as one batch of 2·b items: the latents
// twice, the two contexts (and pooled vectors) stacked. Prompts whose
// encodings differ in length cannot stack and go through run instead.
func (m *unetModel) pair(ctx context.Context, x []float32, t float64, c, u sampling.Cond) ([]float32, []float32, bool, error) {
	cc, ok1 := c.(*unetCond)
	uu, ok2 := u.(*unetCond)
	if !ok1 || !ok2 || !cc.context.Shape().Equal(uu.context.Shape()) || cc.y.IsZero() != uu.y.IsZero() ||
		(!cc.y.IsZero() && !cc.y.Shape().Equal(uu.y.Shape())) {
		return nil, nil, false, nil
	}
	in, inC := m.input(x)
	both := make([]float32, 0, 2*len(in))
	both = append(append(both, in...), in...)
	context, err := m.dev.Concat(0, cc.context, uu.context)
	if err != nil {
		return nil, nil, false, err
	}
	defer nn.Free(m.dev, context)
	var y tensor.Tensor
	if !cc.y.IsZero() {
		if y, err = m.dev.Concat(0, cc.y, uu.y); err != nil {
			return nil, nil, false, err
		}
		defer nn.Free(m.dev, y)
	}
	res, err := m.forward(ctx, both, 2*m.b, inC, t, context, y)
	if err != nil {
		return nil, nil, false, err
	}
	half := len(res) / 2
	return res[:half], res[half:], true, nil
}

// prediction maps detect's ε/v to the denoiser's.
func prediction(p detect.Prediction) sampling.Prediction {
	if p == detect.PredictV {
		return sampling.PredictV
	}
	return sampling.PredictEpsilon
}

// blendDenoiser keeps the unmasked region of an ordinary (non-inpainting)
// checkpoint's inpainting pinned to the original: every x0 estimate is
// init·(1−m) + x0·m, as A1111's CFGDenoiser does with its mask/nmask.
type blendDenoiser struct {
	inner sampling.Denoiser
	init  []float32 // [B, C, h, w] original latent
	mask  []float32 // [B, C, h, w] latent mask, 1 = repaint
}

func (d *blendDenoiser) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	out, err := d.inner.Denoise(ctx, x, sigma)
	if err != nil {
		return nil, err
	}
	blendLatent(out, d.init, d.mask)
	return out, nil
}

// blendLatent sets x = init·(1−m) + x·m in place.
func blendLatent(x, init, mask []float32) {
	for i, m := range mask {
		x[i] = init[i]*(1-m) + x[i]*m
	}
}

// noiseAdapter lets an rng.Source (A1111's per-image generators) feed the
// samplers' per-step noise.
type noiseAdapter struct{ src rng.Source }

func (n noiseAdapter) Fill(dst []float32) { n.src.Normal(dst) }

// batchBrownian gives each image of a batch its own Brownian path seeded
// from its own seed, so an SDE sampler's batch item i is the image a
// separate run with seed i gives.
type batchBrownian struct {
	trees []*sampling.BrownianTree
}

func newBatchBrownian(seeds []uint64, sigmas []float64) (*batchBrownian, error) {
	b := &batchBrownian{}
	for _, s := range seeds {
		t, err := sampling.NewBrownianTreeFor(s, sigmas)
		if err != nil {
			return nil, err
		}
		b.trees = append(b.trees, t)
	}
	return b, nil
}

func (b *batchBrownian) Fill(dst []float32) {
	n := len(dst) / len(b.trees)
	for i, t := range b.trees {
		t.Fill(dst[i*n : (i+1)*n])
	}
}

func (b *batchBrownian) Increment(sigma, sigmaNext float64, dst []float32) {
	n := len(dst) / len(b.trees)
	for i, t := range b.trees {
		t.Increment(sigma, sigmaNext, dst[i*n:(i+1)*n])
	}
}

// stepNoise builds the per-step noise a sampler draws from for a batch.
func stepNoise(kind rng.Kind, hint sampling.ScheduleHint, seeds []uint64, shape []int, sigmas []float64) (sampling.NoiseSource, error) {
	if hint.Brownian {
		return newBatchBrownian(seeds, sigmas)
	}
	src, err := rng.SamplerNoise(kind, seeds, shape, 0)
	if err != nil {
		return nil, err
	}
	return noiseAdapter{src}, nil
}
