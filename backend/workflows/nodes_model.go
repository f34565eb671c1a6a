package workflows

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
)

// Bounds of ComfyUI's widgets.
const (
	maxSide    = 8192
	maxBatch   = 64
	maxSteps   = 10000
	maxSeed    = 1<<64 - 1
	maxLoraStr = 100
)

// coreNodes lists the built-in node types. The tokenizer is shared by the
// text-encode nodes of one registry and built on first use.
func coreNodes() []NodeSpec {
	tok := sync.OnceValues(clip.NewTokenizer)
	nodes := []NodeSpec{
		{Class: "CheckpointLoaderSimple", Outputs: []Type{TypeModel, TypeClip, TypeVAE},
			Inputs: []InputSpec{{Name: "ckpt_name", Type: TypeCombo, File: FileCheckpoint}},
			Run:    runCheckpointLoader},
		{Class: "VAELoader", Outputs: []Type{TypeVAE},
			Inputs: []InputSpec{{Name: "vae_name", Type: TypeCombo, File: FileVAE}},
			Run: func(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
				path, err := rc.Resolve(FileVAE, a.String("vae_name"))
				if err != nil {
					return nil, err
				}
				v, err := loadVAE(rc.Device, path)
				if err != nil {
					return nil, err
				}
				return []any{vaeValue{v}}, nil
			}},
		{Class: "LoraLoader", Outputs: []Type{TypeModel, TypeClip},
			Inputs: []InputSpec{{Name: "model", Type: TypeModel}, {Name: "clip", Type: TypeClip},
				{Name: "lora_name", Type: TypeCombo, File: FileLora},
				{Name: "strength_model", Type: TypeFloat, Min: -maxLoraStr, Max: maxLoraStr},
				{Name: "strength_clip", Type: TypeFloat, Min: -maxLoraStr, Max: maxLoraStr}},
			Run: runLoraLoader},
		{Class: "LoraLoaderModelOnly", Outputs: []Type{TypeModel},
			Inputs: []InputSpec{{Name: "model", Type: TypeModel},
				{Name: "lora_name", Type: TypeCombo, File: FileLora},
				{Name: "strength_model", Type: TypeFloat, Min: -maxLoraStr, Max: maxLoraStr}},
			Run: runLoraLoader},
		{Class: "CLIPSetLastLayer", Outputs: []Type{TypeClip},
			Inputs: []InputSpec{{Name: "clip", Type: TypeClip}, {Name: "stop_at_clip_layer", Type: TypeInt, Min: -24, Max: -1}},
			Run: func(_ context.Context, _ *RunContext, a Args) ([]any, error) {
				c := a.Value("clip").(clipValue)
				c.skip = int(-a.Int("stop_at_clip_layer"))
				return []any{c}, nil
			}},
		{Class: "CLIPTextEncode", Outputs: []Type{TypeConditioning},
			Inputs: []InputSpec{{Name: "text", Type: TypeString}, {Name: "clip", Type: TypeClip}},
			Run: func(ctx context.Context, _ *RunContext, a Args) ([]any, error) {
				t, err := tok()
				if err != nil {
					return nil, fmt.Errorf("tokenizer: %w", err)
				}
				e, err := encodeText(ctx, a.Value("clip").(clipValue), t, a.String("text"))
				if err != nil {
					return nil, err
				}
				return []any{Conditioning{e}}, nil
			}},
	}
	nodes = append(nodes, condNodes()...)
	nodes = append(nodes, sampleNodes()...)
	nodes = append(nodes, vaeNodes()...)
	nodes = append(nodes, imageNodes()...)
	return nodes
}

func runCheckpointLoader(ctx context.Context, rc *RunContext, a Args) ([]any, error) {
	path, err := rc.Resolve(FileCheckpoint, a.String("ckpt_name"))
	if err != nil {
		return nil, err
	}
	ck, err := loadCheckpoint(ctx, rc.Device, path)
	if err != nil {
		return nil, err
	}
	var v any
	if ck.vae != nil {
		v = vaeValue{ck.vae}
	}
	return []any{modelValue{ck: ck}, clipValue{ck: ck}, v}, nil
}

