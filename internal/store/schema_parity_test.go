package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"andon/internal/store"
	"andon/internal/testutil"
)

func migratedSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db.Writer()
}

func migratedPostgres(t *testing.T) *sql.DB {
	t.Helper()
	testutil.NeedPostgres(t)
	db, err := store.Open(context.Background(), testutil.DatabaseURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db.Writer()
}

func readSchemas(t *testing.T, lite, pg *sql.DB) (*schema, *schema) {
	t.Helper()
	ctx := context.Background()
	a, err := sqliteSchema(ctx, lite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := postgresSchema(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tables) < 10 || len(b.Tables) < 10 || len(a.Indexes) < 10 {
		t.Fatalf("schemas read back almost empty: %d/%d tables, %d indexes", len(a.Tables), len(b.Tables), len(a.Indexes))
	}
	return a, b
}

// Both migration trees must build the same tables, columns, types, NOT NULL,
// defaults and indexes (engine-specific full-text search aside).
func TestMigrationsMatchAcrossEngines(t *testing.T) {
	lite, pg := migratedSQLite(t), migratedPostgres(t)
	a, b := readSchemas(t, lite, pg)
	if d := diffSchemas(a, b); len(d) > 0 {
		t.Errorf("SQLite and PostgreSQL migrations differ (add a migration on the wrong side):\n%s", strings.Join(d, "\n"))
	}
}

// The comparison catches drift: each change below is applied to one engine
// only and must be reported by table and column or index.
func TestMigrationParityReportsDrift(t *testing.T) {
	lite, pg := migratedSQLite(t), migratedPostgres(t)
	for _, q := range []string{
		`ALTER TABLE tickets ADD COLUMN x BIGINT`,
		`ALTER TABLE users ADD COLUMN nick BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE contacts ADD COLUMN note TEXT NOT NULL DEFAULT ''`,
	} {
		if _, err := pg.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`ALTER TABLE users ADD COLUMN nick TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE contacts ADD COLUMN note TEXT NOT NULL DEFAULT 'n/a'`,
		`CREATE INDEX tickets_subject ON tickets(subject)`,
		`CREATE UNIQUE INDEX settings_value ON settings(value)`,
	} {
		if _, err := lite.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	a, b := readSchemas(t, lite, pg)
	got := strings.Join(diffSchemas(a, b), "\n")
	for _, want := range []string{
		"column tickets.x: only in postgres",
		"column users.nick: sqlite {Type:text",
		"column contacts.note: sqlite {Type:text NotNull:true Default:'n/a'",
		`index "tickets_subject" on tickets(subject) unique=false partial=false: only in sqlite`,
		`index "settings_value" on settings(value) unique=true partial=false: only in sqlite`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("drift report lacks %q; got:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 5 {
		t.Errorf("want exactly 5 differences, got %d:\n%s", n, got)
	}
}
