package workflows

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/rng"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// ComfyUI's sampler and scheduler names (those the engine implements).
var (
	comfySamplers = []string{"euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms",
		"dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
		"dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddim", "uni_pc", "uni_pc_bh2", "lcm"}
	comfySchedulers = []string{"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta", "kl_optimal"}
)

// latentChannels is EmptyLatentImage's channel count (SD 1.x, 2.x, SDXL).
const latentChannels = 4

func sampleNodes() []NodeSpec {
	common := []InputSpec{
		{Name: "model", Type: TypeModel},
		{Name: "steps", Type: TypeInt, Min: 1, Max: maxSteps},
		{Name: "cfg", Type: TypeFloat, Min: 0, Max: 100},
		{Name: "sampler_name", Type: TypeCombo, Choices: comfySamplers},
		{Name: "scheduler", Type: TypeCombo, Choices: comfySchedulers},
		{Name: "positive", Type: TypeConditioning},
		{Name: "negative", Type: TypeConditioning},
		{Name: "latent_image", Type: TypeLatent},
	}
	onOff := []string{"enable", "disable"}
	lat := []Type{TypeLatent}
	return []NodeSpec{
		{Class: "EmptyLatentImage", Outputs: lat,
			Inputs: []InputSpec{{Name: "width", Type: TypeInt, Min: 16, Max: maxSide}, {Name: "height", Type: TypeInt, Min: 16, Max: maxSide},
				{Name: "batch_size", Type: TypeInt, Min: 1, Max: maxBatch, Optional: true, Default: int64(1)}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				b, h, w := int(a.Int("batch_size")), int(a.Int("height"))/8, int(a.Int("width"))/8
				return []any{Latent{Samples: make([]float32, b*latentChannels*h*w), B: b, C: latentChannels, H: h, W: w}}, nil
			}},
		{Class: "KSampler", Outputs: lat,
			Inputs: append([]InputSpec{{Name: "seed", Type: TypeInt, Min: 0, Max: maxSeed},
				{Name: "denoise", Type: TypeFloat, Min: 0, Max: 1, Optional: true, Default: 1.0}}, common...),
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				return ksample(ctx, rc, a, ksOpts{seed: a.Int("seed"), denoise: a.Float("denoise"), addNoise: true, start: 0, end: -1, full: true})
			}},
		{Class: "KSamplerAdvanced", Outputs: lat,
			Inputs: append([]InputSpec{{Name: "add_noise", Type: TypeCombo, Choices: onOff},
				{Name: "noise_seed", Type: TypeInt, Min: 0, Max: maxSeed},
				{Name: "start_at_step", Type: TypeInt, Min: 0, Max: maxSteps},
				{Name: "end_at_step", Type: TypeInt, Min: 0, Max: maxSteps},
				{Name: "return_with_leftover_noise", Type: TypeCombo, Choices: onOff}}, common...),
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				return ksample(ctx, rc, a, ksOpts{seed: a.Int("noise_seed"), denoise: 1, addNoise: a.String("add_noise") == "enable",
					start: int(a.Int("start_at_step")), end: int(a.Int("end_at_step")), full: a.String("return_with_leftover_noise") != "enable"})
			}},
		{Class: "LatentUpscale", Outputs: lat,
			Inputs: []InputSpec{{Name: "samples", Type: TypeLatent}, {Name: "upscale_method", Type: TypeCombo, Choices: imageops.LatentModes()},
				{Name: "width", Type: TypeInt, Min: 0, Max: maxSide}, {Name: "height", Type: TypeInt, Min: 0, Max: maxSide},
				{Name: "crop", Type: TypeCombo, Choices: []string{"disabled"}}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				l := a.Value("samples").(Latent)
				w, h := int(a.Int("width"))/8, int(a.Int("height"))/8
				switch {
				case w == 0 && h == 0:
					return []any{l}, nil
				case w == 0:
					w = max(1, int(math.Round(float64(l.W)*float64(h)/float64(l.H))))
				case h == 0:
					h = max(1, int(math.Round(float64(l.H)*float64(w)/float64(l.W))))
				}
				return []any{upscaleLatent(l, w, h, a.String("upscale_method"))}, nil
			}},
		{Class: "LatentUpscaleBy", Outputs: lat,
			Inputs: []InputSpec{{Name: "samples", Type: TypeLatent}, {Name: "upscale_method", Type: TypeCombo, Choices: imageops.LatentModes()},
				{Name: "scale_by", Type: TypeFloat, Min: 0.01, Max: 8}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				l := a.Value("samples").(Latent)
				s := a.Float("scale_by")
				w, h := max(1, int(math.Round(float64(l.W)*s))), max(1, int(math.Round(float64(l.H)*s)))
				return []any{upscaleLatent(l, w, h, a.String("upscale_method"))}, nil
			}},
		{Class: "SetLatentNoiseMask", Outputs: lat,
			Inputs: []InputSpec{{Name: "samples", Type: TypeLatent}, {Name: "mask", Type: TypeMask}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				l := a.Value("samples").(Latent)
				m := a.Value("mask").(imageops.Mask)
				l.NoiseMask = imageops.LatentUpscale(m.Pix, 1, m.H, m.W, l.H, l.W, "bilinear")
				return []any{l}, nil
			}},
	}
}

