package jobs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func req(provider string) Request {
	return Request{Provider: provider, Model: "m", Mode: "txt2img", Prompt: "a cat", Params: map[string]any{"steps": 20}}
}

func TestLaneConcurrency(t *testing.T) {
	tests := []struct {
		name string
		conc int
	}{
		{"one at a time", 1},
		{"three at once", 3},
		{"zero counts as one", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			g := newGateProvider("p", tt.conc)
			q := newTestQueue(t, r, nil, g)
			limit := max(1, tt.conc)

			const n = 5
			ids := make([]string, n)
			for i := range ids {
				j, err := q.Submit(t.Context(), req("p"))
				require.NoError(t, err)
				assert.Equal(t, Queued, j.State)
				ids[i] = j.ID
			}

			// The first `limit` jobs start; nothing has finished, so the rest
			// must still be queued.
			startedSet := map[string]bool{}
			for range limit {
				startedSet[waitStart(t, g)] = true
			}
			for i, id := range ids {
				j, ok := q.Get(id)
				require.True(t, ok)
				if i < limit {
					assert.True(t, startedSet[id], "job %d should have started", i)
					assert.Equal(t, Running, j.State)
				} else {
					assert.Equal(t, Queued, j.State, "job %d", i)
				}
			}

			// Each release lets exactly the next queued job start, in order.
			for i := limit; i < n; i++ {
				g.release <- struct{}{}
				assert.Equal(t, ids[i], waitStart(t, g), "FIFO order")
			}
			for range limit {
				g.release <- struct{}{}
			}
			for range n {
				assert.Equal(t, Done, r.waitFinished(t).State)
			}
			assert.Equal(t, limit, g.peakRunning())
		})
	}
}

func TestLanesAreIndependent(t *testing.T) {
	r := newRecorder()
	a := newGateProvider("a", 1)
	b := newGateProvider("b", 1)
	q := newTestQueue(t, r, nil, a, b)

	_, err := q.Submit(t.Context(), req("a"))
	require.NoError(t, err)
	waitStart(t, a)
	// a's lane is busy; b's job must still start.
	jb, err := q.Submit(t.Context(), req("b"))
	require.NoError(t, err)
	assert.Equal(t, jb.ID, waitStart(t, b))
	assert.Equal(t, []string{"a", "b"}, q.Providers())
}

func TestRegisterAndSubmitErrors(t *testing.T) {
	r := newRecorder()
	q := newTestQueue(t, r, nil, newGateProvider("local", 1))

	err := q.Register(newGateProvider("local", 2))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "local")

	require.Error(t, q.Register(newGateProvider("", 1)))

	_, err = q.Submit(t.Context(), req("openai"))
	require.ErrorIs(t, err, ErrUnknownProvider)
	assert.Contains(t, err.Error(), `"openai"`)

	require.ErrorIs(t, q.Cancel("nope"), ErrNotFound)
	_, ok := q.Get("nope")
	assert.False(t, ok)
}

func TestCancelQueued(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)

	first, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	require.Equal(t, first.ID, waitStart(t, g))
	second, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	third, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)

	require.NoError(t, q.Cancel(second.ID))
	j, _ := q.Get(second.ID)
	assert.Equal(t, Cancelled, j.State, "a queued job is cancelled at once")
	assert.NotNil(t, j.FinishedAt)
	assert.Equal(t, second.ID, r.waitFinished(t).ID)

	// The cancelled job is skipped: the third starts next.
	g.release <- struct{}{}
	assert.Equal(t, first.ID, r.waitFinished(t).ID)
	assert.Equal(t, third.ID, waitStart(t, g))
	g.release <- struct{}{}
	assert.Equal(t, third.ID, r.waitFinished(t).ID)

	require.ErrorIs(t, q.Cancel(second.ID), ErrFinished)
	require.ErrorIs(t, q.Cancel(first.ID), ErrFinished)
	assert.Equal(t, []State{Queued, Cancelled}, r.states(second.ID))
}

