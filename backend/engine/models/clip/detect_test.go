package clip_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/engine/compute/cpu"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/clip"
	"github.com/dreamlayer/dreamlayer/backend/engine/models/detect"
	"github.com/dreamlayer/dreamlayer/backend/engine/nn"
	"github.com/dreamlayer/dreamlayer/backend/engine/tensor"
)

// TestLoadFromDetect feeds detect's configs straight into Load: prefixes,
// layouts and family defaults must line up without the caller adjusting
// anything. Widths are multiples of 64, detect's head width.
func TestLoadFromDetect(t *testing.T) {
	tests := []struct {
		name     string
		encoders []tiny // the file's text encoders, in conditioning order
	}{
		{"sd1 checkpoint", []tiny{{detect.LayoutHF, "cond_stage_model.transformer.text_model.", "quick_gelu", "last", true, 64, 1, 2, 0}}},
		{"sd2 checkpoint", []tiny{{detect.LayoutOpenCLIP, "cond_stage_model.model.", "gelu", "penultimate", true, 128, 2, 3, 64}}},
		{"standalone transformers", []tiny{{detect.LayoutHF, "text_model.", "quick_gelu", "last", true, 64, 1, 2, 32}}},
		{"standalone open_clip", []tiny{{detect.LayoutOpenCLIP, "", "gelu", "penultimate", true, 128, 2, 2, 64}}},
		{"sdxl checkpoint", []tiny{
			{detect.LayoutHF, "conditioner.embedders.0.transformer.text_model.", "quick_gelu", "penultimate", false, 64, 1, 3, 0},
			{detect.LayoutOpenCLIP, "conditioner.embedders.1.model.", "gelu", "penultimate", false, 128, 2, 3, 64},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := map[string][]int{}
			for _, c := range tc.encoders {
				for k, v := range c.spec() {
					spec[k] = v
				}
			}
			src := nn.RandomSource(spec, 21)
			m, err := detect.Detect(src, detect.Overrides{})
			require.NoError(t, err)
			require.Len(t, m.TextEncoders, len(tc.encoders))

			dev := cpu.New(1)
			var encs []*clip.TextEncoder
			for i, c := range tc.encoders {
				cfg := m.TextEncoders[i]
				require.Equal(t, c.prefix, cfg.Prefix)
				enc, err := clip.Load(nn.NewWeights(src, dev), cfg)
				require.NoError(t, err)
				encs = append(encs, enc)

				// Detect's own defaults (activation, layer, norm) decide the
				// reference here, so a disagreement with the tiny fixture shows.
				c.activation, c.layer, c.normHidden = cfg.Activation, cfg.Layer, cfg.NormHidden
				c.heads = cfg.Heads
				pad := cfg.Pad % tinyVocab // 49407 (CLIP-L) folded into the tiny vocabulary
				ids := []int{tinyStart, 5, 9, tinyEnd, pad, pad}
				depth := c.layers
				if cfg.Layer == "penultimate" {
					depth--
				}
				hidden, pooled, err := enc.Encode(t.Context(), ids, 0)
				require.NoError(t, err)
				wantH, wantP := loadRef(t, src, c).encode(ids, depth)
				requireClose(t, wantH, download(t, dev, hidden))
				assert.Equal(t, wantP == nil, pooled.IsZero())
				if wantP != nil {
					requireClose(t, wantP, download(t, dev, pooled))
				}
			}
			if len(encs) == 2 {
				ids := []int{tinyStart, 5, 9, tinyEnd, tinyEnd, tinyEnd}
				hidden, pooled, err := clip.EncodeSDXL(t.Context(), encs[0], encs[1], ids, ids, 0)
				require.NoError(t, err)
				assert.Equal(t, tensor.Shape{1, len(ids), 64 + 128}, hidden.Shape())
				assert.Equal(t, tensor.Shape{1, 64}, pooled.Shape())
			}
		})
	}
}
