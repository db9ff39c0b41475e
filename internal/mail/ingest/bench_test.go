package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"andon/internal/mail/ingest"
	"andon/internal/store"
	"andon/internal/testutil"
)

// BenchmarkIngest measures parse + thread + store of realistic mail: every
// third message opens a ticket, the others reply to it by In-Reply-To. On
// SQLite it compares the writer at synchronous=FULL (what Andon runs: a
// message answered 250 survives power loss) with NORMAL.
func BenchmarkIngest(b *testing.B) {
	modes := []string{"FULL", "NORMAL"}
	if testutil.Engine() != "sqlite" {
		modes = []string{"server"}
	}
	for _, mode := range modes {
		b.Run("synchronous="+mode, func(b *testing.B) { benchIngest(b, mode) })
	}
}

func benchIngest(b *testing.B, mode string) {
	g, db := newIngester(b)
	alt := string(corpus(b, "alternative.eml"))
	ctx := context.Background()
	if db.Engine == store.SQLite {
		// The writer pool holds one connection, so this sets it for every write.
		if _, err := db.Writer().ExecContext(ctx, "PRAGMA synchronous="+mode); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var raw []byte
		if i%3 == 0 {
			r := strings.NewReplacer("Ann@Example.com", fmt.Sprintf("c%d@example.com", i), "<alt-1@example.com>", fmt.Sprintf("<bench-%d@example.com>", i))
			raw = []byte(r.Replace(alt))
		} else {
			raw = msg(fmt.Sprintf("c%d@example.com", i-i%3), "Re: Printer on fire", fmt.Sprintf("<bench-%d@example.com>", i),
				fmt.Sprintf("In-Reply-To: <bench-%d@example.com>\r\n", i-i%3), "Still burning.\r\n\r\nOn Tue, Support wrote:\r\n> Try water")
		}
		res, err := g.Ingest(ctx, ingest.Input{Raw: raw, Source: ingest.SourceAPI})
		if err != nil || res.TicketID == 0 {
			b.Fatalf("%d: %+v %v", i, res, err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