func TestCancelRunning(t *testing.T) {
	tests := []struct {
		name   string
		result error // what Run returns once its context is cancelled
	}{
		{"returns ctx error", nil},
		{"returns another error", errors.New("sampler: tensor freed")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			started := make(chan struct{})
			p := &funcProvider{name: "p", conc: 1, run: func(ctx context.Context, _ Job, _ func(Progress)) ([]Output, error) {
				close(started)
				<-ctx.Done()
				if tt.result != nil {
					return nil, tt.result
				}
				return nil, ctx.Err()
			}}
			q := newTestQueue(t, r, nil, p)
			j, err := q.Submit(t.Context(), req("p"))
			require.NoError(t, err)
			<-started
			require.NoError(t, q.Cancel(j.ID))
			require.NoError(t, q.Cancel(j.ID), "cancelling twice while running is harmless")

			fin := r.waitFinished(t)
			assert.Equal(t, Cancelled, fin.State)
			assert.Empty(t, fin.Error)
			assert.Equal(t, []State{Queued, Running, Cancelled}, r.states(j.ID))
			assert.Equal(t, []State{Queued, Running, Cancelled}, r.changed(j.ID))
		})
	}
}

func TestFailureAndPanic(t *testing.T) {
	tests := []struct {
		name    string
		run     func() ([]Output, error)
		wantErr string
	}{
		{"error", func() ([]Output, error) { return nil, errors.New("out of memory") }, "out of memory"},
		{"panic", func() ([]Output, error) { panic("nil tensor") }, "provider p panicked: nil tensor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			calls := 0
			p := &funcProvider{name: "p", conc: 1, run: func(context.Context, Job, func(Progress)) ([]Output, error) {
				calls++
				if calls == 1 {
					return tt.run()
				}
				return []Output{{Path: "/ok.png"}}, nil
			}}
			q := newTestQueue(t, r, nil, p)
			bad, err := q.Submit(t.Context(), req("p"))
			require.NoError(t, err)
			good, err := q.Submit(t.Context(), req("p"))
			require.NoError(t, err)

			fin := r.waitFinished(t)
			assert.Equal(t, bad.ID, fin.ID)
			assert.Equal(t, Failed, fin.State)
			assert.Equal(t, tt.wantErr, fin.Error)

			// The lane survives and runs the next job.
			fin = r.waitFinished(t)
			assert.Equal(t, good.ID, fin.ID)
			assert.Equal(t, Done, fin.State)
			assert.Equal(t, []Output{{Path: "/ok.png"}}, fin.Outputs)
		})
	}
}

func TestRecorderSeesEveryStateWithOutputs(t *testing.T) {
	r := newRecorder()
	clock := newFakeClock()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, clock, g)

	j, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	waitStart(t, g)
	clock.Advance(3 * time.Second)
	g.release <- struct{}{}
	fin := r.waitFinished(t)

	assert.Equal(t, []State{Queued, Running, Done}, r.states(j.ID))
	r.mu.Lock()
	last := r.records[len(r.records)-1]
	r.mu.Unlock()
	assert.Equal(t, []Output{{Path: "/out/" + j.ID + ".png", Width: 64, Height: 48, Seed: 7}}, last.Outputs)
	assert.Equal(t, req("p"), last.Request)
	require.NotNil(t, fin.StartedAt)
	require.NotNil(t, fin.FinishedAt)
	assert.Equal(t, 3*time.Second, fin.FinishedAt.Sub(*fin.StartedAt))
}

func TestSnapshotsAreCopies(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)

	params := map[string]any{"steps": 20}
	j, err := q.Submit(t.Context(), Request{Provider: "p", Params: params})
	require.NoError(t, err)
	params["steps"] = 1
	j.Request.Params["steps"] = 2
	got, _ := q.Get(j.ID)
	assert.Equal(t, 20, got.Request.Params["steps"])
}

