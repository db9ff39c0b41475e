package reports_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"andon/internal/domain"
	"andon/internal/reports"
	"andon/internal/store"
)

// BenchmarkDashboard builds the dashboard's two periods (the default 30
// days and the 30 before) over an existing database, e.g. one filled by
// `andon seed --tickets 1000000`:
//
//	ANDON_BENCH_DATA_DIR=/path/to/data go test -run XXX -bench Dashboard ./internal/reports/
//	ANDON_BENCH_DATABASE_URL=postgres://... go test -run XXX -bench Dashboard ./internal/reports/
func BenchmarkDashboard(b *testing.B) {
	dir, dbURL := os.Getenv("ANDON_BENCH_DATA_DIR"), os.Getenv("ANDON_BENCH_DATABASE_URL")
	if dir == "" && dbURL == "" {
		b.Skip("set ANDON_BENCH_DATA_DIR or ANDON_BENCH_DATABASE_URL to a seeded database")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := reports.New(db)
	f, err := reports.ParseFilter(url.Values{}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	// The first build computes and caches the per-day sums; each timed
	// build follows a new customer message on the newest ticket, so today
	// is recomputed as it would be on a live helpdesk.
	if _, _, err := svc.BuildWithPrevious(ctx, f); err != nil {
		b.Fatal(err)
	}
	page, err := db.Tickets(ctx, domain.TicketFilter{Sort: domain.SortNewest, Limit: 1})
	if err != nil || len(page.Tickets) == 0 {
		b.Fatal("no tickets", err)
	}
	newest := page.Tickets[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := db.AddEntry(ctx, domain.NewEntry{TicketID: newest.ID, Kind: domain.EntryMessage, Direction: domain.Inbound,
			Body: "benchmark follow-up", Actor: domain.Actor{ContactID: newest.RequesterID}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := svc.BuildWithPrevious(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}
