package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/engine/imageops"
	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/vae"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
	"github.com/dreamlayer/dreamlayer/backend/engine/rng"
	"github.com/dreamlayer/dreamlayer/backend/engine/sampling"
)

// Generate runs one job: it validates req, loads the models it names (or
// reuses loaded ones), and produces BatchCount×BatchSize images, reporting
// progress (which may be nil) after each step. ctx cancels between steps and
// inside model passes.
func (e *Engine) Generate(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	start := time.Now()
	r, err := normalize(req)
	if err != nil {
		return Result{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	pos, err := prompt.Parse(r.Prompt)
	if err != nil {
		return Result{}, invalid("Prompt", "%v", err)
	}
	neg, err := prompt.Parse(r.NegativePrompt)
	if err != nil {
		return Result{}, invalid("NegativePrompt", "%v", err)
	}
	loras, err := e.loraSpecs(r, pos, neg)
	if err != nil {
		return Result{}, err
	}
	in, err := loadInputs(r)
	if err != nil {
		return Result{}, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var res Result
	tok, err := e.tokenizer()
	if err != nil {
		return res, err
	}
	progress(Progress{Stage: StageLoad})
	t := time.Now()
	ck, err := e.checkpoint(ctx, r.Model)
	if err != nil {
		return res, err
	}
	v, err := e.vaeFor(ck, r.VAE)
	if err != nil {
		return res, err
	}
	var ref *checkpoint
	if r.Refiner != nil {
		if ref, err = e.checkpoint(ctx, r.Refiner.Model); err != nil {
			return res, fmt.Errorf("refiner: %w", err)
		}
		if ck.unet == nil { // evicted by the refiner's load (MaxModels 1)
			return res, fmt.Errorf("refiner: Options.MaxModels must be at least 2 to hold a model and its refiner")
		}
		if ref.unet.Config.OutChannels != ck.unet.Config.OutChannels {
			return res, invalid("Refiner.Model", "latents of %d channels, the model's have %d", ref.unet.Config.OutChannels, ck.unet.Config.OutChannels)
		}
	}
	if err := ck.applyLoras(ctx, e.dev, loras); err != nil {
		return res, fmt.Errorf("lora: %w", err)
	}
	ck.hash.start()
	res.Timings.LoadS = time.Since(t).Seconds()

	if r.Width == 0 {
		r.Width = defaultSize(ck.det)
	}
	if r.Height == 0 {
		r.Height = defaultSize(ck.det)
	}
	if f := v.Factor(); r.Width%f != 0 || r.Height%f != 0 {
		return res, invalid("Width", "%d×%d is not a multiple of the VAE's factor %d", r.Width, r.Height, f)
	}
	if r.Seed == nil || *r.Seed == -1 {
		r.Seed = ptr(e.opts.RandomSeed())
	}
	res.Seed = *r.Seed
	_, hint, _ := sampling.LookupSampler(r.Sampler)
	sched, _ := sampling.ResolveSchedule(r.Scheduler, hint)
	kind, _ := rng.ParseKind(r.RNG)
	j := &job{
		e: e, r: r, ck: ck, ref: ref, vae: v, tok: tok, pos: pos, neg: neg,
		hint: hint, sched: sched, kind: kind, progress: progress, res: &res,
		texts: map[textKey]hostCond{}, loras: loras,
	}
	if in.init != nil {
		p := prepare(in, r)
		j.prep = &p
	}
	for b := 0; b < r.BatchCount; b++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := j.batch(ctx, b); err != nil {
			return res, err
		}
	}
	res.Timings.TotalS = time.Since(start).Seconds()
	e.log.Info("generated", "images", len(res.Images), "seed", res.Seed, "total_s", res.Timings.TotalS,
		"sample_s", res.Timings.SampleS, "decode_s", res.Timings.DecodeS)
	return res, nil
}

// job is one Generate call's state.
type job struct {
	e        *Engine
	r        Request
	ck, ref  *checkpoint
	vae      *vae.VAE
	tok      *clip.Tokenizer
	pos, neg *prompt.Prompt
	hint     sampling.ScheduleHint
	sched    sampling.Schedule
	kind     rng.Kind
	prep     *prepared
	progress func(Progress)
	res      *Result
	texts    map[textKey]hostCond // encoded prompt texts, reused across batches
	initLat  []float32            // the init image's latent, one item
	loras    []lora.Spec
	loraHash *string // "Lora hashes" metadata, once computed
}

type textKey struct {
	ck   *checkpoint
	text string
}

// condsFor encodes the prompt schedule of a pass for checkpoint ck and a
// batch of b, with SDXL's size (or refiner aesthetic) numbers.
func (j *job) condsFor(ctx context.Context, ck *checkpoint, b, steps, width, height int) (*condSet, error) {
	t := time.Now()
	defer func() { j.res.Timings.TextEncodeS += time.Since(t).Seconds() }()
	s := &condSet{pos: j.pos.Schedule(steps), neg: j.neg.Schedule(steps), dev: j.e.dev}
	numbers := func(positive bool) []float32 {
		switch ck.det.Family {
		case detect.FamilySDXLRefiner:
			// A1111's sdxl_refiner_high/low_aesthetic_score defaults.
			score := float32(2.5)
			if positive {
				score = 6
			}
			return unetSizesRefiner(height, width, score)
		case detect.FamilySDXL:
			return unetSizes(height, width)
		}
		return nil
	}
	build := func(list []prompt.ScheduledPrompt, positive bool) ([]*unetCond, error) {
		var out []*unetCond
		for _, sp := range list {
			key := textKey{ck, sp.Text}
			hc, ok := j.texts[key]
			if !ok {
				var err error
				if hc, err = encodeText(ctx, j.e.dev, ck, j.tok, sp.Text, j.r.ClipSkip, j.e.opts.FindEmbedding); err != nil {
					return out, err
				}
				j.texts[key] = hc
			}
			uc, err := toUNet(j.e.dev, ck.unet, hc, b, numbers(positive))
			if err != nil {
				return out, err
			}
			out = append(out, uc)
		}
		return out, nil
	}
	var err error
	s.posConds, err = build(s.pos, true)
	if err == nil {
		s.negConds, err = build(s.neg, false)
	}
	if err != nil {
		s.free()
		return nil, fmt.Errorf("text conditioning: %w", err)
	}
	return s, nil
}

// batch generates and saves the images of batch number b.
func (j *job) batch(ctx context.Context, b int) error {
	r := j.r
	bs := r.BatchSize
	seeds, subseeds := rng.Seeds(uint64(*r.Seed), uint64(r.Subseed), r.SubseedStrength, b*bs, bs)
	f := j.vae.Factor()
	C := j.ck.unet.Config.OutChannels
	h, w := r.Height/f, r.Width/f
	shape := []int{C, h, w}
	noise, err := rng.BatchNoise(j.kind, seeds, subseeds, r.SubseedStrength, shape, [2]int{})
	if err != nil {
		return err
	}
	full, err := sigmasFor(j.sched, j.hint, j.ck.schedule, r.Steps)
	if err != nil {
		return fmt.Errorf("schedule: %w", err)
	}

	// The starting latent and, for inpainting, what keeps the rest of the
	// picture.
	sigmas := full
	var x, initLat, lmask, extra []float32
	if j.prep == nil {
		x = scaled(noise, sigmas[0])
	} else {
		if initLat, err = j.initLatent(ctx); err != nil {
			return err
		}
		initLat = repeat(initLat, bs)
		sigmas = img2imgSigmas(full, *r.Strength)
		if j.prep.mask != nil {
			lmask = latentMask(*j.prep.mask, C, h, w, bs)
			switch r.InpaintFill {
			case FillLatentNoise:
				blendLatent(initLat, append([]float32(nil), noise...), lmask)
			case FillLatentNothing:
				blendLatent(initLat, make([]float32, len(initLat)), lmask)
			}
		}
		x = make([]float32, len(noise))
		for i := range x {
			x[i] = initLat[i] + noise[i]*float32(sigmas[0])
		}
	}
	if j.ck.det.Inpaint {
		if extra, err = j.inpaintChannels(ctx, r.Width, r.Height, bs); err != nil {
			return err
		}
	}

	// Sampling, handing over to the refiner at SwitchAt.
	t := time.Now()
	ns, err := stepNoise(j.kind, j.hint, seeds, shape, full)
	if err != nil {
		return err
	}
	total := len(sigmas) - 1
	parts := []struct {
		ck     *checkpoint
		sigmas []float64
		offset int
	}{{j.ck, sigmas, 0}}
	if j.ref != nil {
		k := int(r.Refiner.SwitchAt*float64(total) + 0.5)
		if k > 0 && k < total {
			parts = []struct {
				ck     *checkpoint
				sigmas []float64
				offset int
			}{{j.ck, sigmas[:k+1], 0}, {j.ref, sigmas[k:], k}}
		}
	}
	for _, p := range parts {
		stage := StageSample
		if p.ck == j.ref {
			stage = StageRefine
		}
		pe := extra
		if p.ck != j.ck {
			pe = nil // a refiner is never an inpainting UNet
		}
		x, err = j.sample(ctx, samplePass{
			ck: p.ck, x: x, sigmas: p.sigmas, noise: ns, b: bs, shape: shape, extra: pe,
			initLat: initLat, mask: lmask, steps: r.Steps, width: r.Width, height: r.Height,
			stage: stage, batch: b, offset: p.offset, total: total,
		})
		if err != nil {
			return err
		}
	}
	j.res.Steps = total
	if lmask != nil && !j.ck.det.Inpaint {
		blendLatent(x, initLat, lmask)
	}
	j.res.Timings.SampleS += time.Since(t).Seconds()

	width, height := r.Width, r.Height
	if r.Hires != nil {
		if x, width, height, err = j.hires(ctx, x, seeds, subseeds, b); err != nil {
			return err
		}
	}

	j.progress(Progress{Stage: StageDecode, Batch: b})
	t = time.Now()
	imgs, err := decodeLatents(ctx, j.e.dev, j.vae, x, bs, C, height/f, width/f)
	if err != nil {
		return err
	}
	j.res.Timings.DecodeS += time.Since(t).Seconds()
	if j.prep != nil && r.Hires == nil {
		for i := range imgs {
			imgs[i] = j.prep.finish(imgs[i])
		}
	}
	j.progress(Progress{Stage: StageSave, Batch: b})
	for i, img := range imgs {
		out, err := j.save(ctx, img, int64(seeds[i]), int64(subseeds[i]))
		if err != nil {
			return err
		}
		j.res.Images = append(j.res.Images, out)
	}
	return nil
}

// initLatent encodes the prepared init image once per job.
func (j *job) initLatent(ctx context.Context) ([]float32, error) {
	if j.initLat == nil {
		t := time.Now()
		lat, err := encodeImage(ctx, j.e.dev, j.vae, imageops.ToSigned(j.prep.image), j.r.Width, j.r.Height)
		if err != nil {
			return nil, err
		}
		j.res.Timings.DecodeS += time.Since(t).Seconds()
		j.initLat = lat
	}
	return j.initLat, nil
}

// inpaintChannels builds an inpainting UNet's extra input for a batch of b
// at width×height: the latent-size mask (1 = repaint) and the latent of the
// image with the masked area blanked (A1111's inpainting_image_conditioning).
// Without a mask (txt2img, img2img) the whole picture is "masked" and the
// masked image is blank grey.
func (j *job) inpaintChannels(ctx context.Context, width, height, b int) ([]float32, error) {
	f := j.vae.Factor()
	h, w := height/f, width/f
	signed := make([]float32, 3*width*height) // zeros: grey in [−1, 1]
	mask := make([]float32, h*w)
	for i := range mask {
		mask[i] = 1
	}
	if j.prep != nil && j.prep.mask != nil && width == j.r.Width && height == j.r.Height {
		signed = imageops.ToSigned(j.prep.image)
		pm := j.prep.mask.Pix
		plane := width * height
		for c := 0; c < 3; c++ {
			for i, m := range pm {
				if m >= 0.5 {
					signed[c*plane+i] = 0
				}
			}
		}
		mask = latentMask(*j.prep.mask, 1, h, w, 1)
	}
	lat, err := encodeImage(ctx, j.e.dev, j.vae, signed, width, height)
	if err != nil {
		return nil, err
	}
	item := append(append([]float32(nil), mask...), lat...)
	return repeat(item, b), nil
}

func scaled(x []float32, s float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(float64(v) * s)
	}
	return out
}
