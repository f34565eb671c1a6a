package pnginfo

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// invokeMeta is InvokeAI's "invokeai_metadata" (v3 and later). The model was
// {"model_name": …} in 3.0–3.x and {"name": …, "hash": …} from 4.0.
type invokeMeta struct {
	PositivePrompt string       `json:"positive_prompt"`
	NegativePrompt string       `json:"negative_prompt"`
	Seed           *json.Number `json:"seed"`
	Steps          *json.Number `json:"steps"`
	CFGScale       *json.Number `json:"cfg_scale"`
	Scheduler      string       `json:"scheduler"`
	Width          *json.Number `json:"width"`
	Height         *json.Number `json:"height"`
	Strength       *json.Number `json:"strength"`
	Model          *struct {
		Name      string `json:"name"`
		ModelName string `json:"model_name"`
		Hash      string `json:"hash"`
	} `json:"model"`
}

// InvokeAIParameters extracts Parameters from InvokeAI v3+ metadata:
// positive_prompt, negative_prompt, seed, steps, cfg_scale, scheduler (as
// Sampler, InvokeAI's own name such as "dpmpp_2m_k"), width, height,
// strength (img2img denoising) and model.name (or model.model_name).
func InvokeAIParameters(meta []byte) (Parameters, error) {
	var m invokeMeta
	if err := decodeNumbers(meta, &m); err != nil {
		return Parameters{}, fmt.Errorf("decode InvokeAI metadata: %w", err)
	}
	p := Parameters{
		Prompt:         m.PositivePrompt,
		NegativePrompt: m.NegativePrompt,
		Sampler:        m.Scheduler,
	}
	setNumbers(&p, m.Seed, m.Steps, m.CFGScale, m.Width, m.Height)
	if m.Strength != nil {
		d := toFloat(*m.Strength)
		p.DenoisingStrength = &d
	}
	if m.Model != nil {
		p.Model = m.Model.Name
		if p.Model == "" {
			p.Model = m.Model.ModelName
		}
		p.ModelHash = m.Model.Hash
	}
	return p, nil
}

// invokeLegacy is InvokeAI v2's "sd-metadata". The prompt is a string or a
// list of {prompt, weight}.
type invokeLegacy struct {
	ModelWeights string `json:"model_weights"`
	ModelHash    string `json:"model_hash"`
	Image        struct {
		Prompt   json.RawMessage `json:"prompt"`
		Steps    *json.Number    `json:"steps"`
		CFGScale *json.Number    `json:"cfg_scale"`
		Seed     *json.Number    `json:"seed"`
		Width    *json.Number    `json:"width"`
		Height   *json.Number    `json:"height"`
		Sampler  string          `json:"sampler"`
		Strength *json.Number    `json:"strength"`
	} `json:"image"`
}

// InvokeAILegacyParameters extracts Parameters from InvokeAI v2
// "sd-metadata". v2 kept the negative prompt inside the prompt in [brackets];
// it is left there.
func InvokeAILegacyParameters(meta []byte) (Parameters, error) {
	var m invokeLegacy
	if err := decodeNumbers(meta, &m); err != nil {
		return Parameters{}, fmt.Errorf("decode InvokeAI sd-metadata: %w", err)
	}
	p := Parameters{Sampler: m.Image.Sampler, Model: m.ModelWeights, ModelHash: m.ModelHash}
	var s string
	var list []struct {
		Prompt string `json:"prompt"`
	}
	switch {
	case json.Unmarshal(m.Image.Prompt, &s) == nil:
		p.Prompt = s
	case json.Unmarshal(m.Image.Prompt, &list) == nil && len(list) > 0:
		p.Prompt = list[0].Prompt
	}
	setNumbers(&p, m.Image.Seed, m.Image.Steps, m.Image.CFGScale, m.Image.Width, m.Image.Height)
	if m.Image.Strength != nil {
		d := toFloat(*m.Image.Strength)
		p.DenoisingStrength = &d
	}
	return p, nil
}

func setNumbers(p *Parameters, seed, steps, cfg, width, height *json.Number) {
	if seed != nil {
		p.Seed, _ = parseSeed(seed.String())
	}
	if steps != nil {
		p.Steps = toInt(*steps)
	}
	if cfg != nil {
		p.CFGScale = toFloat(*cfg)
	}
	if width != nil {
		p.Width = toInt(*width)
	}
	if height != nil {
		p.Height = toInt(*height)
	}
}

// decodeNumbers decodes JSON keeping numbers exact (seeds exceed float64's
// integer range).
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
