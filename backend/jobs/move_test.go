package jobs

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

// submitN submits n jobs to provider p and returns their ids in order.
func submitN(t *testing.T, q *Queue, p string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		j, err := q.Submit(t.Context(), req(p))
		require.NoError(t, err)
		ids[i] = j.ID
	}
	return ids
}

// queuedByOrder returns the queue's queued jobs of provider p sorted by
// Order, as the UI shows them.
func queuedByOrder(q *Queue, p string) []string {
	var js []Job
	for _, j := range q.List() {
		if j.State == Queued && j.Request.Provider == p {
			js = append(js, j)
		}
	}
	slices.SortFunc(js, func(a, b Job) int { return int(a.Order) - int(b.Order) })
	var out []string
	for _, j := range js {
		out = append(out, j.ID)
	}
	return out
}

// reorders returns the JobsReordered payloads emitted so far.
func (r *recorder) reorders() []Reorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Reorder
	for _, e := range r.events {
		if e.name == events.JobsReordered {
			out = append(out, e.payload.(Reorder))
		}
	}
	return out
}

func TestMoveChangesStartOrder(t *testing.T) {
	// ids[0] runs at once and holds the lane; ids[1..4] wait as a, b, c, d.
	tests := []struct {
		name    string
		move    int // index into the waiting jobs
		to      int
		wantIdx []int // waiting jobs in their new start order
	}{
		{"last to front", 3, 0, []int{3, 0, 1, 2}},
		{"front to last", 0, 3, []int{1, 2, 3, 0}},
		{"one up", 2, 1, []int{0, 2, 1, 3}},
		{"one down", 1, 2, []int{0, 2, 1, 3}},
		{"past the end means last", 0, 99, []int{1, 2, 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			g := newGateProvider("p", 1)
			q := newTestQueue(t, r, nil, g)
			ids := submitN(t, q, "p", 5)
			require.Equal(t, ids[0], waitStart(t, g))
			waiting := ids[1:]

			require.NoError(t, q.Move(waiting[tt.move], tt.to))
			var want []string
			for _, i := range tt.wantIdx {
				want = append(want, waiting[i])
			}
			assert.Equal(t, want, queuedByOrder(q, "p"), "Order values follow the move")

			evs := r.reorders()
			require.Len(t, evs, 1)
			assert.Equal(t, "p", evs[0].Provider)
			var evIDs []string
			for i, pl := range evs[0].Jobs {
				evIDs = append(evIDs, pl.ID)
				if i > 0 {
					assert.Greater(t, pl.Order, evs[0].Jobs[i-1].Order, "event orders increase")
				}
			}
			assert.Equal(t, want, evIDs)

			// The lane really starts them in the new order.
			for _, id := range want {
				g.release <- struct{}{}
				assert.Equal(t, id, waitStart(t, g))
			}
			g.release <- struct{}{}
			for range 5 {
				assert.Equal(t, Done, r.waitFinished(t).State)
			}
		})
	}
}

func TestMoveKeepsLaterSubmissionsLast(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)
	ids := submitN(t, q, "p", 3)
	require.Equal(t, ids[0], waitStart(t, g))
	require.NoError(t, q.Move(ids[2], 0))
	later, err := q.Submit(t.Context(), req("p"))
	require.NoError(t, err)
	assert.Equal(t, []string{ids[2], ids[1], later.ID}, queuedByOrder(q, "p"))
}

func TestMoveErrors(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)
	ids := submitN(t, q, "p", 3)
	require.Equal(t, ids[0], waitStart(t, g))
	require.NoError(t, q.Cancel(ids[2]))
	assert.Equal(t, ids[2], r.waitFinished(t).ID)

	tests := []struct {
		name    string
		id      string
		to      int
		wantErr error
		wantMsg string
	}{
		{"running", ids[0], 0, ErrNotQueued, "running"},
		{"cancelled", ids[2], 0, ErrNotQueued, "cancelled"},
		{"unknown", "nope", 0, ErrNotFound, "nope"},
		{"negative", ids[1], -1, nil, "negative position -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := q.Move(tt.id, tt.to)
			require.Error(t, err)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
	// A move to where the job already is changes nothing and says nothing.
	require.NoError(t, q.Move(ids[1], 0))
	assert.Empty(t, r.reorders())
}

func TestMoveOnlyTouchesItsLane(t *testing.T) {
	r := newRecorder()
	a := newGateProvider("a", 1)
	b := newGateProvider("b", 1)
	q := newTestQueue(t, r, nil, a, b)
	aIDs := submitN(t, q, "a", 3)
	bIDs := submitN(t, q, "b", 3)
	require.Equal(t, aIDs[0], waitStart(t, a))
	require.Equal(t, bIDs[0], waitStart(t, b))
	before := map[string]uint64{}
	for _, j := range q.List() {
		before[j.ID] = j.Order
	}

	require.NoError(t, q.Move(aIDs[2], 0))
	for _, j := range q.List() {
		if j.Request.Provider == "b" {
			assert.Equal(t, before[j.ID], j.Order, "lane b untouched")
		}
	}
	assert.Equal(t, []string{aIDs[2], aIDs[1]}, queuedByOrder(q, "a"))
	assert.Equal(t, []string{bIDs[1], bIDs[2]}, queuedByOrder(q, "b"))
}

// TestMoveRaces moves jobs from many goroutines while the lane starts and
// cancels others (run with -race). Moves may lose to a start (ErrNotQueued)
// but nothing else; every job finishes exactly once; and afterwards the
// jobs still waiting start in the order their Order values say.
func TestMoveRaces(t *testing.T) {
	r := newRecorder()
	g := newGateProvider("p", 1)
	q := newTestQueue(t, r, nil, g)
	const n = 40
	ids := submitN(t, q, "p", n)
	require.Equal(t, ids[0], waitStart(t, g))

	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 60 {
				id := ids[(w*7+i*13)%n]
				err := q.Move(id, (w+i)%5)
				if err != nil && !errors.Is(err, ErrNotQueued) {
					t.Errorf("move %s: %v", id, err)
				}
				_ = q.List()
			}
		})
	}
	started := []string{ids[0]}
	wg.Go(func() {
		// Let ten jobs run and cancel ten others while the movers work.
		for i := range 10 {
			g.release <- struct{}{}
			started = append(started, waitStart(t, g))
			if err := q.Cancel(ids[n-1-i]); err != nil && !errors.Is(err, ErrFinished) {
				t.Errorf("cancel: %v", err)
			}
		}
	})
	wg.Wait()

	waiting := queuedByOrder(q, "p")
	for _, id := range waiting {
		g.release <- struct{}{}
		id2 := waitStart(t, g)
		assert.Equal(t, id, id2, "start order follows Order")
		started = append(started, id2)
	}
	g.release <- struct{}{}

	finished := map[string]int{}
	for range n {
		j := r.waitFinished(t)
		finished[j.ID]++
		if j.State == Done {
			assert.Contains(t, started, j.ID)
		}
	}
	assert.Len(t, finished, n, "every job finished")
	for id, c := range finished {
		assert.Equal(t, 1, c, "job %s finished once", id)
	}
	seen := map[string]bool{}
	for _, id := range started {
		assert.False(t, seen[id], "job %s started twice", id)
		seen[id] = true
	}
	for _, ev := range r.reorders() {
		for i := 1; i < len(ev.Jobs); i++ {
			assert.Greater(t, ev.Jobs[i].Order, ev.Jobs[i-1].Order)
		}
	}
}
