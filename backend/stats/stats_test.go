package stats

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// now is the fixed clock of these tests: 12:30 UTC.
var now = time.Date(2025, 6, 10, 12, 30, 0, 0, time.UTC)

// fixture describes one job to record.
type fixture struct {
	provider, model string
	state           jobs.State
	ago             time.Duration // created this long before now
	seconds         float64       // wall time; 0: never started
	images, size    int
	meta            map[string]any
}

func record(t *testing.T, db *history.DB, fx []fixture) {
	t.Helper()
	for i, f := range fx {
		created := now.Add(-f.ago)
		j := jobs.Job{ID: fmt.Sprintf("job%02d", i), State: f.state, CreatedAt: created,
			Request: jobs.Request{Provider: f.provider, Model: f.model}}
		fin := created.Add(time.Second + time.Duration(f.seconds*float64(time.Second)))
		j.FinishedAt = &fin
		if f.seconds > 0 {
			st := created.Add(time.Second)
			j.StartedAt = &st
		}
		for k := range f.images {
			o := jobs.Output{Path: fmt.Sprintf("/out/%d-%d.png", i, k), Width: f.size, Height: f.size}
			if k == 0 {
				o.Metadata = f.meta
			}
			j.Outputs = append(j.Outputs, o)
		}
		require.NoError(t, db.RecordJob(t.Context(), j))
	}
}

func openDB(t *testing.T) *history.DB {
	t.Helper()
	db, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// The fixture's numbers, worked by hand (type 7 quantiles: position q·(n−1)):
//
//	sd15 on cpu, 512²: per-image 10/1, 30/2, 20/1, 100/4 → [10 15 20 25]
//	  p25 = 10+0.75·5 = 13.75, median 17.5, p75 = 20+0.25·5 = 21.25
//	sdxl on cuda, 1024²: [4 6 11] → p25 5, median 6, p75 8.5
//	openai gpt-image-1, 1024²: 8/1, 12/2 → per image [8 6]; response [8 12]
//	  → p25 9, median 10, p75 11
//	all nine: [4 6 6 8 10 11 15 20 25] → p25 6, median 10, p75 15
//	cpu cores: 40/10, 90/30, 800/100 → [3 4 8] → p25 3.5, median 4, p75 6
var fixtures = []fixture{
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Done, 30 * time.Hour, 10, 1, 512,
		map[string]any{history.ParamDevice: "cpu", history.ParamPeakRAMBytes: 2 << 30, history.ParamCPUSeconds: 40}},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Done, 20 * time.Hour, 30, 2, 512,
		map[string]any{history.ParamDevice: "cpu", history.ParamPeakRAMBytes: 3 << 30, history.ParamCPUSeconds: 90}},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Done, 10 * time.Hour, 20, 1, 512,
		map[string]any{history.ParamDevice: "cpu", history.ParamPeakRAMBytes: 4 << 30}},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Done, 5 * time.Hour, 100, 4, 512,
		map[string]any{history.ParamDevice: "cpu", history.ParamCPUSeconds: 800}},
	{"local", `C:\models\sdxl.safetensors`, jobs.Done, 4 * time.Hour, 4, 1, 1024,
		map[string]any{history.ParamDevice: "cuda", history.ParamPeakVRAMBytes: 5e9}},
	{"local", `C:\models\sdxl.safetensors`, jobs.Done, 3 * time.Hour, 6, 1, 1024,
		map[string]any{history.ParamDevice: "cuda", history.ParamPeakVRAMBytes: 6e9}},
	{"local", `C:\models\sdxl.safetensors`, jobs.Done, 150 * time.Minute, 11, 1, 1024,
		map[string]any{history.ParamDevice: "cuda", history.ParamPeakVRAMBytes: 7e9}},
	{"openai", "gpt-image-1", jobs.Done, 2 * time.Hour, 8, 1, 1024, nil},
	{"openai", "gpt-image-1", jobs.Done, 90 * time.Minute, 12, 2, 1024, nil},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Failed, 80 * time.Minute, 3, 0, 0, nil},
	{"openai", "gpt-image-1", jobs.Failed, 70 * time.Minute, 2, 0, 0, nil},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Cancelled, 60 * time.Minute, 0, 0, 0, nil},
	{"local", "/models/checkpoints/sd15.safetensors", jobs.Cancelled, 50 * time.Minute, 5, 0, 0, nil},
}

