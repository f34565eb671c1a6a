package history

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC)

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub dir?#", "history.db")
	d, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d, path
}

func add(t *testing.T, d *DB, i int, prompt, neg, model string) OutputRecord {
	t.Helper()
	o, err := d.AddOutput(t.Context(), OutputRecord{
		Path: fmt.Sprintf("/out/%03d.png", i), Provider: "local", Model: model,
		Prompt: prompt, NegativePrompt: neg, Seed: int64(i), Width: 512, Height: 768,
		CreatedAt: t0.Add(time.Duration(i) * time.Second),
	})
	require.NoError(t, err)
	return o
}

func ids(os []OutputRecord) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	d, path := openTemp(t)
	o, err := d.AddOutput(t.Context(), OutputRecord{
		Path: "/out/a.png", Prompt: "a lighthouse", Seed: 1 << 62, Width: 512, Height: 512,
		Params: map[string]any{"sampler": "euler", "seed": int64(1<<62 + 1)}, CreatedAt: t0,
	})
	require.NoError(t, err)
	assert.Len(t, o.ID, 24)
	require.NoError(t, d.Close())

	for range 2 {
		d2, err := Open(path)
		require.NoError(t, err)
		var versions int
		require.NoError(t, d2.sql.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&versions))
		assert.Equal(t, len(migrations), versions)
		got, err := d2.GetOutput(t.Context(), o.ID)
		require.NoError(t, err)
		assert.Equal(t, o.Path, got.Path)
		assert.Equal(t, int64(1<<62), got.Seed)
		assert.True(t, t0.Equal(got.CreatedAt))
		assert.Equal(t, map[string]any{"sampler": "euler", "seed": json.Number("4611686018427387905")}, got.Params)
		var mode string
		require.NoError(t, d2.sql.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		assert.Equal(t, "wal", mode)
		var fk int
		require.NoError(t, d2.sql.QueryRow(`PRAGMA foreign_keys`).Scan(&fk))
		assert.Equal(t, 1, fk)
		require.NoError(t, d2.Close())
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	d, path := openTemp(t)
	_, err := d.sql.Exec(`INSERT INTO schema_migrations(version, applied_at) VALUES (?, 0)`, len(migrations)+1)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	_, err = Open(path)
	require.ErrorIs(t, err, ErrNewerSchema)
}

func TestAddOutputRejectsDuplicatePathAndEmpty(t *testing.T) {
	d, _ := openTemp(t)
	add(t, d, 1, "x", "", "m")
	_, err := d.AddOutput(t.Context(), OutputRecord{Path: "/out/001.png"})
	require.Error(t, err)
	_, err = d.AddOutput(t.Context(), OutputRecord{})
	require.Error(t, err)
	for _, id := range []string{"../x", "a/b", "a.b", "a b", strings.Repeat("a", 65)} {
		_, err = d.AddOutput(t.Context(), OutputRecord{ID: id, Path: "/out/" + id})
		require.Error(t, err, id)
	}
	o, err := d.AddOutput(t.Context(), OutputRecord{ID: "Imported_01-a", Path: "/out/imp.png"})
	require.NoError(t, err)
	assert.Equal(t, "Imported_01-a", o.ID)
}

func TestSearch(t *testing.T) {
	d, _ := openTemp(t)
	cat := add(t, d, 1, "a red cat on a sofa", "blurry", "sd15")
	dog := add(t, d, 2, "a dog in the rain", "cat", "sdxl-base")
	punk := add(t, d, 3, "cyber-punk city, neon", "", "dreamshaper")
	cafe := add(t, d, 4, "Café au lait", `"quoted" (text:1.2)`, "sd15")

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"empty lists all newest first", "", []string{cafe.ID, punk.ID, dog.ID, cat.ID}},
		{"word in prompt or negative", "cat", []string{dog.ID, cat.ID}},
		{"all words must match", "red cat", []string{cat.ID}},
		{"last word is a prefix", "neo", []string{punk.ID}},
		{"earlier words are not prefixes", "neo city", nil},
		{"model name", "sdxl", []string{dog.ID}},
		{"case and diacritics folded", "CAFE", []string{cafe.ID}},
		{"hyphenated word is a phrase", "cyber-punk", []string{punk.ID}},
		{"hyphenated words in wrong order", "punk-cyber", nil},
		{"quotes in the query", `"quoted"`, []string{cafe.ID}},
		{"weights syntax", "(text:1.2)", []string{cafe.ID}},
		{"only punctuation lists all", `" ( ) *`, []string{cafe.ID, punk.ID, dog.ID, cat.ID}},
		{"no match", "zebra", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := d.ListOutputs(t.Context(), Query{Text: tt.query})
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
			assert.Equal(t, len(tt.want), total)
		})
	}
}

