package store_test

// Benchmarks for the "Scale" requirement: create, list and search on a
// large database. By default the first benchmark seeds a temporary database
// with 100k tickets (ANDON_BENCH_TICKETS overrides) on the engine under test
// and every benchmark of the process shares it. To measure a database seeded
// with `andon seed`, point ANDON_BENCH_DATA_DIR at its data dir (SQLite) or
// ANDON_BENCH_DATABASE_URL at it (PostgreSQL); see BENCHMARKS.md.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"andon/internal/demo"
	"andon/internal/domain"
	"andon/internal/store"
	"andon/internal/testutil"
)

var bench struct {
	once    sync.Once
	db      *store.DB
	err     error
	tickets int
	dir     string // temp dir to remove
	pgName  string // temp PostgreSQL database to drop
}

// benchDB returns the shared benchmark database, seeding it on first use.
func benchDB(b *testing.B) *store.DB {
	b.Helper()
	bench.once.Do(func() { bench.db, bench.err = openBenchDB() })
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.db
}

func openBenchDB() (*store.DB, error) {
	ctx := context.Background()
	if dir, u := os.Getenv("ANDON_BENCH_DATA_DIR"), os.Getenv("ANDON_BENCH_DATABASE_URL"); dir != "" || u != "" {
		if dir == "" {
			dir = os.TempDir()
		}
		db, err := store.Open(ctx, u, dir)
		if err != nil {
			return nil, err
		}
		_, err = db.Migrate(ctx)
		return db, err
	}
	n := 100_000
	if v := os.Getenv("ANDON_BENCH_TICKETS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("ANDON_BENCH_TICKETS: %w", err)
		}
	}
	var dbURL string
	dir, err := os.MkdirTemp("", "andon-bench-")
	if err != nil {
		return nil, err
	}
	bench.dir = dir
	if admin := testutil.PostgresURL(); admin != "" {
		bench.pgName = fmt.Sprintf("andon_bench_%d", os.Getpid())
		a, err := sql.Open("pgx", admin)
		if err != nil {
			return nil, err
		}
		defer a.Close()
		if _, err := a.ExecContext(ctx, `CREATE DATABASE `+bench.pgName); err != nil {
			return nil, err
		}
		dbURL = pgURL(admin, bench.pgName)
	}
	db, err := store.Open(ctx, dbURL, dir)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	if _, err := demo.Seed(ctx, db, demo.SeedOptions{Tickets: n}); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "bench: seeded %d tickets on %s in %s\n", n, db.Engine, time.Since(start).Round(time.Millisecond))
	return db, nil
}

// closeBenchDB removes the temporary benchmark database; TestMain calls it.
func closeBenchDB() {
	if bench.db != nil {
		bench.db.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	if bench.pgName != "" {
		if a, err := sql.Open("pgx", testutil.PostgresURL()); err == nil {
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + bench.pgName + ` WITH (FORCE)`)
			a.Close()
		}
	}
}

func pgURL(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return admin
	}
	u.Path = "/" + name
	return u.String()
}