func spread(label string, n int, lo, p25, med, p75, hi, mean float64) Spread {
	return Spread{Label: label, Count: n, Min: lo, P25: p25, Median: med, P75: p75, Max: hi, Mean: mean}
}

func assertSpread(t *testing.T, want, got Spread) {
	t.Helper()
	assert.Equal(t, want.Label, got.Label)
	assert.Equal(t, want.Count, got.Count, want.Label)
	for _, f := range []struct {
		name      string
		want, got float64
	}{{"min", want.Min, got.Min}, {"p25", want.P25, got.P25}, {"median", want.Median, got.Median},
		{"p75", want.P75, got.P75}, {"max", want.Max, got.Max}, {"mean", want.Mean, got.Mean}} {
		// Durations go through nanosecond integers, so allow rounding.
		assert.InDelta(t, f.want, f.got, 1e-6*math.Max(1, math.Abs(f.want)), "%s %s", want.Label, f.name)
	}
}

func assertSpreads(t *testing.T, want, got []Spread) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assertSpread(t, want[i], got[i])
	}
}

func TestSummaryAllTime(t *testing.T) {
	db := openDB(t)
	record(t, db, fixtures)
	svc := New(db, Options{Now: func() time.Time { return now }, Location: time.UTC})

	s, err := svc.Summary(t.Context(), 0)
	require.NoError(t, err)
	assert.Nil(t, s.Since)
	assert.Equal(t, 13, s.Jobs)
	assert.Equal(t, 14, s.Images)
	assert.Equal(t, Outcomes{Done: 9, Failed: 2, Cancelled: 2, SuccessRate: 9.0 / 11}, s.Outcomes)

	im := s.ImageSeconds
	assertSpread(t, spread("all", 9, 4, 6, 10, 15, 25, 105.0/9), im.Overall)
	sd15 := spread("sd15", 4, 10, 13.75, 17.5, 21.25, 25, 17.5)
	sdxl := spread("sdxl", 3, 4, 5, 6, 8.5, 11, 7)
	gpt := spread("gpt-image-1", 2, 6, 6.5, 7, 7.5, 8, 7)
	assertSpreads(t, []Spread{sd15, sdxl, gpt}, im.ByModel)
	assertSpreads(t, []Spread{
		spread("1024×1024", 5, 4, 6, 6, 8, 11, 7),
		spread("512×512", 4, 10, 13.75, 17.5, 21.25, 25, 17.5),
	}, im.BySize)
	sd15.Label, sdxl.Label, gpt.Label = "cpu", "cuda", "openai"
	assertSpreads(t, []Spread{sd15, sdxl, gpt}, im.ByDevice)

	assertSpreads(t, []Spread{spread("openai", 2, 8, 9, 10, 11, 12, 10)}, s.ResponseSeconds)

	require.Len(t, s.Resources, 2)
	cpu, cuda := s.Resources[0], s.Resources[1]
	assert.Equal(t, "cpu", cpu.Device)
	const gib = 1 << 30
	assertSpread(t, spread("ram", 3, 2*gib, 2.5*gib, 3*gib, 3.5*gib, 4*gib, 3*gib), cpu.PeakRAMBytes)
	assertSpread(t, spread("cpu", 3, 3, 3.5, 4, 6, 8, 5), cpu.CPUCores)
	assert.Zero(t, cpu.PeakVRAMBytes.Count)
	assert.Equal(t, "cuda", cuda.Device)
	assertSpread(t, spread("vram", 3, 5e9, 5.5e9, 6e9, 6.5e9, 7e9, 6e9), cuda.PeakVRAMBytes)
	assert.Zero(t, cuda.PeakRAMBytes.Count)

	// All time starts at the first job, 30 h back (06:30 on 9 June): under
	// two days, so hourly buckets from 06:00 to the one holding 12:30.
	tl := s.Timeline
	assert.Equal(t, time.Date(2025, 6, 9, 6, 0, 0, 0, time.UTC), tl.Start)
	assert.Equal(t, int64(3600), tl.BucketSeconds)
	require.Len(t, tl.Buckets, 31)
	assert.Equal(t, Bucket{Start: tl.Start, Done: 1}, tl.Buckets[0])
	assert.Equal(t, Bucket{Start: tl.Start.Add(10 * time.Hour), Done: 1}, tl.Buckets[10], "20 h ago")
	total := Bucket{}
	for _, b := range tl.Buckets {
		total.Done, total.Failed, total.Cancelled = total.Done+b.Done, total.Failed+b.Failed, total.Cancelled+b.Cancelled
	}
	assert.Equal(t, Bucket{Done: 9, Failed: 2, Cancelled: 2}, total)
}

