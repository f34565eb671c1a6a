package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/unet"
	"github.com/dreamlayer/dreamlayer/backend/engine/rng"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
)

// samplePass is one sampler run over part of a schedule.
type samplePass struct {
	ck      *checkpoint
	x       []float32
	sigmas  []float64
	noise   sampling.NoiseSource
	b       int
	shape   []int
	extra   []float32 // inpainting UNet input, nil otherwise
	initLat []float32 // inpainting with an ordinary UNet: the original latent
	mask    []float32 // … and the latent mask (1 = repaint)
	// steps is the pass's prompt-schedule length; width/height the image
	// size (SDXL's size conditioning).
	steps, width, height int
	stage                string
	batch                int
	// offset is the first step's index in the whole run (the refiner
	// continues the base model's step count); total the run's steps.
	offset, total int
}

// sample runs the request's sampler over one pass.
func (j *job) sample(ctx context.Context, p samplePass) ([]float32, error) {
	fn, _, err := sampling.LookupSampler(j.r.Sampler)
	if err != nil {
		return nil, err
	}
	conds, err := j.condsFor(ctx, p.ck, p.b, p.steps, p.width, p.height)
	if err != nil {
		return nil, err
	}
	defer conds.free()
	m := &unetModel{dev: j.e.dev, ck: p.ck, b: p.b, shape: [3]int{p.shape[0], p.shape[1], p.shape[2]}}
	if p.extra != nil {
		m.extra = p.extra
		m.extraC = p.ck.unet.Config.InChannels - p.shape[0]
		if len(p.extra) != p.b*m.extraC*p.shape[1]*p.shape[2] {
			return nil, fmt.Errorf("pipeline: inpainting input of %d values for %d extra channels", len(p.extra), m.extraC)
		}
	} else if p.ck.unet.Config.InChannels != p.shape[0] {
		return nil, fmt.Errorf("pipeline: the UNet takes %d channels, latents have %d", p.ck.unet.Config.InChannels, p.shape[0])
	}
	md := &sampling.ModelDenoiser{
		Model:      m.run,
		Schedule:   p.ck.schedule,
		Prediction: prediction(p.ck.det.Prediction),
		Scale:      *j.r.CFGScale,
		Conds: func(step int) (sampling.Cond, sampling.Cond) {
			return conds.conds(step + p.offset)
		},
		Sigmas: p.sigmas,
	}
	// A GPU runs one batch of two far better than two batches of one; on the
	// CPU the time is the same and the pair would only add memory.
	if m.dev.Name() != "cpu" {
		md.Pair = m.pair
	}
	var d sampling.Denoiser = md
	if p.mask != nil && p.extra == nil {
		d = &blendDenoiser{inner: d, init: p.initLat, mask: p.mask}
	}
	preview := j.previewer(p.ck, p.shape)
	step := func(i int, sigma float64, x0 []float32) {
		j.progress(Progress{Stage: p.stage, Batch: p.batch, Step: p.offset + i + 1, Total: p.total, Preview: preview(ctx, x0)})
	}
	out, err := fn(ctx, d, p.x, p.sigmas, p.noise, sampling.Options{}, step)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.stage, err)
	}
	return out, nil
}

// hires is A1111's hires fix: the first pass's latents are upscaled (in
// latent space, or decoded, Lanczos-resized and encoded again), fresh noise
// of the new size is added at the denoise strength's sigma, and the sampler
// runs again (processing.py sample_hr_pass).
func (j *job) hires(ctx context.Context, x []float32, seeds, subseeds []uint64, batch int) ([]float32, int, int, error) {
	r, h := j.r, j.r.Hires
	f := j.vae.Factor()
	C := j.ck.unet.Config.OutChannels
	bs := r.BatchSize
	tw, th := hiresSize(r.Width, r.Height, *h, f)
	lh, lw := r.Height/f, r.Width/f
	nh, nw := th/f, tw/f
	t := time.Now()
	j.progress(Progress{Stage: StageHires, Batch: batch})
	var up []float32
	if h.Upscaler == UpscaleLanczos {
		imgs, err := decodeLatents(ctx, j.e.dev, j.vae, x, bs, C, lh, lw)
		if err != nil {
			return nil, 0, 0, err
		}
		for _, img := range imgs {
			lat, err := encodeImage(ctx, j.e.dev, j.vae, imageops.ToSigned(imageops.Lanczos(img, tw, th)), tw, th)
			if err != nil {
				return nil, 0, 0, err
			}
			up = append(up, lat...)
		}
	} else {
		// A1111's "Latent" upscaler: bilinear, antialias off.
		up = imageops.LatentUpscale(x, bs*C, lh, lw, nh, nw, "bilinear")
	}
	shape := []int{C, nh, nw}
	noise, err := rng.BatchNoise(j.kind, seeds, subseeds, r.SubseedStrength, shape, [2]int{})
	if err != nil {
		return nil, 0, 0, err
	}
	steps := h.Steps
	if steps == 0 {
		steps = r.Steps
	}
	full, err := sigmasFor(j.sched, j.hint, j.ck.schedule, steps)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("hires schedule: %w", err)
	}
	sigmas := img2imgSigmas(full, *h.Denoise)
	xi := make([]float32, len(up))
	for i := range xi {
		xi[i] = up[i] + noise[i]*float32(sigmas[0])
	}
	ns, err := stepNoise(j.kind, j.hint, seeds, shape, full)
	if err != nil {
		return nil, 0, 0, err
	}
	var extra []float32
	if j.ck.det.Inpaint {
		if extra, err = j.inpaintChannels(ctx, tw, th, bs); err != nil {
			return nil, 0, 0, err
		}
	}
	out, err := j.sample(ctx, samplePass{
		ck: j.ck, x: xi, sigmas: sigmas, noise: ns, b: bs, shape: shape, extra: extra,
		steps: steps, width: tw, height: th, stage: StageHires, batch: batch, total: len(sigmas) - 1,
	})
	if err != nil {
		return nil, 0, 0, err
	}
	j.res.Steps += len(sigmas) - 1
	j.res.Timings.SampleS += time.Since(t).Seconds()
	return out, tw, th, nil
}

// hiresSize is the second pass's size: Width/Height when given (one alone
// keeps the aspect ratio), else the first pass's times Scale, floored to
// the VAE factor.
func hiresSize(w, h int, hr Hires, f int) (int, int) {
	tw, th := hr.Width, hr.Height
	switch {
	case tw > 0 && th == 0:
		th = tw * h / w
	case th > 0 && tw == 0:
		tw = th * w / h
	case tw == 0 && th == 0:
		tw, th = int(float64(w)*hr.Scale), int(float64(h)*hr.Scale)
	}
	tw, th = max(tw/f*f, f), max(th/f*f, f)
	return tw, th
}

// unetSizes and unetSizesRefiner are SDXL's size conditioning for an
// uncropped image generated at its own size.
func unetSizes(h, w int) []float32 { return unet.SDXLSizes(h, w, 0, 0, h, w) }

func unetSizesRefiner(h, w int, aesthetic float32) []float32 {
	return unet.SDXLRefinerSizes(h, w, 0, 0, aesthetic)
}
