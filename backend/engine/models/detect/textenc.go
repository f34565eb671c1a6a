package detect

import "strings"

// textSlot is a place a checkpoint keeps a text encoder, and what it
// says about the family.
type textSlot struct {
	prefix string
	layout string
	kind   string
	family Family
}

// checkpointSlots lists the LDM/sgm text-encoder locations. SD 1.x files
// from older transformers lack the text_model level.
func checkpointSlots() []textSlot {
	return []textSlot{
		{"cond_stage_model.transformer.text_model.", LayoutHF, KindCLIPL, FamilySD1},
		{"cond_stage_model.transformer.", LayoutHF, KindCLIPL, FamilySD1},
		{"cond_stage_model.model.", LayoutOpenCLIP, KindOpenCLIPH, FamilySD2},
		{"conditioner.embedders.0.transformer.text_model.", LayoutHF, KindCLIPL, FamilySDXL},
		{"conditioner.embedders.1.model.", LayoutOpenCLIP, KindOpenCLIPG, FamilySDXL},
		{"conditioner.embedders.0.model.", LayoutOpenCLIP, KindOpenCLIPG, FamilySDXLRefiner},
	}
}

// textAt reports whether a text encoder of the given layout starts at p.
func (x *index) textAt(p, layout string) bool {
	if layout == LayoutHF {
		return x.has(p+"embeddings.token_embedding.weight") && x.hasPrefix(p+"encoder.layers.0.")
	}
	return x.has(p+"token_embedding.weight") && x.hasPrefix(p+"transformer.resblocks.0.")
}

// findTextEncoders returns the checkpoint's text encoders, or a standalone
// one, and the family their locations imply ("" for standalone).
func findTextEncoders(x *index) ([]textSlot, Family, error) {
	var found []textSlot
	for _, s := range checkpointSlots() {
		if s.prefix == "cond_stage_model.transformer." && len(found) > 0 {
			continue // the text_model form was found
		}
		if x.textAt(s.prefix, s.layout) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		for _, s := range []textSlot{{"text_model.", LayoutHF, "", ""}, {"", LayoutOpenCLIP, "", ""}} {
			if x.textAt(s.prefix, s.layout) {
				return []textSlot{s}, "", nil
			}
		}
		return nil, "", nil
	}
	family := found[0].family
	for _, s := range found[1:] {
		if s.family != family {
			return nil, "", unsupported("text encoders of both %s and %s", family, s.family)
		}
	}
	if family == FamilySDXL && len(found) != 2 {
		return nil, "", unsupported("SDXL checkpoint with only its %s text encoder", found[0].kind)
	}
	return found, family, nil
}

// textFromShapes reads a text encoder's sizes; defaults come later, once
// the family is known.
func textFromShapes(x *index, s textSlot) (TextEncoderConfig, error) {
	c := TextEncoderConfig{Kind: s.kind, Layout: s.layout, Prefix: s.prefix}
	var tok, pos []int
	var err error
	if s.layout == LayoutHF {
		if tok, err = x.shape(s.prefix+"embeddings.token_embedding.weight", 2); err != nil {
			return c, err
		}
		if pos, err = x.shape(s.prefix+"embeddings.position_embedding.weight", 2); err != nil {
			return c, err
		}
		c.Layers = x.count(s.prefix + "encoder.layers.%d.")
		// transformers keeps text_projection beside text_model, not in it.
		proj := strings.TrimSuffix(s.prefix, "text_model.") + "text_projection.weight"
		if x.has(proj) {
			if c.Projection, err = x.dim(proj, 2, 0); err != nil {
				return c, err
			}
		}
	} else {
		if tok, err = x.shape(s.prefix+"token_embedding.weight", 2); err != nil {
			return c, err
		}
		if pos, err = x.shape(s.prefix+"positional_embedding", 2); err != nil {
			return c, err
		}
		c.Layers = x.count(s.prefix + "transformer.resblocks.%d.")
		if x.has(s.prefix + "text_projection") {
			if c.Projection, err = x.dim(s.prefix+"text_projection", 2, 1); err != nil {
				return c, err
			}
		}
	}
	c.VocabSize, c.Width, c.MaxPositions = tok[0], tok[1], pos[0]
	if pos[1] != c.Width {
		return c, unsupported("text encoder at %q: position width %d, token width %d", s.prefix, pos[1], c.Width)
	}
	if c.Width%attnHeadDim != 0 {
		return c, unsupported("text encoder at %q: width %d is not a multiple of the head width %d", s.prefix, c.Width, attnHeadDim)
	}
	if c.Kind == "" {
		c.Kind = standaloneKind(c.Layout, c.Width)
	}
	return c, nil
}