func TestListNewestFirst(t *testing.T) {
	r := newRecorder()
	clock := newFakeClock()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, clock, g)

	var ids []string
	for range 3 {
		j, err := q.Submit(t.Context(), req("p"))
		require.NoError(t, err)
		ids = append(ids, j.ID)
		clock.Advance(time.Second)
	}
	// Two more in the same instant: submission order breaks the tie.
	for range 2 {
		j, err := q.Submit(t.Context(), req("p"))
		require.NoError(t, err)
		ids = append(ids, j.ID)
	}
	var got []string
	for _, j := range q.List() {
		got = append(got, j.ID)
	}
	assert.Equal(t, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, got)
}

func TestKeepFinishedPrunesOldest(t *testing.T) {
	r := newRecorder()
	p := &funcProvider{name: "p", conc: 1, run: func(context.Context, Job, func(Progress)) ([]Output, error) { return nil, nil }}
	q := NewQueue(Options{Emitter: r, KeepFinished: 2})
	require.NoError(t, q.Register(p))
	t.Cleanup(func() { require.NoError(t, q.Close(context.Background())) })

	var ids []string
	for range 4 {
		j, err := q.Submit(t.Context(), req("p"))
		require.NoError(t, err)
		ids = append(ids, j.ID)
		r.waitFinished(t)
	}
	assert.Len(t, q.List(), 2)
	_, ok := q.Get(ids[0])
	assert.False(t, ok)
	_, ok = q.Get(ids[3])
	assert.True(t, ok)
}

func TestClose(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := NewQueue(Options{Emitter: r, Recorder: r})
	require.NoError(t, q.Register(g))

	running, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	waitStart(t, g)
	queued, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)

	require.NoError(t, q.Close(t.Context()))
	for _, id := range []string{running.ID, queued.ID} {
		j, ok := q.Get(id)
		require.True(t, ok)
		assert.Equal(t, Cancelled, j.State, id)
		assert.Equal(t, "queue closed", j.Error)
	}
	_, err = q.Submit(t.Context(), req("p"))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, q.Register(newGateProvider("x", 1)), ErrClosed)
	require.NoError(t, q.Close(t.Context()), "closing twice is harmless")
}

func TestCloseGivesUpAtDeadline(t *testing.T) {
	r := newRecorder()
	stuck := make(chan struct{})
	started := make(chan struct{})
	p := &funcProvider{name: "p", conc: 1, run: func(context.Context, Job, func(Progress)) ([]Output, error) {
		close(started)
		<-stuck // ignores its context
		return nil, nil
	}}
	q := NewQueue(Options{Emitter: r})
	require.NoError(t, q.Register(p))
	_, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	<-started

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, q.Close(ctx), context.Canceled)
	close(stuck)
	assert.Equal(t, Cancelled, r.waitFinished(t).State)
	require.NoError(t, q.Close(t.Context()))
}

func TestIDsSortByTimeAndAreUnique(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	prev := ""
	for i := range 100 {
		id := newID(base.Add(time.Duration(i) * time.Millisecond))
		assert.Len(t, id, 24)
		assert.False(t, seen[id])
		seen[id] = true
		assert.Greater(t, id[:12], prev[:min(len(prev), 12)], fmt.Sprint(i))
		prev = id
	}
}

func TestClearFinishedKeepsActiveJobs(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)

	done, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	require.Equal(t, done.ID, waitStart(t, g))
	g.release <- struct{}{}
	require.Equal(t, done.ID, r.waitFinished(t).ID)

	running, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	require.Equal(t, running.ID, waitStart(t, g))
	queued, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)

	assert.Equal(t, 1, q.ClearFinished())
	_, ok := q.Get(done.ID)
	assert.False(t, ok, "the finished job is gone")
	ids := []string{}
	for _, j := range q.List() {
		ids = append(ids, j.ID)
	}
	assert.ElementsMatch(t, []string{running.ID, queued.ID}, ids)
	g.release <- struct{}{}
	g.release <- struct{}{}
}