func BenchmarkCreateTicket(b *testing.B) {
	if os.Getenv("ANDON_BENCH_DATA_DIR") != "" || os.Getenv("ANDON_BENCH_DATABASE_URL") != "" {
		b.Skip("does not write into a database you pointed the benchmarks at")
	}
	db := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, err := db.CreateTicket(ctx, domain.NewTicket{
			Subject: "Grinder makes a loud noise", Body: "Since this morning the grinder of my Barista Pro rattles. Order BL-123456.",
			Requester: domain.Requester{Email: fmt.Sprintf("bench%d@example.com", i%500), Name: "Bench"},
			Channel:   domain.ChannelEmail, Tags: []string{"defect"},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// listBench runs the list described by f, starting from a page deep in the
// list when deep is set (the cursor is found before the timer starts).
func listBench(b *testing.B, f domain.TicketFilter, deep bool) {
	db := benchDB(b)
	ctx := context.Background()
	if f.Limit == 0 {
		f.Limit = 50
	}
	if deep {
		f.Cursor = deepCursor(b, db, f)
	}
	var lat latencies
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		page, err := db.Tickets(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if len(page.Tickets) == 0 {
			b.Fatal("empty page")
		}
	}
	lat.report(b)
}

// latencies reports the median next to the mean: on a shared machine the
// mean carries other processes' noise, the median much less.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l[len(l)*9/10].Microseconds()), "p90-µs")
}

// deepCursor walks half of the list to find a cursor in its middle.
func deepCursor(b *testing.B, db *store.DB, f domain.TicketFilter) string {
	b.Helper()
	ctx := context.Background()
	total := 0
	for _, s := range f.Statuses {
		n, err := db.CountTickets(ctx, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	w := f
	w.Limit = 200
	cur := ""
	for seen := 0; seen < total/2; {
		w.Cursor = cur
		page, err := db.Tickets(ctx, w)
		if err != nil {
			b.Fatal(err)
		}
		if page.NextCursor == "" {
			break
		}
		cur = page.NextCursor
		seen += len(page.Tickets)
	}
	if cur == "" {
		b.Fatal("list too short for a deep page")
	}
	return cur
}

func BenchmarkListFirstPage(b *testing.B) {
	listBench(b, domain.TicketFilter{}, false)
}

func BenchmarkListOpenFirstPage(b *testing.B) {
	listBench(b, domain.TicketFilter{Statuses: []domain.Status{domain.StatusOpen}}, false)
}

func BenchmarkListInboxFirstPage(b *testing.B) {
	listBench(b, domain.TicketFilter{Statuses: []domain.Status{domain.StatusNew, domain.StatusOpen, domain.StatusPending}}, false)
}

func BenchmarkListClosedDeepPage(b *testing.B) {
	listBench(b, domain.TicketFilter{Statuses: []domain.Status{domain.StatusClosed}}, true)
}

func BenchmarkListOldestDeepPage(b *testing.B) {
	listBench(b, domain.TicketFilter{Statuses: []domain.Status{domain.StatusClosed}, Sort: domain.SortOldest}, true)
}

func BenchmarkSearch(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	var lat latencies
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		hits, err := db.Search(ctx, "parcel delivered", 20)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if len(hits) == 0 {
			b.Fatal("no hits")
		}
	}
	lat.report(b)
}

// BenchmarkListMatrix runs the first page of every filter shape the API and
// inbox offer, in every sort order, to catch a list that is not
// index-backed (it would grow with the database).
func BenchmarkListMatrix(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	users, err := db.Users(ctx)
	if err != nil || len(users) == 0 {
		b.Fatalf("users: %v", err)
	}
	teams, err := db.Teams(ctx)
	if err != nil || len(teams) == 0 {
		b.Fatalf("teams: %v", err)
	}
	agent, team, none := users[len(users)-1].ID, teams[0].ID, int64(0)
	open := []domain.Status{domain.StatusOpen}
	filters := []struct {
		name string
		f    domain.TicketFilter
	}{
		{"all", domain.TicketFilter{}},
		{"status", domain.TicketFilter{Statuses: open}},
		{"inbox", domain.TicketFilter{Statuses: []domain.Status{domain.StatusNew, domain.StatusOpen, domain.StatusPending}}},
		{"assignee", domain.TicketFilter{AssigneeID: &agent}},
		{"assignee+status", domain.TicketFilter{AssigneeID: &agent, Statuses: open}},
		{"unassigned+status", domain.TicketFilter{AssigneeID: &none, Statuses: []domain.Status{domain.StatusNew}}},
		{"team", domain.TicketFilter{TeamID: &team}},
		{"team+status", domain.TicketFilter{TeamID: &team, Statuses: open}},
		{"channel", domain.TicketFilter{Channel: domain.ChannelChat}},
		{"tag", domain.TicketFilter{Tag: "billing"}},
		{"tag+status", domain.TicketFilter{Tag: "billing", Statuses: open}},
	}
	for _, sort := range []domain.TicketSort{domain.SortUpdated, domain.SortPriority, domain.SortNewest, domain.SortOldest} {
		for _, fl := range filters {
			f := fl.f
			f.Sort, f.Limit = sort, 50
			b.Run(string(sort)+"/"+fl.name, func(b *testing.B) {
				var lat latencies
				for b.Loop() {
					start := time.Now()
					if _, err := db.Tickets(ctx, f); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				lat.report(b)
			})
		}
	}
}
