package prompts

import (
	"math/rand/v2"
	"strings"
)

// Prompt is a positive and negative prompt pair.
type Prompt struct {
	Positive string `json:"positive"`
	Negative string `json:"negative"`
}

// Generator makes random prompts from fixed word lists. It holds no random
// state: each call seeds its own source, so a Generator is safe for
// concurrent use and the same seed always gives the same prompt.
type Generator struct {
	subjects, media, styles, lighting, cameras, palettes, negatives []string
}

// NewGenerator returns a Generator over DreamLayer's built-in word lists.
func NewGenerator() *Generator {
	return &Generator{
		subjects:  subjects(),
		media:     media(),
		styles:    styles(),
		lighting:  lighting(),
		cameras:   cameras(),
		palettes:  palettes(),
		negatives: negatives(),
	}
}

// pcgStream is the PCG stream constant; any fixed odd value works, it only
// has to stay the same so seeds keep giving the same prompts across versions.
const pcgStream = 0x9e3779b97f4a7c15

// How often each optional part appears, out of 100. The subject always does.
const (
	pctMedium   = 85
	pctStyle    = 70
	pctLighting = 75
	pctCamera   = 60
	pctPalette  = 55
)

// Number of negative fragments drawn.
const minNegatives, maxNegatives = 4, 8

// Random returns the prompt for seed:
// "<subject>, <medium>, <style>, <lighting>, <camera>, <colour>" where every
// part but the subject may be left out, and a negative prompt of distinct
// fragments.
func (g *Generator) Random(seed int64) Prompt {
	r := rand.New(rand.NewPCG(uint64(seed), pcgStream))
	parts := []string{pick(r, g.subjects)}
	for _, opt := range []struct {
		pct  int
		list []string
	}{
		{pctMedium, g.media},
		{pctStyle, g.styles},
		{pctLighting, g.lighting},
		{pctCamera, g.cameras},
		{pctPalette, g.palettes},
	} {
		// Draw the choice even when the part is skipped, so one part being
		// left out does not shift every later choice for nearby seeds.
		word := pick(r, opt.list)
		if r.IntN(100) < opt.pct {
			parts = append(parts, word)
		}
	}
	n := minNegatives + r.IntN(maxNegatives-minNegatives+1)
	neg := make([]string, 0, n)
	for _, i := range r.Perm(len(g.negatives))[:min(n, len(g.negatives))] {
		neg = append(neg, g.negatives[i])
	}
	return Prompt{Positive: strings.Join(parts, ", "), Negative: strings.Join(neg, ", ")}
}

func pick(r *rand.Rand, list []string) string {
	return list[r.IntN(len(list))]
}