func TestSearchHostileInputNeverErrors(t *testing.T) {
	d, _ := openTemp(t)
	add(t, d, 1, "a red cat", "", "sd15")
	for _, q := range []string{
		`"`, `""`, `"""`, `AND(`, `AND`, `OR NOT`, `NEAR(a b, 2)`, `cat AND(`, `prompt:cat`, `{prompt}: cat`,
		`^cat`, `cat*`, `*`, `-cat`, `+`, `a'b`, `'; DROP TABLE outputs; --`, "a\x00b", "\xff\xfe", "日本語 の",
		"cat\ttab\nnewline",
	} {
		_, _, err := d.ListOutputs(t.Context(), Query{Text: q})
		require.NoError(t, err, "query %q", q)
	}
	// The table is still there after the injection attempt.
	got, _, err := d.ListOutputs(t.Context(), Query{Text: "cat"})
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestPagination(t *testing.T) {
	d, _ := openTemp(t)
	var all []string
	for i := range 25 {
		all = append([]string{add(t, d, i, fmt.Sprintf("image %d", i), "", "m").ID}, all...)
	}
	tests := []struct {
		name          string
		limit, offset int
		want          []string
	}{
		{"first page", 10, 0, all[:10]},
		{"second page", 10, 10, all[10:20]},
		{"last partial page", 10, 20, all[20:]},
		{"past the end", 10, 30, nil},
		{"negative offset is zero", 3, -5, all[:3]},
		{"zero limit means default", 0, 0, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := d.ListOutputs(t.Context(), Query{Text: "image", Limit: tt.limit, Offset: tt.offset})
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
			assert.Equal(t, 25, total)
		})
	}
}

func TestSameTimestampOrderIsStable(t *testing.T) {
	d, _ := openTemp(t)
	var want []string
	for i := range 3 {
		o, err := d.AddOutput(t.Context(), OutputRecord{Path: fmt.Sprint(i), CreatedAt: t0})
		require.NoError(t, err)
		want = append([]string{o.ID}, want...)
	}
	got, _, err := d.ListOutputs(t.Context(), Query{})
	require.NoError(t, err)
	assert.Equal(t, want, ids(got))
}

func TestDeleteOutput(t *testing.T) {
	d, _ := openTemp(t)
	a := add(t, d, 1, "sunset over sea", "", "m")
	b := add(t, d, 2, "sunset in desert", "", "m")

	require.NoError(t, d.DeleteOutput(t.Context(), a.ID))
	_, err := d.GetOutput(t.Context(), a.ID)
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, d.DeleteOutput(t.Context(), a.ID), ErrNotFound)

	// The search index forgot it too.
	got, total, err := d.ListOutputs(t.Context(), Query{Text: "sunset"})
	require.NoError(t, err)
	assert.Equal(t, []string{b.ID}, ids(got))
	assert.Equal(t, 1, total)
	got, _, err = d.ListOutputs(t.Context(), Query{Text: "sea"})
	require.NoError(t, err)
	assert.Empty(t, got)

	// The path is free again.
	_, err = d.AddOutput(t.Context(), OutputRecord{Path: a.Path, Prompt: "again"})
	require.NoError(t, err)
}

