package stats

import (
	"time"

	"github.com/dreamlayer/dreamlayer/backend/history"
	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// maxBuckets bounds a timeline: a bar chart with more bars than this is a
// smear, and "all time" on an old history would otherwise have hundreds.
const maxBuckets = 60

// newTimeline lays out empty buckets over [start, until): hours for up to
// two days, then days, then as many whole days per bucket as keep the count
// at or under maxBuckets. Buckets begin on hour or midnight boundaries in
// loc. A zero or empty range gives no buckets.
func newTimeline(start, until time.Time, loc *time.Location) Timeline {
	if loc == nil {
		loc = time.UTC
	}
	if start.IsZero() || !until.After(start) {
		return Timeline{Buckets: []Bucket{}}
	}
	span := until.Sub(start)
	var (
		first time.Time
		step  time.Duration
	)
	if span <= 48*time.Hour {
		first = start.In(loc).Truncate(time.Hour)
		step = time.Hour
	} else {
		y, m, d := start.In(loc).Date()
		first = time.Date(y, m, d, 0, 0, 0, 0, loc)
		days := int(until.Sub(first).Hours()/24) + 1
		step = 24 * time.Hour * time.Duration((days+maxBuckets-1)/maxBuckets)
	}
	t := Timeline{Start: first, BucketSeconds: int64(step / time.Second)}
	// Days are stepped with AddDate-free arithmetic on purpose: a bucket is
	// a fixed width, so a daylight-saving change shifts a boundary by an
	// hour instead of making one bar longer than the rest.
	for b := first; b.Before(until); b = b.Add(step) {
		t.Buckets = append(t.Buckets, Bucket{Start: b})
	}
	return t
}

// add counts j in the bucket its creation time falls in.
func (t *Timeline) add(j history.JobSample) {
	if len(t.Buckets) == 0 || j.CreatedAt.Before(t.Start) {
		return
	}
	i := int(j.CreatedAt.Sub(t.Start) / (time.Duration(t.BucketSeconds) * time.Second))
	if i >= len(t.Buckets) {
		return
	}
	switch j.State {
	case jobs.Done:
		t.Buckets[i].Done++
	case jobs.Failed:
		t.Buckets[i].Failed++
	case jobs.Cancelled:
		t.Buckets[i].Cancelled++
	}
}
