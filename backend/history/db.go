package history

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Errors callers branch on.
var (
	// ErrNotFound: no output has the given id.
	ErrNotFound = errors.New("not found")
	// ErrNewerSchema: the database was migrated by a newer DreamLayer; this
	// build refuses to touch it rather than corrupt it.
	ErrNewerSchema = errors.New("history database is from a newer DreamLayer")
)

// DB is the history database. It is safe for concurrent use.
type DB struct {
	sql *sql.DB
	now func() time.Time
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open history: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	// WAL lets readers (the gallery) run while a job is recorded; a handful
	// of connections is plenty for a desktop app.
	db.SetMaxOpenConns(4)
	d := &DB{sql: db, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return d, nil
}

// dsn builds a file: URI (so a path with '?' or '#' cannot be mistaken for
// parameters) with the pragmas every connection needs: WAL, a busy timeout so
// concurrent writers wait instead of failing, foreign keys, and BEGIN
// IMMEDIATE so a write transaction takes its lock up front instead of failing
// on upgrade.
func dsn(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/x → /C:/x, as SQLite's URI rules want
	}
	u := url.URL{Scheme: "file", Path: p}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// Close closes the database.
func (d *DB) Close() error {
	if err := d.sql.Close(); err != nil {
		return fmt.Errorf("close history: %w", err)
	}
	return nil
}

// migrate applies the migrations this database has not seen, each in its own
// transaction with the version check inside it, so two processes opening the
// same file at once cannot both apply one.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for v := 1; v <= len(migrations); v++ {
		if err := applyMigration(ctx, db, v); err != nil {
			return err
		}
	}
	var top int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&top); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if top > len(migrations) {
		return fmt.Errorf("migrate: schema version %d, this build knows %d: %w", top, len(migrations), ErrNewerSchema)
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, v int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	return nil
}

// newID returns a time-sortable id: Unix milliseconds then random hex.
func newID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥1.24 crashes instead)
	return fmt.Sprintf("%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// Times are stored as Unix nanoseconds: they sort as integers, round-trip
// exactly, and need no parsing.
func encodeTime(t time.Time) int64 { return t.UnixNano() }

func decodeTime(n int64) time.Time { return time.Unix(0, n).UTC() }

func encodeTimePtr(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func decodeTimePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := decodeTime(n.Int64)
	return &t
}
