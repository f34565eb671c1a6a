package history

import (
	"context"
	"database/sql"
	"fmt"
	"maps"

	"github.com/dreamlayer/dreamlayer/backend/jobs"
)

var _ jobs.Recorder = (*DB)(nil)

// RecordJob stores the job's current state (insert or update) and any outputs
// it has that are not recorded yet, in one transaction. It implements
// jobs.Recorder. Each output's Params are the request's params with the
// output's Metadata laid over them.
func (d *DB) RecordJob(ctx context.Context, job jobs.Job) error {
	if job.ID == "" {
		return fmt.Errorf("record job: empty id")
	}
	params, err := encodeParams(job.Request.Params)
	if err != nil {
		return fmt.Errorf("record job %s: %w", job.ID, err)
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record job %s: %w", job.ID, err)
	}
	defer func() { _ = tx.Rollback() }()

	r := job.Request
	if _, err := tx.ExecContext(ctx, `INSERT INTO jobs
		(id, provider, model, mode, prompt, negative_prompt, params, state, error, created_at, started_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET
			provider = excluded.provider, model = excluded.model, mode = excluded.mode,
			prompt = excluded.prompt, negative_prompt = excluded.negative_prompt, params = excluded.params,
			state = excluded.state, error = excluded.error, created_at = excluded.created_at,
			started_at = excluded.started_at, finished_at = excluded.finished_at`,
		job.ID, r.Provider, r.Model, r.Mode, r.Prompt, r.NegativePrompt, params, string(job.State), job.Error,
		encodeTime(job.CreatedAt), encodeTimePtr(job.StartedAt), encodeTimePtr(job.FinishedAt)); err != nil {
		return fmt.Errorf("record job %s: %w", job.ID, err)
	}

	created := d.now()
	if job.FinishedAt != nil && !job.FinishedAt.IsZero() {
		created = *job.FinishedAt
	}
	for _, out := range job.Outputs {
		if out.Path == "" {
			continue
		}
		p := maps.Clone(r.Params)
		if len(out.Metadata) > 0 {
			if p == nil {
				p = map[string]any{}
			}
			maps.Copy(p, out.Metadata)
		}
		o := OutputRecord{
			ID: newID(created), JobID: job.ID, Path: out.Path,
			Provider: r.Provider, Model: r.Model, Prompt: r.Prompt, NegativePrompt: r.NegativePrompt,
			Seed: out.Seed, Width: out.Width, Height: out.Height, Params: p, CreatedAt: created.UTC(),
		}
		if _, err := insertOutput(ctx, tx, o, true); err != nil {
			return fmt.Errorf("record job %s output %s: %w", job.ID, out.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record job %s: %w", job.ID, err)
	}
	return nil
}

// ListJobs returns the newest jobs (limit ≤ 0 means 100, at most 1000) with
// the outputs still recorded for them. Output.Metadata is not kept separately
// from the params, so it comes back empty; the outputs' params are in
// ListOutputs/GetOutput.
func (d *DB) ListJobs(ctx context.Context, limit int) ([]jobs.Job, error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	rows, err := d.sql.QueryContext(ctx, `SELECT id, provider, model, mode, prompt, negative_prompt, params, state, error,
		created_at, started_at, finished_at FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	out := []jobs.Job{}
	index := map[string]int{}
	for rows.Next() {
		var (
			j                 jobs.Job
			params, state     string
			created           int64
			started, finished sql.NullInt64
		)
		if err := rows.Scan(&j.ID, &j.Request.Provider, &j.Request.Model, &j.Request.Mode, &j.Request.Prompt,
			&j.Request.NegativePrompt, &params, &state, &j.Error, &created, &started, &finished); err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		j.Request.Params = decodeParams(params)
		j.State = jobs.State(state)
		j.Progress.JobID = j.ID
		j.CreatedAt = decodeTime(created)
		j.StartedAt = decodeTimePtr(started)
		j.FinishedAt = decodeTimePtr(finished)
		index[j.ID] = len(out)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}

	orows, err := d.sql.QueryContext(ctx, `SELECT job_id, path, width, height, seed FROM outputs
		WHERE job_id IN (SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?)
		ORDER BY seq`, limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs outputs: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var (
			jobID string
			o     jobs.Output
		)
		if err := orows.Scan(&jobID, &o.Path, &o.Width, &o.Height, &o.Seed); err != nil {
			return nil, fmt.Errorf("list jobs outputs: %w", err)
		}
		if i, ok := index[jobID]; ok {
			out[i].Outputs = append(out[i].Outputs, o)
		}
	}
	if err := orows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs outputs: %w", err)
	}
	return out, nil
}
