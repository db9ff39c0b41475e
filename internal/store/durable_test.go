package store_test

import (
	"context"
	"fmt"
	"testing"

	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

// TestWritesAreDurableBeforeTheAnswer: on SQLite the connection that
// commits inbound mail, tickets and outbox marks fsyncs at every commit
// (synchronous=FULL), so what was answered 250/202 survives power loss.
func TestWritesAreDurableBeforeTheAnswer(t *testing.T) {
	if testutil.Engine() == "sqlite" {
		// Opened as Andon opens it (testutil.OpenDB relaxes it for speed).
		db, err := store.Open(context.Background(), "", testutil.DataDir(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := synchronous(t, db); got != "FULL" {
			t.Fatalf("writer runs with synchronous=%s: a commit answered 250 could vanish on power loss", got)
		}
		// ANDON_SQLITE_DURABILITY=normal, asked for by name only.
		relaxed, err := store.OpenDurable(context.Background(), "", testutil.DataDir(t), store.DurableNormal)
		if err != nil {
			t.Fatal(err)
		}
		defer relaxed.Close()
		if got := synchronous(t, relaxed); got != "NORMAL" {
			t.Fatalf("durability normal runs with synchronous=%s", got)
		}
		if _, err := store.OpenDurable(context.Background(), "", t.TempDir(), "off"); err == nil {
			t.Fatal("an unknown durability was accepted")
		}
		return
	}
	// PostgreSQL: the server's synchronous_commit decides; the store must
	// not turn it down for its sessions.
	db := testutil.OpenDB(t)
	var setting, reset string
	if err := db.Writer().QueryRowContext(context.Background(),
		"SELECT setting, reset_val FROM pg_settings WHERE name = 'synchronous_commit'").Scan(&setting, &reset); err != nil {
		t.Fatal(err)
	}
	if setting != reset {
		t.Fatalf("the store runs with synchronous_commit=%s, the server's setting is %s", setting, reset)
	}
}

// synchronous reads the writer connection's setting by name.
func synchronous(t testing.TB, db *store.DB) string {
	t.Helper()
	var n int
	if err := db.Writer().QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return [...]string{"OFF", "NORMAL", "FULL", "EXTRA"}[n]
}

// BenchmarkDurableCreate measures ticket creation per second on a fresh
// database with the writer at synchronous=FULL (what Andon runs) against
// NORMAL (survives a crash of the process, not power loss). On PostgreSQL
// it runs once with the server's settings.
func BenchmarkDurableCreate(b *testing.B) {
	modes := []string{"FULL", "NORMAL"}
	if testutil.Engine() != "sqlite" {
		modes = []string{"server"}
	}
	for _, mode := range modes {
		b.Run("synchronous="+mode, func(b *testing.B) {
			db := testutil.OpenDB(b)
			ctx := context.Background()
			if db.Engine == store.SQLite {
				if _, err := db.Writer().ExecContext(ctx, "PRAGMA synchronous="+mode); err != nil {
					b.Fatal(err)
				}
				if got := synchronous(b, db); got != mode {
					b.Fatalf("synchronous=%s, want %s", got, mode)
				}
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := db.CreateTicket(ctx, domain.NewTicket{
					Subject: "Grinder makes a loud noise", Body: "Since this morning the grinder rattles. Order BL-123456.",
					Requester: domain.Requester{Email: fmt.Sprintf("bench%d@example.com", i%500), Name: "Bench"},
					Channel:   domain.ChannelEmail, Tags: []string{"defect"},
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
		})
	}
}
