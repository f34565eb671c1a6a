package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

// Keys the local provider puts in each output's metadata (and so in the
// output's params) that JobSamples reads back for the stats page.
const (
	ParamDevice        = "device"          // "cpu" or "cuda"
	ParamPeakRAMBytes  = "peak_ram_bytes"  // worker's peak resident memory during the job
	ParamPeakVRAMBytes = "peak_vram_bytes" // device memory in use at its peak during the job
	ParamCPUSeconds    = "cpu_seconds"     // worker CPU time (user+system) spent on the job
)

// JobSample is one finished job with what the stats page measures. Fields
// read from output metadata are zero when the job recorded none (cloud
// jobs, failed jobs, and jobs from builds that did not measure them).
type JobSample struct {
	ID         string
	Provider   string
	Model      string
	State      jobs.State
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	// Images is how many outputs of the job are still recorded.
	Images int
	// Width and Height are the first output's size.
	Width, Height int
	Device        string
	PeakRAMBytes  int64
	PeakVRAMBytes int64
	CPUSeconds    float64
	// EngineSeconds is the engine's own total time (timings.total_s), which
	// leaves out waiting for the worker to start.
	EngineSeconds float64
}

// Duration is the job's wall time from start to finish; ok is false when
// it never started.
func (s JobSample) Duration() (time.Duration, bool) {
	if s.StartedAt == nil || s.FinishedAt == nil || s.FinishedAt.Before(*s.StartedAt) {
		return 0, false
	}
	return s.FinishedAt.Sub(*s.StartedAt), true
}

// JobSamples returns the finished jobs (done, failed or cancelled) created
// in [since, until), oldest first. A zero since or until leaves that end
// open. Per-job figures come from the job's first output that has them.
func (d *DB) JobSamples(ctx context.Context, since, until time.Time) ([]JobSample, error) {
	lo, hi := int64(minInt64), int64(maxInt64)
	if !since.IsZero() {
		lo = encodeTime(since)
	}
	if !until.IsZero() {
		hi = encodeTime(until)
	}
	// One row per job; each correlated subquery takes a figure from the
	// job's first output that carries it with the right JSON type (a job has
	// a handful of outputs, found through outputs_job_id), so a malformed
	// value reads as "not recorded" instead of failing the whole page.
	rows, err := d.sql.QueryContext(ctx, `
		SELECT j.id, j.provider, j.model, j.state, j.created_at, j.started_at, j.finished_at,
			(SELECT COUNT(*) FROM outputs o WHERE o.job_id = j.id),
			COALESCE((SELECT o.width FROM outputs o WHERE o.job_id = j.id ORDER BY o.seq LIMIT 1), 0),
			COALESCE((SELECT o.height FROM outputs o WHERE o.job_id = j.id ORDER BY o.seq LIMIT 1), 0),
			COALESCE((SELECT json_extract(o.params, '$.`+ParamDevice+`') FROM outputs o
				WHERE o.job_id = j.id AND json_type(o.params, '$.`+ParamDevice+`') = 'text' ORDER BY o.seq LIMIT 1), ''),
			COALESCE((SELECT json_extract(o.params, '$.`+ParamPeakRAMBytes+`') FROM outputs o
				WHERE o.job_id = j.id AND json_type(o.params, '$.`+ParamPeakRAMBytes+`') IN ('integer', 'real') ORDER BY o.seq LIMIT 1), 0),
			COALESCE((SELECT json_extract(o.params, '$.`+ParamPeakVRAMBytes+`') FROM outputs o
				WHERE o.job_id = j.id AND json_type(o.params, '$.`+ParamPeakVRAMBytes+`') IN ('integer', 'real') ORDER BY o.seq LIMIT 1), 0),
			COALESCE((SELECT json_extract(o.params, '$.`+ParamCPUSeconds+`') FROM outputs o
				WHERE o.job_id = j.id AND json_type(o.params, '$.`+ParamCPUSeconds+`') IN ('integer', 'real') ORDER BY o.seq LIMIT 1), 0),
			COALESCE((SELECT json_extract(o.params, '$.timings.total_s') FROM outputs o
				WHERE o.job_id = j.id AND json_type(o.params, '$.timings.total_s') IN ('integer', 'real') ORDER BY o.seq LIMIT 1), 0)
		FROM jobs j
		WHERE j.state IN (?, ?, ?) AND j.created_at >= ? AND j.created_at < ?
		ORDER BY j.created_at, j.rowid`,
		string(jobs.Done), string(jobs.Failed), string(jobs.Cancelled), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("job samples: %w", err)
	}
	defer rows.Close()
	out := []JobSample{}
	for rows.Next() {
		var (
			s                 JobSample
			state             string
			created           int64
			started, finished sql.NullInt64
			ram, vram         float64 // JSON numbers may be stored as reals
		)
		if err := rows.Scan(&s.ID, &s.Provider, &s.Model, &state, &created, &started, &finished,
			&s.Images, &s.Width, &s.Height, &s.Device, &ram, &vram, &s.CPUSeconds, &s.EngineSeconds); err != nil {
			return nil, fmt.Errorf("job samples: %w", err)
		}
		s.State = jobs.State(state)
		s.CreatedAt = decodeTime(created)
		s.StartedAt = decodeTimePtr(started)
		s.FinishedAt = decodeTimePtr(finished)
		s.PeakRAMBytes, s.PeakVRAMBytes = int64(ram), int64(vram)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("job samples: %w", err)
	}
	return out, nil
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)
