package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/dreamlayer/dreamlayer/backend/events"
	"github.com/dreamlayer/dreamlayer/backend/outputs"
	"github.com/dreamlayer/dreamlayer/backend/providers"
	"github.com/dreamlayer/dreamlayer/backend/providers/builtin"
	"github.com/dreamlayer/dreamlayer/backend/secrets"
)

// cloudGenerateUsage lists generate's options for a cloud provider.
const cloudGenerateUsage = "generate --provider openai|ideogram|bfl --model ID --prompt TEXT [--negative TEXT] [--size WxH] [--aspect-ratio W:H] [--n N] [--seed S] [--init-image F]… [--mask F] [--option KEY=VALUE]… [--out DIR]"

// runCloudGenerate is `dreamlayer generate --provider X …`: one request to a
// cloud provider through the same provider code and saver the app uses,
// printing each written file's path. args may still hold --provider; it must
// then agree with provider.
func runCloudGenerate(ctx context.Context, env *Env, provider string, args []string) error {
	fs := newFlags(env, "generate")
	var (
		model, prompt, negative, size, aspect, mask, out, providerFlag string
		n                                                              int
		seed                                                           int64
		inits                                                          multiFlag
		options                                                        multiFlag
	)
	fs.StringVar(&providerFlag, "provider", provider, "cloud provider: "+strings.Join(builtin.Names(), ", "))
	fs.StringVar(&model, "model", "", "model id (see the provider's models)")
	fs.StringVar(&prompt, "prompt", "", "prompt")
	fs.StringVar(&negative, "negative", "", "negative prompt (models that take one)")
	fs.StringVar(&size, "size", "", "image size WxH (or auto)")
	fs.StringVar(&aspect, "aspect-ratio", "", "aspect ratio W:H (models that take one)")
	fs.IntVar(&n, "n", 1, "number of images")
	fs.Int64Var(&seed, "seed", -1, "seed (-1: random; models that take one)")
	fs.Var(&inits, "init-image", "input image for an edit (repeatable)")
	fs.StringVar(&mask, "mask", "", "mask PNG for an edit (transparent = repaint)")
	fs.Var(&options, "option", "model option KEY=VALUE, e.g. quality=hd (repeatable)")
	fs.StringVar(&out, "out", "", "output folder (default: the settings' output folder)")
	if _, err := parseInterleaved(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return err
	}
	if provider != "" && providerFlag != provider {
		return usageErr("--provider %q given twice with different values (%q)", provider, providerFlag)
	}
	name := strings.ToLower(strings.TrimSpace(providerFlag))
	if p, err := secrets.ParseProvider(name); err == nil {
		name = string(p) // "flux" → "bfl"
	}
	switch {
	case name == "":
		return usageErr("--provider is required (%s)", strings.Join(builtin.Names(), ", "))
	case model == "":
		return usageErr("--model is required")
	case strings.TrimSpace(prompt) == "":
		return usageErr("--prompt is required")
	}

	req := providers.Request{Model: model, Prompt: prompt, NegativePrompt: negative, Size: size, AspectRatio: aspect, N: n}
	if seed >= 0 {
		req.Seed = &seed
	}
	for _, kv := range options {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usageErr("--option %q: want KEY=VALUE", kv)
		}
		if req.Options == nil {
			req.Options = map[string]string{}
		}
		req.Options[strings.TrimSpace(k)] = v
	}
	for _, f := range inits {
		b, err := providers.LoadImage(f)
		if err != nil {
			return fmt.Errorf("--init-image: %w", err)
		}
		req.InitImages = append(req.InitImages, b)
	}
	if mask != "" {
		b, err := providers.LoadImage(mask)
		if err != nil {
			return fmt.Errorf("--mask: %w", err)
		}
		req.Mask = b
	}

	s, err := openStudio(env)
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := builtin.New(s.CloudConfig(), name)
	if err != nil {
		return err
	}
	dir := out
	if dir == "" {
		dir = s.OutputDir()
	}
	saver := outputs.NewSaver(func() string { return dir }, s.History, events.Nop{}, s.Logger.Logger)
	images, err := p.Generate(ctx, req)
	if err != nil {
		return err
	}
	meta := providers.Meta{Provider: p.Name(), Request: req}
	for i, img := range images {
		rec, err := saver.Save(ctx, meta, img)
		if rec.Path != "" {
			fmt.Fprintln(env.Stdout, rec.Path)
		}
		if err != nil {
			return fmt.Errorf("image %d of %d: %w", i+1, len(images), err)
		}
		if img.RevisedPrompt != "" {
			fmt.Fprintf(env.Stderr, "revised prompt: %s\n", img.RevisedPrompt)
		}
	}
	return nil
}

// cloudConfig is the providers configuration of a studio: base URL
// overrides from settings (the environment wins inside providers), keys from
// the keychain service, logs to the app log.
// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