func TestTimelineBuckets(t *testing.T) {
	berlin := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		name      string
		start     time.Time
		loc       *time.Location
		wantStart time.Time
		wantStep  int64
		wantN     int
	}{
		{"a day is hourly", now.Add(-24 * time.Hour), time.UTC, time.Date(2025, 6, 9, 12, 0, 0, 0, time.UTC), 3600, 25},
		{"ten days are daily from local midnight", now.Add(-10 * 24 * time.Hour), berlin,
			time.Date(2025, 5, 31, 0, 0, 0, 0, berlin), 86400, 11},
		// 200 days back is 201 calendar days counting today: ⌈201/60⌉ = 4 days a bucket.
		{"long ranges widen the buckets", now.Add(-200 * 24 * time.Hour), time.UTC,
			time.Date(2024, 11, 22, 0, 0, 0, 0, time.UTC), 4 * 86400, 51},
		{"empty range", now, time.UTC, time.Time{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTimeline(tt.start, now, tt.loc)
			assert.True(t, tt.wantStart.Equal(tl.Start), "start %s", tl.Start)
			assert.Equal(t, tt.wantStep, tl.BucketSeconds)
			assert.Len(t, tl.Buckets, tt.wantN)
			assert.LessOrEqual(t, len(tl.Buckets), maxBuckets)
			if n := len(tl.Buckets); n > 0 {
				last := tl.Buckets[n-1].Start
				assert.True(t, last.Before(now) && !last.Add(time.Duration(tl.BucketSeconds)*time.Second).Before(now),
					"the last bucket holds now")
			}
		})
	}
}

func TestSummaryRange(t *testing.T) {
	db := openDB(t)
	record(t, db, fixtures)
	svc := New(db, Options{Now: func() time.Time { return now }, Location: time.UTC})

	// The last 6 hours hold sd15's 100 s job, the sdxl jobs, the cloud
	// jobs, the failures and the cancellations.
	s, err := svc.Summary(t.Context(), 6)
	require.NoError(t, err)
	require.NotNil(t, s.Since)
	assert.Equal(t, now.Add(-6*time.Hour), *s.Since)
	assert.Equal(t, 10, s.Jobs)
	assert.Equal(t, Outcomes{Done: 6, Failed: 2, Cancelled: 2, SuccessRate: 6.0 / 8}, s.Outcomes)
	assertSpreads(t, []Spread{
		spread("sdxl", 3, 4, 5, 6, 8.5, 11, 7),
		spread("gpt-image-1", 2, 6, 6.5, 7, 7.5, 8, 7),
		spread("sd15", 1, 25, 25, 25, 25, 25, 25),
	}, s.ImageSeconds.ByModel)

	// Hourly buckets from 06:00 to the one holding 12:30.
	tl := s.Timeline
	assert.Equal(t, int64(3600), tl.BucketSeconds)
	assert.Equal(t, time.Date(2025, 6, 10, 6, 0, 0, 0, time.UTC), tl.Start)
	require.Len(t, tl.Buckets, 7)
	counts := func(b Bucket) [3]int { return [3]int{b.Done, b.Failed, b.Cancelled} }
	// 11:00 holds the 11:00 cloud job, both failures (11:10, 11:20) and
	// both cancellations (11:30, 11:40).
	want := [][3]int{{0, 0, 0}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {2, 0, 0}, {1, 2, 2}, {0, 0, 0}}
	for i, w := range want {
		assert.Equal(t, w, counts(tl.Buckets[i]), "bucket %d (%s)", i, tl.Buckets[i].Start.Format("15:04"))
	}
}

