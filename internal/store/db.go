// Package store keeps Andon's data in SQLite (embedded default) or
// PostgreSQL. Both engines share one set of queries; engine-specific SQL lives
// only in the migrations and where the engines differ (full-text search).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"andon/internal/domain"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Engine names the database engine in use.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is the store. SQLite uses one writer connection and a pool of readers;
// PostgreSQL uses one pool for both.
type DB struct {
	Engine   Engine
	w        *sql.DB
	r        *sql.DB
	path     string // SQLite file
	now      atomic.Pointer[func() time.Time]
	onChange func(domain.Change)
	// Agent session limits (sessions.go); zero means the defaults.
	sessionIdle, sessionMaxAge time.Duration
}

// Durability says when a SQLite commit reaches the disk.
type Durability string

const (
	// DurableFull fsyncs the WAL at every commit: what was answered survives
	// a power cut. The default.
	DurableFull Durability = "full"
	// DurableNormal fsyncs at checkpoints only: a commit survives a crash of
	// the process, not of the machine. For throwaway databases (tests, trials).
	DurableNormal Durability = "normal"
)

// Open connects to PostgreSQL when url is set, else to SQLite in dataDir,
// with full durability.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	return OpenDurable(ctx, url, dataDir, DurableFull)
}

// OpenDurable is Open with the SQLite writer's durability chosen (PostgreSQL
// keeps its server's setting).
func OpenDurable(ctx context.Context, url, dataDir string, d Durability) (*DB, error) {
	if url != "" {
		return openPostgres(ctx, url)
	}
	if d != DurableFull && d != DurableNormal {
		return nil, fmt.Errorf("durability must be %q or %q, not %q", DurableFull, DurableNormal, d)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	return openSQLite(ctx, filepath.Join(dataDir, "andon.db"), d)
}

func openSQLite(ctx context.Context, path string, d Durability) (*DB, error) {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
	// The writer fsyncs the WAL at every commit (FULL): a commit answered
	// with SMTP 250 / HTTP 202, or an outbox "sent" mark, survives power
	// loss, not only a crash of the process. Readers write nothing.
	sync := "FULL"
	if d == DurableNormal {
		sync = "NORMAL"
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=synchronous("+sync+")&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1) // one writer: SQLite serialises writes anyway
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=synchronous(NORMAL)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{Engine: SQLite, w: w, r: r, path: path}
	db.SetClock(time.Now)
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20) // as many as open: closing busy-time extras only to reopen them costs a backend fork each
	p.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Engine: Postgres, w: p, r: p}
	db.SetClock(time.Now)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Path is the SQLite database file, or "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// SetClock replaces the clock (tests and the demo use it to build
// histories). Safe while other goroutines call Now: background workers keep
// running while the demo loads. now itself must be safe for concurrent use
// when it reads state that moves (see ManualClock).
func (db *DB) SetClock(now func() time.Time) { db.now.Store(&now) }

// Now is the store's clock, truncated to milliseconds as stored.
func (db *DB) Now() time.Time { return (*db.now.Load())().Truncate(time.Millisecond) }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Writer exposes the writer pool to sibling adapters that need raw access
// (backup, pg LISTEN). Prefer the typed methods.
func (db *DB) Writer() *sql.DB { return db.w }

// rebind turns ? placeholders into $1, $2... for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.Engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '?' && !inStr {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// queryer is satisfied by *sql.DB and *sql.Tx.
type queryer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Tx is a write transaction. Every write that belongs together runs in one.
type Tx struct {
	db *DB
	tx *sql.Tx
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.rebind(q), args...)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.rebind(q), args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.rebind(q), args...)
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (t *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, t.db.rebind(q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// Update runs fn in a write transaction, committing when it returns nil.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{db: db, tx: sqlTx}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, db.rebind(q), args...)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, db.rebind(q), args...)
}

// ms converts a time to stored milliseconds since the epoch.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func nullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

func nullID(p *int64) any {
	if p == nil || *p == 0 {
		return nil
	}
	return *p
}

func idPtr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	x := v.Int64
	return &x
}

// isUniqueViolation reports whether err is a unique-constraint failure on either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// isFKViolation reports whether err is a foreign-key failure on either engine.
func isFKViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
