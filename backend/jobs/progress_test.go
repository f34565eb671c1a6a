package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedProvider runs script with the job's report function and the test
// clock, so progress timing is exact.
func scriptedProvider(script func(report func(Progress))) *funcProvider {
	return &funcProvider{name: "p", conc: 1, run: func(_ context.Context, _ Job, report func(Progress)) ([]Output, error) {
		script(report)
		return nil, nil
	}}
}

func steps(ps []Progress) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.Step)
	}
	return out
}

func TestStepThrottling(t *testing.T) {
	clock := newFakeClock()
	r := newRecorder()
	// Ten steps 30ms apart with the default 100ms step interval. Sent: step 1
	// (first, t=30ms), 5 (t=150, 120ms after the last send), 9 (t=270) and
	// 10 (the last step, always sent).
	p := scriptedProvider(func(report func(Progress)) {
		for s := 1; s <= 10; s++ {
			clock.Advance(30 * time.Millisecond)
			report(Progress{Step: s, Total: 10})
		}
	})
	q := newTestQueue(t, r, clock, p)
	j, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	require.Equal(t, Done, r.waitFinished(t).State)

	got := r.progress()
	assert.Equal(t, []int{1, 5, 9, 10}, steps(got))
	for _, pr := range got {
		assert.Equal(t, j.ID, pr.JobID)
	}
	fin, _ := q.Get(j.ID)
	assert.Equal(t, 10, fin.Progress.Step, "the stored progress follows every report, sent or not")
}

func TestPreviewThrottling(t *testing.T) {
	clock := newFakeClock()
	r := newRecorder()
	// Twelve steps 100ms apart, each with a preview. Steps are not throttled
	// at that pace, but previews are (500ms): they survive on steps 1, 6, 11.
	p := scriptedProvider(func(report func(Progress)) {
		for s := 1; s <= 12; s++ {
			clock.Advance(100 * time.Millisecond)
			report(Progress{Step: s, Total: 12, Preview: "data:image/jpeg;base64,AAAA"})
		}
	})
	q := newTestQueue(t, r, clock, p)
	j, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	require.Equal(t, Done, r.waitFinished(t).State)

	got := r.progress()
	require.Len(t, got, 12)
	var withPreview []int
	for _, pr := range got {
		if pr.Preview != "" {
			withPreview = append(withPreview, pr.Step)
		}
	}
	assert.Equal(t, []int{1, 6, 11}, withPreview)
	fin, _ := q.Get(j.ID)
	assert.Empty(t, fin.Progress.Preview, "job snapshots never carry previews")
}

func TestMessageChangeAlwaysSent(t *testing.T) {
	clock := newFakeClock()
	r := newRecorder()
	p := scriptedProvider(func(report func(Progress)) {
		report(Progress{Message: "loading model"})
		report(Progress{Message: "loading model"}) // same instant, same text: dropped
		report(Progress{Message: "encoding prompt"})
	})
	q := newTestQueue(t, r, clock, p)
	_, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	r.waitFinished(t)

	var msgs []string
	for _, pr := range r.progress() {
		msgs = append(msgs, pr.Message)
	}
	assert.Equal(t, []string{"loading model", "encoding prompt"}, msgs)
}

func TestETA(t *testing.T) {
	tests := []struct {
		name    string
		reports []struct {
			after time.Duration
			p     Progress
		}
		want []float64
	}{
		{
			// Baseline at step 0; 2s per step afterwards.
			name: "from step timing",
			reports: []struct {
				after time.Duration
				p     Progress
			}{
				{time.Second, Progress{Step: 0, Total: 10}},
				{2 * time.Second, Progress{Step: 1, Total: 10}},
				{2 * time.Second, Progress{Step: 2, Total: 10}},
				{4 * time.Second, Progress{Step: 4, Total: 10}},
				{2 * time.Second, Progress{Step: 5, Total: 10}},
				{2 * time.Second, Progress{Step: 10, Total: 10}},
			},
			want: []float64{0, 18, 16, 12, 10, 0},
		},
		{
			name: "provider estimate kept",
			reports: []struct {
				after time.Duration
				p     Progress
			}{
				{time.Second, Progress{Step: 1, Total: 4, ETASeconds: 42}},
				{time.Second, Progress{Step: 2, Total: 4, ETASeconds: 7.5}},
			},
			want: []float64{42, 7.5},
		},
		{
			// A second pass (hires fix) restarts the count: new baseline.
			name: "step counter restarts",
			reports: []struct {
				after time.Duration
				p     Progress
			}{
				{time.Second, Progress{Step: 1, Total: 3}},
				{time.Second, Progress{Step: 3, Total: 3}},
				{10 * time.Second, Progress{Step: 1, Total: 5}},
				{time.Second, Progress{Step: 2, Total: 5}},
			},
			want: []float64{0, 0, 0, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			r := newRecorder()
			p := scriptedProvider(func(report func(Progress)) {
				for _, rep := range tt.reports {
					clock.Advance(rep.after)
					report(rep.p)
				}
			})
			q := NewQueue(Options{Emitter: r, Now: clock.Now, StepInterval: time.Nanosecond})
			require.NoError(t, q.Register(p))
			t.Cleanup(func() { require.NoError(t, q.Close(context.Background())) })
			_, err := q.Submit(t.Context(), req("p"))
			require.NoError(t, err)
			r.waitFinished(t)

			var got []float64
			for _, pr := range r.progress() {
				got = append(got, pr.ETASeconds)
			}
			assert.InDeltaSlice(t, tt.want, got, 1e-9)
		})
	}
}

func TestReportAfterRunIgnored(t *testing.T) {
	r := newRecorder()
	var saved func(Progress)
	p := &funcProvider{name: "p", conc: 1, run: func(_ context.Context, _ Job, report func(Progress)) ([]Output, error) {
		saved = report
		return nil, nil
	}}
	q := newTestQueue(t, r, nil, p)
	j, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	r.waitFinished(t)
	saved(Progress{Step: 5, Total: 5})
	assert.Empty(t, r.progress())
	got, _ := q.Get(j.ID)
	assert.Zero(t, got.Progress.Step)
}
