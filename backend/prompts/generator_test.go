package prompts

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWordLists(t *testing.T) {
	lists := map[string][]string{
		"subjects": subjects(), "media": media(), "styles": styles(), "lighting": lighting(),
		"cameras": cameras(), "palettes": palettes(), "negatives": negatives(),
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			assert.GreaterOrEqual(t, len(list), 25)
			seen := map[string]bool{}
			for _, w := range list {
				assert.False(t, seen[w], "duplicate %q", w)
				seen[w] = true
				assert.Equal(t, strings.TrimSpace(w), w)
				assert.NotEmpty(t, w)
				// Parts are joined with ", "; a comma inside one would blur
				// the grammar's part boundaries.
				assert.NotContains(t, w, ",")
			}
		})
	}
}

func TestRandomIsDeterministic(t *testing.T) {
	for _, seed := range []int64{0, 1, 42, -1, math.MaxInt64, math.MinInt64} {
		a := NewGenerator().Random(seed)
		b := NewGenerator().Random(seed)
		assert.Equal(t, a, b, "seed %d", seed)
		assert.NotEmpty(t, a.Positive)
		assert.NotEmpty(t, a.Negative)
	}
}

func TestRandomVaries(t *testing.T) {
	g := NewGenerator()
	seen := map[string]bool{}
	subjectsSeen := map[string]bool{}
	for seed := range int64(200) {
		p := g.Random(seed)
		seen[p.Positive] = true
		subjectsSeen[strings.Split(p.Positive, ", ")[0]] = true
	}
	// 200 seeds over 32 subjects and five optional parts: nearly all differ.
	assert.Greater(t, len(seen), 190)
	assert.Greater(t, len(subjectsSeen), 25, "draws spread over the subject list")
}

// TestRandomGrammar checks every prompt follows
// "<subject>[, medium][, style][, lighting][, camera][, colour]".
func TestRandomGrammar(t *testing.T) {
	g := NewGenerator()
	order := [][]string{g.media, g.styles, g.lighting, g.cameras, g.palettes}
	partCounts := map[int]int{}
	for seed := range int64(500) {
		p := g.Random(seed)
		parts := strings.Split(p.Positive, ", ")
		require.Contains(t, g.subjects, parts[0], "seed %d", seed)
		next := 0
		for _, part := range parts[1:] {
			for next < len(order) && !slices.Contains(order[next], part) {
				next++
			}
			require.Less(t, next, len(order), "seed %d: part %q out of order in %q", seed, part, p.Positive)
			next++
		}
		partCounts[len(parts)]++

		neg := strings.Split(p.Negative, ", ")
		assert.GreaterOrEqual(t, len(neg), minNegatives)
		assert.LessOrEqual(t, len(neg), maxNegatives)
		for _, n := range neg {
			assert.Contains(t, g.negatives, n)
		}
		assert.Len(t, neg, len(dedupe(neg)), "negative fragments are distinct")
	}
	// Optional parts really are optional, and sometimes all present.
	assert.Positive(t, partCounts[6])
	assert.Positive(t, partCounts[2]+partCounts[3])
}

func dedupe(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func BenchmarkRandom(b *testing.B) {
	g := NewGenerator()
	for i := 0; b.Loop(); i++ {
		_ = g.Random(int64(i))
	}
}
