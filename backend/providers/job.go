package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// cloudConcurrency is how many jobs run at once per cloud provider: enough
// to overlap network waits, few enough to stay under rate limits.
const cloudConcurrency = 3

// JobProvider runs p inside the jobs queue: it maps a job's request to a
// Request, calls Generate, saves every image through saver and returns the
// saved files as the job's outputs.
func JobProvider(p Provider, saver Saver) jobs.Provider {
	return &jobProvider{p: p, saver: saver}
}

type jobProvider struct {
	p     Provider
	saver Saver
}

func (j *jobProvider) Name() string     { return j.p.Name() }
func (j *jobProvider) Concurrency() int { return cloudConcurrency }

func (j *jobProvider) Run(ctx context.Context, job jobs.Job, report func(jobs.Progress)) ([]jobs.Output, error) {
	req, err := RequestFromJob(job.Request)
	if err != nil {
		return nil, err
	}
	report(jobs.Progress{Step: 0, Total: req.Images(), Message: "waiting for " + j.p.Name()})
	images, err := j.p.Generate(ctx, req)
	if err != nil {
		return nil, err
	}
	meta := Meta{JobID: job.ID, Provider: j.p.Name(), Request: req}
	out := make([]jobs.Output, 0, len(images))
	for i, img := range images {
		rec, err := j.saver.Save(ctx, meta, img)
		if err != nil {
			return out, fmt.Errorf("save image %d of %d: %w", i+1, len(images), err)
		}
		o := jobs.Output{Path: rec.Path, Width: rec.Width, Height: rec.Height, Seed: rec.Seed}
		if img.RevisedPrompt != "" {
			o.Metadata = map[string]any{"revisedPrompt": img.RevisedPrompt}
		}
		out = append(out, o)
		report(jobs.Progress{Step: i + 1, Total: len(images), Message: "saved " + rec.Path})
	}
	return out, nil
}

// Keys of jobs.Request.Params a cloud job reads. Input images are file
// paths or data: URLs.
const (
	ParamSize        = "size"
	ParamAspectRatio = "aspectRatio"
	ParamN           = "n"
	ParamBatchSize   = "batchSize" // the local form's name for N
	ParamSeed        = "seed"      // -1 or absent: random
	ParamOptions     = "options"   // object of strings, numbers or booleans
	ParamInitImages  = "initImages"
	ParamInitImage   = "initImage"
	ParamMask        = "mask"
)

// RequestFromJob maps a queued request to a provider Request. Params are
// JSON-shaped (numbers may be float64, json.Number or Go integers).
func RequestFromJob(r jobs.Request) (Request, error) {
	req := Request{Model: r.Model, Prompt: r.Prompt, NegativePrompt: r.NegativePrompt}
	p := r.Params
	var err error
	if req.Size, err = stringParam(p, ParamSize); err != nil {
		return Request{}, err
	}
	if req.AspectRatio, err = stringParam(p, ParamAspectRatio); err != nil {
		return Request{}, err
	}
	for _, k := range []string{ParamN, ParamBatchSize} {
		if _, ok := p[k]; ok {
			n, err := intParam(p, k)
			if err != nil {
				return Request{}, err
			}
			if n < 0 || n > 100 {
				return Request{}, Invalid(k, "%d is out of range", n)
			}
			req.N = int(n)
			break
		}
	}
	if _, ok := p[ParamSeed]; ok {
		s, err := intParam(p, ParamSeed)
		if err != nil {
			return Request{}, err
		}
		if s >= 0 {
			req.Seed = &s
		}
	}
	if req.Options, err = optionsParam(p[ParamOptions]); err != nil {
		return Request{}, err
	}
	var sources []string
	if v, ok := p[ParamInitImages]; ok {
		list, ok := v.([]any)
		if !ok {
			if ss, isStrings := v.([]string); isStrings {
				for _, s := range ss {
					list = append(list, s)
				}
			} else {
				return Request{}, Invalid(ParamInitImages, "want a list of file paths or data URLs")
			}
		}
		for i, item := range list {
			s, ok := item.(string)
			if !ok {
				return Request{}, Invalid(fmt.Sprintf("%s[%d]", ParamInitImages, i), "want a file path or data URL")
			}
			sources = append(sources, s)
		}
	}
	if s, err := stringParam(p, ParamInitImage); err != nil {
		return Request{}, err
	} else if s != "" {
		sources = append(sources, s)
	}
	for i, src := range sources {
		b, err := LoadImage(src)
		if err != nil {
			return Request{}, Invalid(fmt.Sprintf("%s[%d]", ParamInitImages, i), "%v", err)
		}
		req.InitImages = append(req.InitImages, b)
	}
	if s, err := stringParam(p, ParamMask); err != nil {
		return Request{}, err
	} else if s != "" {
		if req.Mask, err = LoadImage(s); err != nil {
			return Request{}, Invalid(ParamMask, "%v", err)
		}
	}
	return req, nil
}

// LoadImage reads an input image from a file path or a base64 data: URL,
// refusing anything over MaxInputBytes.
func LoadImage(src string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(src, "data:"); ok {
		_, data, found := strings.Cut(rest, ";base64,")
		if !found {
			return nil, errors.New("data URL is not base64")
		}
		if base64.StdEncoding.DecodedLen(len(data)) > MaxInputBytes {
			return nil, fmt.Errorf("image larger than %d MiB", MaxInputBytes>>20)
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("data URL: %w", err)
		}
		return b, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxInputBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", src, MaxInputBytes>>20)
	}
	b := make([]byte, info.Size())
	if _, err := f.ReadAt(b, 0); err != nil && info.Size() > 0 {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	return b, nil
}

func stringParam(p map[string]any, k string) (string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", Invalid(k, "want a string, got %T", v)
	}
	return s, nil
}

func intParam(p map[string]any, k string) (int64, error) {
	switch v := p[k].(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, Invalid(k, "%v is not a whole number", v)
		}
		return int64(v), nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, Invalid(k, "%q is not a whole number", v.String())
		}
		return n, nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, Invalid(k, "%q is not a whole number", v)
		}
		return n, nil
	}
	return 0, Invalid(k, "want a number, got %T", p[k])
}

func optionsParam(v any) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	out := map[string]string{}
	add := func(k string, x any) error {
		switch x := x.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			out[k] = x.String()
		case int:
			out[k] = strconv.Itoa(x)
		default:
			return Invalid(ParamOptions+"."+k, "want a string, number or boolean, got %T", x)
		}
		return nil
	}
	switch m := v.(type) {
	case map[string]string:
		for k, x := range m {
			out[k] = x
		}
	case map[string]any:
		for k, x := range m {
			if err := add(k, x); err != nil {
				return nil, err
			}
		}
	default:
		return nil, Invalid(ParamOptions, "want an object, got %T", v)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