// runLoraLoader appends the LoRA to the MODEL (and CLIP) value's set; the
// weights are patched when a sampler or text encoder runs with that set.
func runLoraLoader(_ context.Context, rc *RunContext, a Args) ([]any, error) {
	path, err := rc.Resolve(FileLora, a.String("lora_name"))
	if err != nil {
		return nil, err
	}
	m := a.Value("model").(modelValue)
	sm := a.Float("strength_model")
	spec := lora.Spec{Path: path, Weight: sm}
	if !a.Has("clip") {
		zero := 0.0
		spec.TEWeight = &zero
		m.loras = append(slices.Clone(m.loras), spec)
		return []any{m}, nil
	}
	sc := a.Float("strength_clip")
	spec.TEWeight = &sc
	c := a.Value("clip").(clipValue)
	m.loras = append(slices.Clone(m.loras), spec)
	c.loras = append(slices.Clone(c.loras), spec)
	return []any{m, c}, nil
}

// encodeText runs the text encoders on a prompt with A1111's emphasis
// syntax ((word:1.2)), in 77-token windows joined along the tokens, and
// SDXL's encoders joined along the channels (as the pipeline does).
// ComfyUI weighs emphasis differently (towards the empty prompt's
// encoding); DreamLayer keeps one weighting everywhere.
func encodeText(ctx context.Context, cv clipValue, tok *clip.Tokenizer, text string) (condEntry, error) {
	if len(text) > prompt.MaxPromptBytes {
		return condEntry{}, fmt.Errorf("text longer than %d bytes", prompt.MaxPromptBytes)
	}
	chunks, err := prompt.Chunks(text, tok.Encode, nil)
	if err != nil {
		return condEntry{}, err
	}
	ck := cv.ck
	var out condEntry
	out.end = 1
	parts := make([][]float32, len(ck.encoders))
	widths := make([]int, len(ck.encoders))
	err = ck.withLoras(ctx, cv.loras, func() error {
		for ei, te := range ck.encoders {
			sp := prompt.SpecialTokens{Start: clip.StartToken, End: clip.EndToken, Pad: te.Config.Pad}
			windows := make([][]int, len(chunks))
			wts := make([][]float32, len(chunks))
			for i, c := range chunks {
				windows[i], wts[i] = c.Window(sp)
			}
			hidden, pooled, err := te.EncodeWithEmbeddings(ctx, windows, nil, cv.skip)
			if err != nil {
				return fmt.Errorf("text encoder %s: %w", te.Config.Kind, err)
			}
			d := hidden.Shape()
			z, err := ck.dev.Download(hidden)
			var p []float32
			last := ei == len(ck.encoders)-1
			if err == nil && last && ck.unet.Config.ADMInChannels > 0 && len(pooled.Shape()) > 0 {
				p, err = ck.dev.Download(pooled)
			}
			freeAll(ck, hidden, pooled)
			if err != nil {
				return fmt.Errorf("text encoder %s: %w", te.Config.Kind, err)
			}
			n, width := d[1], d[2]
			for i := range chunks {
				prompt.ApplyEmphasis(z[i*n*width:(i+1)*n*width], n, width, wts[i])
			}
			parts[ei], widths[ei] = z, width
			if p != nil {
				out.pooled = p[:len(p)/len(chunks)]
			}
			out.tokens = len(chunks) * n
		}
		return nil
	})
	if err != nil {
		return condEntry{}, err
	}
	for _, w := range widths {
		out.width += w
	}
	if len(parts) == 1 {
		out.hidden = parts[0]
		return out, nil
	}
	out.hidden = make([]float32, 0, out.tokens*out.width)
	for t := 0; t < out.tokens; t++ {
		for ei, p := range parts {
			out.hidden = append(out.hidden, p[t*widths[ei]:(t+1)*widths[ei]]...)
		}
	}
	return out, nil
}
