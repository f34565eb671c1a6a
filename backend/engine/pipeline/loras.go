package pipeline

import (
	"fmt"

	"github.com/dreamlayer/dreamlayer/backend/engine/lora"
	"github.com/dreamlayer/dreamlayer/backend/engine/prompt"
)

// loraSpecs gathers the LoRAs of a job: the prompt's <lora:…> and <lyco:…>
// tags (A1111 reads them from the positive and the negative prompt) and
// Request.Loras, each resolved to a file.
func (e *Engine) loraSpecs(r Request, prompts ...*prompt.Prompt) ([]lora.Spec, error) {
	var specs []lora.Spec
	find := func(field, name string) (string, error) {
		if e.opts.FindLora == nil {
			return "", invalid(field, "LoRA %q: no LoRA folder to look names up in; give a path", name)
		}
		p, err := e.opts.FindLora(name)
		if err != nil {
			return "", invalid(field, "LoRA %q: %v", name, err)
		}
		return p, nil
	}
	for _, p := range prompts {
		for _, n := range p.Networks {
			if n.Kind != "lora" && n.Kind != "lyco" {
				e.log.Warn("extra network kind not supported; ignored", "kind", n.Kind, "name", n.Name)
				continue
			}
			path, err := find("Prompt", n.Name)
			if err != nil {
				return nil, err
			}
			s := lora.Spec{Path: path, Weight: n.UNetWeight}
			if n.TextWeight != n.UNetWeight {
				s.TEWeight = ptr(n.TextWeight)
			}
			specs = append(specs, s)
		}
	}
	for i, l := range r.Loras {
		path := l.Path
		if path == "" {
			var err error
			if path, err = find(fmt.Sprintf("Loras[%d]", i), l.Name); err != nil {
				return nil, err
			}
		}
		specs = append(specs, lora.Spec{Path: path, Weight: l.Weight})
	}
	return specs, nil
}