func TestRecordJob(t *testing.T) {
	d, _ := openTemp(t)
	started := t0.Add(time.Second)
	finished := t0.Add(5 * time.Second)
	job := jobs.Job{
		ID: "job1", State: jobs.Queued, CreatedAt: t0,
		Request: jobs.Request{Provider: "local", Model: "sd15", Mode: "txt2img", Prompt: "a castle",
			NegativePrompt: "lowres", Params: map[string]any{"steps": 20, "cfg": 7.5}},
	}
	require.NoError(t, d.RecordJob(t.Context(), job))
	job.State, job.StartedAt = jobs.Running, &started
	require.NoError(t, d.RecordJob(t.Context(), job))
	job.State, job.FinishedAt = jobs.Done, &finished
	job.Outputs = []jobs.Output{
		{Path: "/out/c1.png", Width: 512, Height: 512, Seed: 11, Metadata: map[string]any{"cfg": 5}},
		{Path: "/out/c2.png", Width: 512, Height: 512, Seed: 12},
	}
	require.NoError(t, d.RecordJob(t.Context(), job))
	require.NoError(t, d.RecordJob(t.Context(), job), "recording again does not duplicate outputs")

	got, err := d.ListJobs(t.Context(), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	j := got[0]
	assert.Equal(t, jobs.Done, j.State)
	assert.Equal(t, "a castle", j.Request.Prompt)
	assert.Equal(t, "lowres", j.Request.NegativePrompt)
	assert.Equal(t, "txt2img", j.Request.Mode)
	assert.Equal(t, map[string]any{"steps": json.Number("20"), "cfg": json.Number("7.5")}, j.Request.Params)
	assert.True(t, t0.Equal(j.CreatedAt))
	require.NotNil(t, j.StartedAt)
	assert.True(t, started.Equal(*j.StartedAt))
	require.NotNil(t, j.FinishedAt)
	assert.True(t, finished.Equal(*j.FinishedAt))
	assert.Equal(t, []jobs.Output{
		{Path: "/out/c1.png", Width: 512, Height: 512, Seed: 11},
		{Path: "/out/c2.png", Width: 512, Height: 512, Seed: 12},
	}, j.Outputs)

	outs, total, err := d.ListOutputs(t.Context(), Query{Text: "castle"})
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	for _, o := range outs {
		assert.Equal(t, "job1", o.JobID)
		assert.Equal(t, "local", o.Provider)
		assert.Equal(t, "sd15", o.Model)
		assert.True(t, finished.Equal(o.CreatedAt))
	}
	byPath := map[string]OutputRecord{outs[0].Path: outs[0], outs[1].Path: outs[1]}
	assert.Equal(t, json.Number("5"), byPath["/out/c1.png"].Params["cfg"], "metadata overrides request params")
	assert.Equal(t, json.Number("7.5"), byPath["/out/c2.png"].Params["cfg"])
}

func TestRecordJobFailedAndErrors(t *testing.T) {
	d, _ := openTemp(t)
	require.Error(t, d.RecordJob(t.Context(), jobs.Job{}))
	bad := jobs.Job{ID: "x", Request: jobs.Request{Params: map[string]any{"f": func() {}}}}
	require.Error(t, d.RecordJob(t.Context(), bad))

	fin := t0.Add(time.Minute)
	require.NoError(t, d.RecordJob(t.Context(), jobs.Job{ID: "j2", State: jobs.Failed, Error: "out of memory",
		CreatedAt: t0, FinishedAt: &fin, Request: jobs.Request{Provider: "openai"}}))
	require.NoError(t, d.RecordJob(t.Context(), jobs.Job{ID: "j3", State: jobs.Queued, CreatedAt: t0.Add(time.Hour),
		Request: jobs.Request{Provider: "local"}}))
	got, err := d.ListJobs(t.Context(), 0)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "j3", got[0].ID, "newest first")
	assert.Nil(t, got[0].StartedAt)
	assert.Equal(t, "out of memory", got[1].Error)
	assert.Equal(t, jobs.Failed, got[1].State)

	got, err = d.ListJobs(t.Context(), 1)
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

func TestDeletingJobKeepsOutputs(t *testing.T) {
	d, _ := openTemp(t)
	fin := t0
	require.NoError(t, d.RecordJob(t.Context(), jobs.Job{ID: "j", State: jobs.Done, CreatedAt: t0, FinishedAt: &fin,
		Outputs: []jobs.Output{{Path: "/o.png"}}}))
	_, err := d.sql.Exec(`DELETE FROM jobs WHERE id = 'j'`)
	require.NoError(t, err, "foreign key is ON DELETE SET NULL")
	outs, _, err := d.ListOutputs(t.Context(), Query{})
	require.NoError(t, err)
	require.Len(t, outs, 1)
	assert.Empty(t, outs[0].JobID)
}

func TestConcurrentWriters(t *testing.T) {
	d, _ := openTemp(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			var err error
			for i := range 10 {
				if _, e := d.AddOutput(ctx, OutputRecord{Path: fmt.Sprintf("/w%d/%d", w, i), Prompt: "x"}); e != nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	_, total, err := d.ListOutputs(t.Context(), Query{})
	require.NoError(t, err)
	assert.Equal(t, 80, total)
}
