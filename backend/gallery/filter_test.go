package gallery

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/history"
)

func TestListFiltered(t *testing.T) {
	f := newFixture(t)
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	type row struct{ prompt, model, provider string }
	rows := []row{
		{"a red fox", "sd15.safetensors", "local"},
		{"a red fox, poster", "gpt-image-1", "openai"},
		{"a blue whale", "sd15.safetensors", "local"},
		{"a red kite", "flux-pro", "bfl"},
	}
	var recs []history.OutputRecord
	for i, r := range rows {
		rec, err := f.db.AddOutput(t.Context(), history.OutputRecord{
			Path: fmt.Sprintf("/nowhere/%d.png", i), Prompt: r.prompt, Model: r.model, Provider: r.provider,
			CreatedAt: base.Add(time.Duration(i) * time.Hour),
		})
		require.NoError(t, err)
		recs = append(recs, rec)
	}
	ms := func(h int) int64 { return base.Add(time.Duration(h) * time.Hour).UnixMilli() }

	tests := []struct {
		name   string
		filter Filter
		want   []int // indexes into recs, newest first
	}{
		{"zero filter lists all", Filter{}, []int{3, 2, 1, 0}},
		{"text and provider", Filter{Text: "red", Provider: "local"}, []int{0}},
		{"model", Filter{Model: "sd15.safetensors"}, []int{2, 0}},
		{"since", Filter{SinceMs: ms(2)}, []int{3, 2}},
		{"until is exclusive", Filter{UntilMs: ms(1)}, []int{0}},
		{"window with text", Filter{Text: "red", SinceMs: ms(1), UntilMs: ms(4)}, []int{3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.svc.ListFiltered(t.Context(), tt.filter, 0, 0)
			require.NoError(t, err)
			var got []string
			for _, it := range page.Items {
				got = append(got, it.ID)
				assert.Equal(t, "/media/outputs/"+it.ID, it.URL)
			}
			var want []string
			for _, i := range tt.want {
				want = append(want, recs[i].ID)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, len(want), page.Total)
		})
	}

	_, err := f.svc.ListFiltered(t.Context(), Filter{SinceMs: -1}, 0, 0)
	require.ErrorContains(t, err, "negative date bound")

	facets, err := f.svc.Facets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []history.FacetValue{{Value: "sd15.safetensors", Count: 2}, {Value: "flux-pro", Count: 1}, {Value: "gpt-image-1", Count: 1}}, facets.Models)
	assert.Equal(t, []history.FacetValue{{Value: "local", Count: 2}, {Value: "bfl", Count: 1}, {Value: "openai", Count: 1}}, facets.Providers)
	assert.Equal(t, base, facets.Oldest)
	assert.Equal(t, base.Add(3*time.Hour), facets.Newest)
}
