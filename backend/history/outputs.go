package history

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// OutputRecord is one image in the history.
type OutputRecord struct {
	ID             string `json:"id"`
	JobID          string `json:"jobId"` // empty for images not made by a job (imports)
	Path           string `json:"path"`
	Provider       string `json:"provider"`
	Model          string `json:"model"`
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negativePrompt"`
	Seed           int64  `json:"seed"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	// Params are the generation settings. Read back from the database,
	// numbers are json.Number so 64-bit seeds survive exactly.
	Params    map[string]any `json:"params,omitempty"`
	CreatedAt time.Time      `json:"createdAt"`
}

// Query selects outputs for ListOutputs. Every set field narrows the
// result; the zero Query lists everything.
type Query struct {
	Text     string // words to search for in prompt, negative prompt and model; "" lists all
	Model    string // exact model name as recorded; "" any
	Provider string // exact provider id ("local", "openai", …); "" any
	// Since and Until bound created_at to [Since, Until); zero means unbounded.
	Since  time.Time
	Until  time.Time
	Limit  int // default 100, at most 1000
	Offset int
}

// where builds the WHERE clause (with its leading keyword, or "") and its
// arguments. Values are always bound, never spliced into the SQL.
func (q Query) where() (string, []any) {
	var conds []string
	var args []any
	if match := ftsQuery(q.Text); match != "" {
		conds = append(conds, `seq IN (SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH ?)`)
		args = append(args, match)
	}
	if q.Model != "" {
		conds = append(conds, `model = ?`)
		args = append(args, q.Model)
	}
	if q.Provider != "" {
		conds = append(conds, `provider = ?`)
		args = append(args, q.Provider)
	}
	if !q.Since.IsZero() {
		conds = append(conds, `created_at >= ?`)
		args = append(args, encodeTime(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, `created_at < ?`)
		args = append(args, encodeTime(q.Until))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "WHERE " + strings.Join(conds, " AND "), args
}

// FacetValue is one distinct value of a column and how many outputs have it.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets are the values the gallery's filters can offer, taken from the
// outputs actually recorded, most used first.
type Facets struct {
	Models    []FacetValue `json:"models"`
	Providers []FacetValue `json:"providers"`
	// Oldest and Newest bound the outputs' creation times; zero when empty.
	Oldest time.Time `json:"oldest"`
	Newest time.Time `json:"newest"`
}

// maxFacetValues bounds a facet list: a picker with more entries than this
// is unusable anyway, and the query stays cheap on huge histories.
const maxFacetValues = 500

// OutputFacets returns the distinct models and providers in the history
// (empty strings left out) and the range of creation times.
func (d *DB) OutputFacets(ctx context.Context) (Facets, error) {
	f := Facets{Models: []FacetValue{}, Providers: []FacetValue{}}
	for _, c := range []struct {
		column string
		dst    *[]FacetValue
	}{{"model", &f.Models}, {"provider", &f.Providers}} {
		// column comes from the fixed list above, never from input.
		rows, err := d.sql.QueryContext(ctx, `SELECT `+c.column+`, COUNT(*) AS n FROM outputs WHERE `+c.column+
			` != '' GROUP BY `+c.column+` ORDER BY n DESC, `+c.column+` LIMIT ?`, maxFacetValues)
		if err != nil {
			return Facets{}, fmt.Errorf("output facets %s: %w", c.column, err)
		}
		for rows.Next() {
			var v FacetValue
			if err := rows.Scan(&v.Value, &v.Count); err != nil {
				rows.Close()
				return Facets{}, fmt.Errorf("output facets %s: %w", c.column, err)
			}
			*c.dst = append(*c.dst, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return Facets{}, fmt.Errorf("output facets %s: %w", c.column, err)
		}
	}
	var oldest, newest sql.NullInt64
	if err := d.sql.QueryRowContext(ctx, `SELECT MIN(created_at), MAX(created_at) FROM outputs`).Scan(&oldest, &newest); err != nil {
		return Facets{}, fmt.Errorf("output facets dates: %w", err)
	}
	if oldest.Valid {
		f.Oldest, f.Newest = decodeTime(oldest.Int64), decodeTime(newest.Int64)
	}
	return f, nil
}

const outputColumns = `id, COALESCE(job_id, ''), path, provider, model, prompt, negative_prompt, seed, width, height, params, created_at`

// AddOutput records an image. An empty ID is assigned, a zero CreatedAt is now.
// A path already recorded is an error: outputs are never overwritten.
func (d *DB) AddOutput(ctx context.Context, o OutputRecord) (OutputRecord, error) {
	if o.Path == "" {
		return OutputRecord{}, errors.New("add output: empty path")
	}
	if o.ID == "" {
		o.ID = newID(d.now())
	}
	if !validID(o.ID) {
		return OutputRecord{}, fmt.Errorf("add output %s: invalid id %q (want 1-64 of A-Z a-z 0-9 _ -)", o.Path, o.ID)
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = d.now()
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if _, err := insertOutput(ctx, d.sql, o, false); err != nil {
		return OutputRecord{}, fmt.Errorf("add output %s: %w", o.Path, err)
	}
	return o, nil
}

// execer is what insertOutput needs from *sql.DB and *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertOutput writes o; with ignoreDup, a path already recorded is skipped
// (RecordJob sees a job's outputs again on every later state change).
func insertOutput(ctx context.Context, ex execer, o OutputRecord, ignoreDup bool) (bool, error) {
	params, err := encodeParams(o.Params)
	if err != nil {
		return false, err
	}
	var jobID sql.NullString
	if o.JobID != "" {
		jobID = sql.NullString{String: o.JobID, Valid: true}
	}
	q := `INSERT INTO outputs (id, job_id, path, provider, model, prompt, negative_prompt, seed, width, height, params, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if ignoreDup {
		q += ` ON CONFLICT(path) DO NOTHING`
	}
	res, err := ex.ExecContext(ctx, q, o.ID, jobID, o.Path, o.Provider, o.Model, o.Prompt, o.NegativePrompt,
		o.Seed, o.Width, o.Height, params, encodeTime(o.CreatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListOutputs returns one page of outputs, newest first, and how many match
// in all. Text is matched word by word (all words must appear; the last one
// may be a prefix), so any input is safe to pass straight from a search box.
func (d *DB) ListOutputs(ctx context.Context, q Query) ([]OutputRecord, int, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	limit = min(limit, maxListLimit)
	offset := max(q.Offset, 0)

	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return []OutputRecord{}, 0, nil // an empty range matches nothing
	}
	where, args := q.where()
	var total int
	if err := d.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM outputs `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list outputs %q: %w", q.Text, err)
	}
	rows, err := d.sql.QueryContext(ctx, `SELECT `+outputColumns+` FROM outputs `+where+
		` ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list outputs %q: %w", q.Text, err)
	}
	defer rows.Close()
	out := []OutputRecord{}
	for rows.Next() {
		o, err := scanOutput(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list outputs: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list outputs: %w", err)
	}
	return out, total, nil
}

// GetOutput returns one output or ErrNotFound.
func (d *DB) GetOutput(ctx context.Context, id string) (OutputRecord, error) {
	row := d.sql.QueryRowContext(ctx, `SELECT `+outputColumns+` FROM outputs WHERE id = ?`, id)
	o, err := scanOutput(row)
	if errors.Is(err, sql.ErrNoRows) {
		return OutputRecord{}, fmt.Errorf("get output %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return OutputRecord{}, fmt.Errorf("get output %s: %w", id, err)
	}
	return o, nil
}

// DeleteOutput removes an output's record (not its file) or gives ErrNotFound.
func (d *DB) DeleteOutput(ctx context.Context, id string) error {
	res, err := d.sql.ExecContext(ctx, `DELETE FROM outputs WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete output %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete output %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete output %s: %w", id, ErrNotFound)
	}
	return nil
}

// validID keeps ids safe to put in URLs and file names (the gallery serves
// /media/outputs/<id> and names cached thumbnails after ids).
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

type scanner interface{ Scan(dest ...any) error }

func scanOutput(s scanner) (OutputRecord, error) {
	var (
		o       OutputRecord
		params  string
		created int64
	)
	if err := s.Scan(&o.ID, &o.JobID, &o.Path, &o.Provider, &o.Model, &o.Prompt, &o.NegativePrompt,
		&o.Seed, &o.Width, &o.Height, &params, &created); err != nil {
		return OutputRecord{}, err
	}
	o.Params = decodeParams(params)
	o.CreatedAt = decodeTime(created)
	return o, nil
}

func encodeParams(p map[string]any) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode params: %w", err)
	}
	return string(b), nil
}

// decodeParams reads a params column. A value that is not a JSON object
// (someone edited the file by hand) reads as no params rather than hiding
// the whole row from the gallery.
func decodeParams(s string) map[string]any {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || len(m) == 0 {
		return nil
	}
	return m
}
