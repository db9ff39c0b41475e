// Package testutil opens throwaway databases for tests: SQLite in a temp dir,
// or, when ANDON_TEST_POSTGRES_URL is set, a fresh PostgreSQL database cloned
// from a migrated template.
package testutil

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
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
	db, err := store.Open(ctx, withDB(admin, name), "")
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
	u := DatabaseURL(t)
	db, err := store.Open(ctx, u, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
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