func TestSummaryEmpty(t *testing.T) {
	db := openDB(t)
	s, err := New(db, Options{Now: func() time.Time { return now }}).Summary(t.Context(), 24)
	require.NoError(t, err)
	assert.Zero(t, s.Jobs)
	assert.Zero(t, s.Outcomes.SuccessRate)
	assert.Equal(t, 0, s.ImageSeconds.Overall.Count)
	assert.Empty(t, s.ImageSeconds.ByModel)
	assert.NotNil(t, s.ResponseSeconds, "empty lists, not null, for the UI")
	assert.NotNil(t, s.Resources)
	assert.Len(t, s.Timeline.Buckets, 25, "a day of hours, the first one partial")
}

type failingSource struct{}

func (failingSource) JobSamples(context.Context, time.Time, time.Time) ([]history.JobSample, error) {
	return nil, errors.New("disk on fire")
}

func TestSummaryErrors(t *testing.T) {
	svc := New(failingSource{}, Options{})
	_, err := svc.Summary(t.Context(), 24)
	require.ErrorContains(t, err, "disk on fire")
	for _, h := range []int{-1, maxRangeHours + 1} {
		_, err = svc.Summary(t.Context(), h)
		require.ErrorContains(t, err, "outside", "hours %d", h)
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		q      float64
		want   float64
	}{
		// numpy.percentile([1, 2, 3, 4], 25) == 1.75
		{"interpolated", []float64{1, 2, 3, 4}, 0.25, 1.75},
		{"median of even count", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"exact rank", []float64{1, 2, 3, 4, 5}, 0.75, 4},
		{"single value", []float64{7}, 0.9, 7},
		{"q below 0 clamps", []float64{1, 2}, -1, 1},
		{"q above 1 clamps", []float64{1, 2}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Quantile(tt.values, tt.q), 1e-12)
		})
	}
	assert.True(t, math.IsNaN(Quantile(nil, 0.5)))
	assert.True(t, math.IsNaN(Quantile([]float64{1}, math.NaN())))
}

func TestGroupsPastTheLimitMerge(t *testing.T) {
	g := newGrouper()
	// Model i has i+1 samples of value i, so the largest groups come first.
	for i := range maxGroups + 3 {
		for range i + 1 {
			g.add(fmt.Sprintf("m%02d", i), float64(i))
		}
	}
	got := g.spreads()
	require.Len(t, got, maxGroups)
	for i := range maxGroups - 1 {
		assert.Equal(t, fmt.Sprintf("m%02d", maxGroups+2-i), got[i].Label)
	}
	other := got[maxGroups-1]
	assert.Equal(t, "4 others", other.Label)
	assert.Equal(t, 1+2+3+4, other.Count, "m00..m03 merged")
	assert.Equal(t, 0.0, other.Min)
	assert.Equal(t, 3.0, other.Max)
}

func TestLabels(t *testing.T) {
	assert.Equal(t, "sd15", modelLabel("/a/b/sd15.safetensors"))
	assert.Equal(t, "v1-5", modelLabel(`C:\m\v1-5.ckpt`))
	assert.Equal(t, "dall-e-3", modelLabel("dall-e-3"))
	assert.Equal(t, ".ckpt", modelLabel(".ckpt"))
	assert.Equal(t, "unknown", modelLabel(""))
	assert.Equal(t, "unknown", sizeLabel(0, 512))
	assert.Equal(t, "local", deviceLabel(history.JobSample{Provider: "local"}))
}
