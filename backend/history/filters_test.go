package history

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedFilters records six outputs across two models, three providers and
// five days (day i at t0 + i days).
func seedFilters(t *testing.T, d *DB) []OutputRecord {
	t.Helper()
	rows := []struct {
		prompt, model, provider string
		day                     int
	}{
		{"red fox in snow", "sd15.safetensors", "local", 0},
		{"blue fox at night", "sd15.safetensors", "local", 1},
		{"red barn", "sdxl.safetensors", "local", 2},
		{"red fox poster", "gpt-image-1", "openai", 3},
		{"neon sign", "ideogram-v3", "ideogram", 4},
		{"red fox logo", "gpt-image-1", "openai", 4},
	}
	var out []OutputRecord
	for i, r := range rows {
		o, err := d.AddOutput(t.Context(), OutputRecord{
			Path: fmt.Sprintf("/out/f%02d.png", i), Provider: r.provider, Model: r.model, Prompt: r.prompt,
			CreatedAt: t0.Add(time.Duration(r.day)*24*time.Hour + time.Duration(i)*time.Minute),
		})
		require.NoError(t, err)
		out = append(out, o)
	}
	return out
}

func TestListOutputsFilters(t *testing.T) {
	d, _ := openTemp(t)
	o := seedFilters(t, d)
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

	tests := []struct {
		name string
		q    Query
		want []OutputRecord // newest first
	}{
		{"no filter", Query{}, []OutputRecord{o[5], o[4], o[3], o[2], o[1], o[0]}},
		{"model", Query{Model: "sd15.safetensors"}, []OutputRecord{o[1], o[0]}},
		{"provider", Query{Provider: "openai"}, []OutputRecord{o[5], o[3]}},
		{"model and provider disagree", Query{Model: "sd15.safetensors", Provider: "openai"}, nil},
		{"model is exact, not a prefix", Query{Model: "sd15"}, nil},
		{"since", Query{Since: day(3)}, []OutputRecord{o[5], o[4], o[3]}},
		{"until is exclusive", Query{Until: day(2)}, []OutputRecord{o[1], o[0]}},
		{"since and until", Query{Since: day(1), Until: day(3)}, []OutputRecord{o[2], o[1]}},
		{"empty range", Query{Since: day(3), Until: day(3)}, nil},
		{"reversed range", Query{Since: day(4), Until: day(1)}, nil},
		{"text and provider", Query{Text: "red fox", Provider: "local"}, []OutputRecord{o[0]}},
		{"text, model and date", Query{Text: "fox", Model: "gpt-image-1", Since: day(4)}, []OutputRecord{o[5]}},
		{"hostile model value is bound, not spliced", Query{Model: "x' OR 1=1 --"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := d.ListOutputs(t.Context(), tt.q)
			require.NoError(t, err)
			assert.Equal(t, ids(tt.want), ids(got))
			assert.Equal(t, len(tt.want), total)
		})
	}
}

func TestListOutputsFiltersPageWithTotal(t *testing.T) {
	d, _ := openTemp(t)
	o := seedFilters(t, d)
	q := Query{Provider: "local", Limit: 2}
	page1, total, err := d.ListOutputs(t.Context(), q)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	assert.Equal(t, ids([]OutputRecord{o[2], o[1]}), ids(page1))

	q.Offset = 2
	page2, total, err := d.ListOutputs(t.Context(), q)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	assert.Equal(t, ids([]OutputRecord{o[0]}), ids(page2))
}

func TestOutputFacets(t *testing.T) {
	d, _ := openTemp(t)

	empty, err := d.OutputFacets(t.Context())
	require.NoError(t, err)
	assert.Empty(t, empty.Models)
	assert.NotNil(t, empty.Models, "an empty list, not null, for the UI")
	assert.True(t, empty.Oldest.IsZero())

	o := seedFilters(t, d)
	_, err = d.AddOutput(t.Context(), OutputRecord{Path: "/out/import.png", CreatedAt: t0.Add(-time.Hour)})
	require.NoError(t, err)

	f, err := d.OutputFacets(t.Context())
	require.NoError(t, err)
	// Most used first, ties by name; the import's empty model and provider are left out.
	assert.Equal(t, []FacetValue{
		{"gpt-image-1", 2}, {"sd15.safetensors", 2}, {"ideogram-v3", 1}, {"sdxl.safetensors", 1},
	}, f.Models)
	assert.Equal(t, []FacetValue{{"local", 3}, {"openai", 2}, {"ideogram", 1}}, f.Providers)
	assert.Equal(t, t0.Add(-time.Hour), f.Oldest)
	assert.Equal(t, o[5].CreatedAt, f.Newest)

	require.NoError(t, d.DeleteOutput(t.Context(), o[4].ID))
	f, err = d.OutputFacets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []FacetValue{{"local", 3}, {"openai", 2}}, f.Providers, "a deleted output's provider goes away")
}
