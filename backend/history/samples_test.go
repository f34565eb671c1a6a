package history

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

func TestJobSamples(t *testing.T) {
	d, _ := openTemp(t)
	at := func(s int) *time.Time { x := t0.Add(time.Duration(s) * time.Second); return &x }
	record := func(j jobs.Job) {
		t.Helper()
		require.NoError(t, d.RecordJob(t.Context(), j))
	}
	record(jobs.Job{ID: "local1", State: jobs.Done, CreatedAt: t0, StartedAt: at(1), FinishedAt: at(7),
		Request: jobs.Request{Provider: "local", Model: "/m/sd15.safetensors", Params: map[string]any{"steps": 20}},
		Outputs: []jobs.Output{
			{Path: "/o/1.png", Width: 512, Height: 768, Metadata: map[string]any{
				ParamDevice: "cuda", ParamPeakRAMBytes: int64(3 << 30), ParamPeakVRAMBytes: 5e9, ParamCPUSeconds: 2.5,
				"timings": map[string]any{"total_s": 5.5}}},
			{Path: "/o/2.png", Width: 512, Height: 768},
		}})
	record(jobs.Job{ID: "cloud1", State: jobs.Done, CreatedAt: t0.Add(time.Minute), StartedAt: at(61), FinishedAt: at(64),
		Request: jobs.Request{Provider: "openai", Model: "gpt-image-1"},
		Outputs: []jobs.Output{{Path: "/o/3.png", Width: 1024, Height: 1024}}})
	// A malformed figure reads as not recorded.
	record(jobs.Job{ID: "odd", State: jobs.Failed, CreatedAt: t0.Add(2 * time.Minute), StartedAt: at(120), FinishedAt: at(121),
		Request: jobs.Request{Provider: "local"},
		Outputs: []jobs.Output{{Path: "/o/4.png", Metadata: map[string]any{ParamDevice: 7, ParamPeakRAMBytes: "lots"}}}})
	record(jobs.Job{ID: "never", State: jobs.Cancelled, CreatedAt: t0.Add(3 * time.Minute), FinishedAt: at(180),
		Request: jobs.Request{Provider: "local"}})
	record(jobs.Job{ID: "live", State: jobs.Running, CreatedAt: t0.Add(4 * time.Minute), StartedAt: at(240),
		Request: jobs.Request{Provider: "local"}})

	all, err := d.JobSamples(t.Context(), time.Time{}, time.Time{})
	require.NoError(t, err)
	var got []string
	for _, s := range all {
		got = append(got, s.ID)
	}
	assert.Equal(t, []string{"local1", "cloud1", "odd", "never"}, got, "finished jobs only, oldest first")

	l := all[0]
	assert.Equal(t, "local", l.Provider)
	assert.Equal(t, "/m/sd15.safetensors", l.Model)
	assert.Equal(t, jobs.Done, l.State)
	assert.Equal(t, 2, l.Images)
	assert.Equal(t, [2]int{512, 768}, [2]int{l.Width, l.Height})
	assert.Equal(t, "cuda", l.Device)
	assert.Equal(t, int64(3<<30), l.PeakRAMBytes)
	assert.Equal(t, int64(5e9), l.PeakVRAMBytes)
	assert.InDelta(t, 2.5, l.CPUSeconds, 1e-12)
	assert.InDelta(t, 5.5, l.EngineSeconds, 1e-12)
	dur, ok := l.Duration()
	require.True(t, ok)
	assert.Equal(t, 6*time.Second, dur)

	c := all[1]
	assert.Equal(t, "", c.Device)
	assert.Zero(t, c.PeakRAMBytes)
	assert.Equal(t, 1, c.Images)

	o := all[2]
	assert.Equal(t, "", o.Device)
	assert.Zero(t, o.PeakRAMBytes)

	_, ok = all[3].Duration()
	assert.False(t, ok, "a job cancelled before it started has no duration")

	ranged, err := d.JobSamples(t.Context(), t0.Add(time.Minute), t0.Add(3*time.Minute))
	require.NoError(t, err)
	require.Len(t, ranged, 2)
	assert.Equal(t, "cloud1", ranged[0].ID, "since is inclusive")
	assert.Equal(t, "odd", ranged[1].ID, "until is exclusive")
}
