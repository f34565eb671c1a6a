// Package stats turns the history database's finished jobs into the figures
// the Stats page draws: generation time per image (median and quartiles by
// model, size and device), outcomes and success rate over a time range,
// cloud providers' response times, and the CPU, RAM and VRAM the local
// engine used while it worked.
//
// The figures are computed in Go from one query's rows rather than in SQL:
// SQLite has no percentile function, a desktop history holds thousands of
// jobs rather than millions, and pure functions over plain rows are easy to
// test against hand-computed numbers.
package stats
