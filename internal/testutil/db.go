// Package testutil opens throwaway databases for tests: SQLite in a temp dir,
// or, when ANDON_TEST_POSTGRES_URL is set, a fresh PostgreSQL database cloned
// from a migrated template. On SQLite too, the migrations run once per test
// process and each test gets a copy of the migrated file.
package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"andon/internal/store"
)

// PostgresURL is the admin URL of the test cluster, or "".
func PostgresURL() string { return os.Getenv("ANDON_TEST_POSTGRES_URL") }

var (
	templateOnce sync.Once
	templateErr  error
	dbCounter    atomic.Int64

	sqliteOnce sync.Once
	sqliteDir  string // holds the migrated template andon.db
	sqliteErr  error
)

// DatabaseURL returns a URL for a new, empty-but-migrated database for this
// test: "" for SQLite (the caller uses a temp data dir) or a postgres:// URL.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	admin := PostgresURL()
	if admin == "" {
		return ""
	}
	ctx := context.Background()
	a, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	templateOnce.Do(func() { templateErr = makeTemplate(ctx, admin) })
	if templateErr != nil {
		t.Fatalf("postgres template: %v", templateErr)
	}
	name := fmt.Sprintf("andon_t_%d_%d", os.Getpid(), dbCounter.Add(1))
	var lastErr error
	for i := 0; i < 20; i++ { // template may be briefly in use by a parallel clone
		if _, lastErr = a.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+templateName()); lastErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("create test database: %v", lastErr)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return withDB(admin, name)
}

func templateName() string { return fmt.Sprintf("andon_tpl_%d", os.Getpid()) }

func makeTemplate(ctx context.Context, admin string) error {
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer a.Close()
	name := templateName()
	_, _ = a.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	if _, err := a.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return err
	}
	db, err := store.OpenDurable(ctx, withDB(admin, name), "", store.DurableNormal)
	if err != nil {
		return err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	return err
}

func withDB(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}

// OpenDB opens a migrated store for one test, on the engine under test.
func OpenDB(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	u, dir := DatabaseURL(t), ""
	if u == "" {
		dir = DataDir(t)
	}
	db, err := store.OpenDurable(ctx, u, dir, store.DurableNormal)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if db.Engine == store.SQLite {
		// Like the PostgreSQL test cluster (fsync=off), test databases skip
		// the fsync at each commit; TestWritesAreDurableBeforeTheAnswer
		// checks what a real store runs with.
		if _, err := db.Writer().ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// DataDir returns a new SQLite data dir holding a copy of a database
// migrated once per test process: migrating from scratch in every test was a
// large share of the suite's time.
func DataDir(t testing.TB) string {
	t.Helper()
	sqliteOnce.Do(func() { sqliteDir, sqliteErr = makeSQLiteTemplate() })
	if sqliteErr != nil {
		t.Fatalf("sqlite template: %v", sqliteErr)
	}
	dir := t.TempDir()
	if err := copyFile(filepath.Join(sqliteDir, "andon.db"), filepath.Join(dir, "andon.db")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func makeSQLiteTemplate() (string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "andon-test-tpl-")
	if err != nil {
		return "", err
	}
	db, err := store.OpenDurable(ctx, "", dir, store.DurableNormal)
	if err != nil {
		return "", err
	}
	if _, err = db.Migrate(ctx); err == nil {
		// Everything into the main file, so copying that one file is a
		// complete database.
		_, err = db.Writer().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return dir, err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Engine names the engine under test, for test names and logs.
func Engine() string {
	if PostgresURL() != "" {
		return "postgres"
	}
	return "sqlite"
}

// Cleanup drops the per-process template database; call from TestMain.
func Cleanup() {
	if sqliteDir != "" {
		_ = os.RemoveAll(sqliteDir)
	}
	admin := PostgresURL()
	if admin == "" {
		return
	}
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return
	}
	defer a.Close()
	_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+templateName()+` WITH (FORCE)`)
}

// Main runs a package's tests, then the given clean-ups and Cleanup, and
// exits with the tests' status. Use it as the whole of TestMain:
//
//	func TestMain(m *testing.M) { testutil.Main(m) }
func Main(m *testing.M, after ...func()) {
	code := m.Run()
	for _, f := range after {
		f()
	}
	Cleanup()
	os.Exit(code)
}

// NeedPostgres returns the test cluster's admin URL. Without one the test is
// skipped, except on CI (CI=true), where a missing cluster fails it so a
// comparison against PostgreSQL cannot silently stop running. A run that is
// SQLite-only on purpose (make test-sqlite) says so with
// ANDON_TEST_SQLITE_ONLY=1; the PostgreSQL run covers these tests.
func NeedPostgres(t testing.TB) string {
	t.Helper()
	if u := PostgresURL(); u != "" {
		return u
	}
	msg := "needs PostgreSQL: set ANDON_TEST_POSTGRES_URL (scripts/with-postgres.sh does)"
	if os.Getenv("CI") == "true" && os.Getenv("ANDON_TEST_SQLITE_ONLY") != "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
