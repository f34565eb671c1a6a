package jobs

import (
	"fmt"
	"slices"

	"github.com/dreamlayer/dreamlayer/backend/events"
)

// Move puts a queued job at place toIndex among its provider's queued jobs
// (0 starts next); an index past the end means last. The lane then starts
// its jobs in the new order. It emits events.JobsReordered with the lane's
// queued jobs and their new Order values, and records nothing: the history
// keeps what ran, not the order it waited in.
//
// A running or finished job gives an error wrapping ErrNotQueued, an unknown
// id ErrNotFound. A job can start between the UI drawing the queue and the
// user's click, so callers should show these errors, not treat them as bugs.
func (q *Queue) Move(id string, toIndex int) error {
	if toIndex < 0 {
		return fmt.Errorf("move job %s: negative position %d", id, toIndex)
	}
	q.moveMu.Lock()
	defer q.moveMu.Unlock()

	q.mu.Lock()
	e, ok := q.jobs[id]
	if !ok {
		q.mu.Unlock()
		return fmt.Errorf("move job %s: %w", id, ErrNotFound)
	}
	if e.job.State != Queued {
		state := e.job.State
		q.mu.Unlock()
		return fmt.Errorf("move job %s (%s): %w", id, state, ErrNotQueued)
	}
	l := e.lane
	from := slices.Index(l.pending, e)
	if from < 0 {
		// Still Queued but off the lane: a worker took it and is about to
		// mark it Running.
		q.mu.Unlock()
		return fmt.Errorf("move job %s: %w", id, ErrNotQueued)
	}
	toIndex = min(toIndex, len(l.pending)-1)
	if from == toIndex {
		q.mu.Unlock()
		return nil
	}
	// The lane's Order values stay the same set, handed out again in the
	// new order: jobs of other lanes and later submissions keep their
	// places relative to this lane's.
	orders := make([]uint64, len(l.pending))
	for i, p := range l.pending {
		orders[i] = p.job.Order
	}
	slices.Sort(orders)
	l.pending = slices.Insert(slices.Delete(l.pending, from, from+1), toIndex, e)
	ev := Reorder{Provider: l.provider.Name(), Jobs: make([]Placement, len(l.pending))}
	for i, p := range l.pending {
		p.job.Order = orders[i]
		ev.Jobs[i] = Placement{ID: p.job.ID, Order: orders[i]}
	}
	q.mu.Unlock()

	q.emitter.Emit(events.JobsReordered, ev)
	return nil
}
