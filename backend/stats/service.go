package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/history"
)

// Source is where finished jobs come from; *history.DB implements it.
type Source interface {
	JobSamples(ctx context.Context, since, until time.Time) ([]history.JobSample, error)
}

// maxRangeHours bounds the range a caller can ask for (ten years); longer
// is "all time" anyway and would overflow nothing, but a typo should not
// reach the database as a nonsense date.
const maxRangeHours = 24 * 366 * 10

// Options configure a Service. Every field is optional.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Location is where day buckets begin (default time.Local: the user's
	// days, since the app runs on their machine).
	Location *time.Location
}

// Service answers the Stats page.
type Service struct {
	src Source
	now func() time.Time
	loc *time.Location
}

// New returns a Service over src.
func New(src Source, opts Options) *Service {
	s := &Service{src: src, now: opts.Now, loc: opts.Location}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.Local
	}
	return s
}

// Summary computes the stats of the jobs created in the last rangeHours
// hours; 0 means all time.
func (s *Service) Summary(ctx context.Context, rangeHours int) (Summary, error) {
	if rangeHours < 0 || rangeHours > maxRangeHours {
		return Summary{}, fmt.Errorf("stats: range of %d hours is outside 0…%d", rangeHours, maxRangeHours)
	}
	until := s.now()
	var since time.Time
	if rangeHours > 0 {
		since = until.Add(-time.Duration(rangeHours) * time.Hour)
	}
	samples, err := s.src.JobSamples(ctx, since, until)
	if err != nil {
		return Summary{}, fmt.Errorf("stats: %w", err)
	}
	return Summarize(samples, since, until, s.loc), nil
}