func upscaleLatent(l Latent, w, h int, mode string) Latent {
	out := Latent{B: l.B, C: l.C, H: h, W: w, Samples: imageops.LatentUpscale(l.Samples, l.B*l.C, l.H, l.W, h, w, mode)}
	if l.NoiseMask != nil {
		out.NoiseMask = imageops.LatentUpscale(l.NoiseMask, 1, l.H, l.W, h, w, "bilinear")
	}
	return out
}

type ksOpts struct {
	seed       int64
	denoise    float64
	addNoise   bool
	start, end int // steps to run; end −1 = all
	full       bool
}

// ksample is ComfyUI's common_ksampler: noise = torch.randn(latent shape)
// from the seed on the CPU generator, sigmas of the schedule (with denoise
// < 1, the last steps of int(steps/denoise)), x = latent + noise·σ0 (√(1+σ²)
// at the model's σ_max), then the sampler with ComfyUI's quantised
// timesteps and per-step noise from a generator seeded the same way.
func ksample(ctx context.Context, rc *RunContext, a Args, o ksOpts) ([]any, error) {
	m := a.Value("model").(modelValue)
	l := a.Value("latent_image").(Latent)
	pos, neg := a.Value("positive").(Conditioning), a.Value("negative").(Conditioning)
	fn, hint, err := sampling.LookupSampler(a.String("sampler_name"))
	if err != nil {
		return nil, err
	}
	sched, err := sampling.LookupSchedule(a.String("scheduler"))
	if err != nil {
		return nil, err
	}
	steps := int(a.Int("steps"))
	if o.denoise <= 0 {
		return []any{l}, nil
	}
	total := steps
	if o.denoise < 1 {
		total = int(float64(steps) / o.denoise)
	}
	ck := m.ck
	var sigmas []float64
	if hint.DiscardPenultimate {
		s, err := sched(ck.schedule, total+1)
		if err != nil {
			return nil, err
		}
		sigmas = sampling.DiscardPenultimate(s)
	} else if sigmas, err = sched(ck.schedule, total); err != nil {
		return nil, err
	}
	sigmas = sigmas[len(sigmas)-steps-1:]
	if o.end >= 0 && o.end < len(sigmas)-1 {
		sigmas = slices.Clone(sigmas[:o.end+1])
		if o.full {
			sigmas[len(sigmas)-1] = 0
		}
	}
	if o.start > 0 {
		if o.start >= len(sigmas)-1 {
			return []any{l}, nil
		}
		sigmas = sigmas[o.start:]
	}
	shape := []int{l.B, l.C, l.H, l.W}
	noise := make([]float32, len(l.Samples))
	if o.addNoise {
		noise = rng.NewTorchCPU(uint64(o.seed)).Randn(shape)
	}
	scale := sigmas[0]
	if s, mx := sigmas[0], ck.schedule.SigmaMax(); math.Abs(s-mx) <= 1e-5*mx || s > mx {
		scale = math.Sqrt(1 + s*s)
	}
	x := make([]float32, len(l.Samples))
	for i := range x {
		x[i] = l.Samples[i] + noise[i]*float32(scale)
	}
	var ns sampling.NoiseSource = torchNoise{rng.NewTorchCPU(uint64(o.seed))}
	if hint.Brownian {
		if ns, err = sampling.NewBrownianTreeFor(uint64(o.seed), sigmas); err != nil {
			return nil, err
		}
	}
	um := &unetRunner{ck: ck, b: l.B, c: l.C, h: l.H, w: l.W}
	if in := ck.unet.Config.InChannels; in != l.C {
		if um.extra, err = inpaintExtra(l, in); err != nil {
			return nil, err
		}
		um.extraC = in - l.C
	}
	var d sampling.Denoiser = &sampling.ModelDenoiser{
		Model: um.run, Schedule: ck.schedule, Prediction: prediction(ck), Quantize: true,
		Scale: a.Float("cfg"), Sigmas: sigmas,
		Conds: func(int) (sampling.Cond, sampling.Cond) { return pos, neg },
	}
	if l.NoiseMask != nil {
		d = &maskDenoiser{inner: d, latent: l.Samples, noise: noise, mask: l.NoiseMask, plane: l.H * l.W}
	}
	n := len(sigmas) - 1
	var out []float32
	err = ck.withLoras(ctx, m.loras, func() error {
		var err error
		out, err = fn(ctx, d, x, sigmas, ns, sampling.Options{}, func(i int, _ float64, _ []float32) { rc.Step(i+1, n) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return []any{Latent{Samples: out, B: l.B, C: l.C, H: l.H, W: l.W, NoiseMask: l.NoiseMask}}, nil
}

type torchNoise struct{ g *rng.TorchCPU }

func (t torchNoise) Fill(dst []float32) { t.g.Normal(dst) }

// maskDenoiser is ComfyUI's KSamplerX0Inpaint: outside the noise mask the
// input is the original latent noised to σ, and the estimate is the
// original latent.
type maskDenoiser struct {
	inner               sampling.Denoiser
	latent, noise, mask []float32
	plane               int
}

func (m *maskDenoiser) Denoise(ctx context.Context, x []float32, sigma float64) ([]float32, error) {
	in := make([]float32, len(x))
	for i := range x {
		k := m.mask[i%m.plane]
		in[i] = x[i]*k + (m.latent[i]+m.noise[i]*float32(sigma))*(1-k)
	}
	out, err := m.inner.Denoise(ctx, in, sigma)
	if err != nil {
		return nil, err
	}
	for i := range out {
		k := m.mask[i%m.plane]
		out[i] = out[i]*k + m.latent[i]*(1-k)
	}
	return out, nil
}

// unetRunner adapts the UNet to sampling.Model for a CONDITIONING list:
// each entry active at the step runs once and the outputs are averaged
// (ComfyUI's calc_cond_batch without areas).
type unetRunner struct {
	ck         *checkpoint
	b, c, h, w int
	// extra holds an inpainting model's extra channels per item (extraC
	// of them), appended after the latent's; nil for other models.
	extra  []float32
	extraC int
}

// blankInpaint is the latent of a mid-grey image in SD's scaled latent
// space, per channel: ComfyUI's blank_inpaint_image_like, the masked image
// an inpainting model sees when nothing is masked.
func blankInpaint() [latentChannels]float32 {
	return [latentChannels]float32{0.8223, -0.6876, 0.6364, 0.1380}
}

// inpaintExtra builds an inpainting model's extra input as ComfyUI's
// concat_cond does: per item, the noise mask rounded to 0/1 and the latent
// itself (VAEEncodeForInpaint's latent of the image with the masked area
// greyed); without a noise mask, a mask of ones and the blank latent.
func inpaintExtra(l Latent, inC int) ([]float32, error) {
	if inC != 2*l.C+1 {
		return nil, fmt.Errorf("the model takes %d latent channels, the latent has %d", inC, l.C)
	}
	plane := l.H * l.W
	out := make([]float32, 0, l.B*(1+l.C)*plane)
	for i := range l.B {
		if l.NoiseMask == nil {
			blank := blankInpaint()
			if l.C != len(blank) {
				return nil, fmt.Errorf("an inpainting model with %d latent channels needs a noise mask (VAEEncodeForInpaint)", l.C)
			}
			for range plane {
				out = append(out, 1)
			}
			for c := range l.C {
				for range plane {
					out = append(out, blank[c])
				}
			}
			continue
		}
		for _, m := range l.NoiseMask {
			out = append(out, float32(math.RoundToEven(float64(m))))
		}
		out = append(out, l.Samples[i*l.C*plane:(i+1)*l.C*plane]...)
	}
	return out, nil
}

func (u *unetRunner) run(ctx context.Context, x []float32, t float64, cond sampling.Cond) ([]float32, error) {
	conds, ok := cond.(Conditioning)
	if !ok {
		return nil, fmt.Errorf("conditioning of type %T", cond)
	}
	sigma := u.ck.schedule.TToSigma(t)
	out := make([]float32, len(x))
	count := 0
	for _, e := range conds {
		if !active(u.ck, e, sigma) {
			continue
		}
		r, err := u.once(ctx, x, t, e)
		if err != nil {
			return nil, err
		}
		for i, v := range r {
			out[i] += v
		}
		count++
	}
	if count > 1 {
		for i := range out {
			out[i] /= float32(count)
		}
	}
	return out, nil
}

// active: ComfyUI turns the entry's start/end fractions into sigmas with
// percent_to_sigma (σ at timestep (1−p)·999; ∞ at 0, 0 at 1).
func active(ck *checkpoint, e condEntry, sigma float64) bool {
	if e.start <= 0 && e.end >= 1 {
		return true
	}
	pts := func(p float64) float64 {
		switch {
		case p <= 0:
			return math.Inf(1)
		case p >= 1:
			return 0
		}
		return ck.schedule.TToSigma((1 - p) * float64(ck.schedule.Len()-1))
	}
	return sigma <= pts(e.start) && sigma >= pts(e.end)
}

func (u *unetRunner) once(ctx context.Context, x []float32, t float64, e condEntry) ([]float32, error) {
	dev := u.ck.dev
	inC := u.c
	if u.extraC > 0 {
		plane := u.h * u.w
		inC += u.extraC
		in := make([]float32, 0, u.b*inC*plane)
		for i := range u.b {
			in = append(in, x[i*u.c*plane:(i+1)*u.c*plane]...)
			in = append(in, u.extra[i*u.extraC*plane:(i+1)*u.extraC*plane]...)
		}
		x = in
	}
	xt, err := dev.Upload(tensor.Shape{u.b, inC, u.h, u.w}, x)
	if err != nil {
		return nil, err
	}
	ctxData := make([]float32, 0, u.b*len(e.hidden))
	for range u.b {
		ctxData = append(ctxData, e.hidden...)
	}
	ct, err := dev.Upload(tensor.Shape{u.b, e.tokens, e.width}, ctxData)
	if err != nil {
		freeAll(u.ck, xt)
		return nil, err
	}
	var y tensor.Tensor
	if u.ck.unet.Config.ADMInChannels > 0 {
		if e.pooled == nil {
			freeAll(u.ck, xt, ct)
			return nil, fmt.Errorf("the model wants a pooled text vector the conditioning lacks")
		}
		pd := make([]float32, 0, u.b*len(e.pooled))
		for range u.b {
			pd = append(pd, e.pooled...)
		}
		pooled, err := dev.Upload(tensor.Shape{u.b, len(e.pooled)}, pd)
		if err == nil {
			// ComfyUI's SDXL size conditioning defaults; the image size is
			// the latent's.
			H, W := u.h*8, u.w*8
			y, err = u.ck.unet.ADMVector(pooled, unet.SDXLSizes(H, W, 0, 0, H, W))
			freeAll(u.ck, pooled)
		}
		if err != nil {
			freeAll(u.ck, xt, ct)
			return nil, err
		}
	}
	ts := make([]float32, u.b)
	for i := range ts {
		ts[i] = float32(t)
	}
	o, err := u.ck.unet.Forward(ctx, xt, ts, ct, y, nil)
	freeAll(u.ck, xt, ct, y)
	if err != nil {
		return nil, err
	}
	res, err := dev.Download(o)
	freeAll(u.ck, o)
	return res, err
}

func prediction(ck *checkpoint) sampling.Prediction {
	if ck.det.Prediction == detect.PredictV {
		return sampling.PredictV
	}
	return sampling.PredictEpsilon
}
