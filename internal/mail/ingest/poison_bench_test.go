package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"andon/internal/mail/ingest"
)

// BenchmarkHealthDuringPoison measures what a poison attack costs everyone
// else: each iteration ingests one normal message (the "health" request)
// while 4 attackers each post a poison message every 50 ms (a sender
// hammering the SMTP port). It reports the p50 and
// p99 latency of the normal message and how many poison messages went by.
//
//	idle:       no attack
//	guarded:    4 attackers, nested-multipart poison (depth 26, 30, 1000)
//	unguarded:  4 attackers, depth 20 with the pre-scan limit raised, i.e.
//	            what enmime alone costs (about 1 s of CPU each; deeper
//	            shapes would never finish)
func BenchmarkHealthDuringPoison(b *testing.B) {
	for _, c := range []struct {
		name     string
		depths   []int
		unclosed int
	}{{"idle", nil, 0}, {"guarded", []int{26, 30, 1000}, 0}, {"unguarded", []int{20}, 100}} {
		b.Run(c.name, func(b *testing.B) {
			g, _ := newIngester(b)
			g.Limits.MaxUnclosed = c.unclosed
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var poisoned atomic.Int64
			for a := 0; a < 4 && len(c.depths) > 0; a++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ctx.Err() == nil; i++ {
						d := c.depths[i%len(c.depths)]
						raw := nestedMIME("mallory@example.com", fmt.Sprintf("<p-%d-%d@example.com>", a, i), d, d == 1000)
						next := time.Now().Add(50 * time.Millisecond)
						if _, err := g.Ingest(ctx, ingest.Input{Raw: raw, Source: ingest.SourceAPI}); err == nil {
							poisoned.Add(1)
						}
						time.Sleep(time.Until(next))
					}
				}()
			}
			time.Sleep(100 * time.Millisecond) // let the attack start
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				raw := msg(fmt.Sprintf("c%d@example.com", i), "Health", fmt.Sprintf("<h-%d@example.com>", i), "", "ping")
				start := time.Now()
				if res, err := g.Ingest(context.Background(), ingest.Input{Raw: raw, Source: ingest.SourceAPI}); err != nil || res.TicketID == 0 {
					b.Fatalf("health message: %+v %v", res, err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			cancel()
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(poisoned.Load()), "poison-msgs")
		})
	}
}

// BenchmarkParseNested shows the cost of nested multiparts: "enmime" with
// the pre-scan limits raised (what the parser alone costs), "guarded" with
// the defaults (over a limit: rejected by the pre-scan).
func BenchmarkParseNested(b *testing.B) {
	for _, c := range []struct {
		depth  int
		closed bool
	}{{10, false}, {14, false}, {16, false}, {18, false}, {30, false}, {100, true}, {1000, false}} {
		raw := nestedMIME("a@example.com", "<n@example.com>", c.depth, c.closed)
		for _, mode := range []string{"enmime", "guarded"} {
			if mode == "enmime" && !c.closed && c.depth > 18 {
				continue // would not finish
			}
			b.Run(fmt.Sprintf("depth=%d/closed=%v/%s", c.depth, c.closed, mode), func(b *testing.B) {
				lim := ingest.DefaultLimits()
				if mode == "enmime" {
					lim.MaxDepth, lim.MaxUnclosed, lim.Timeout = 10000, 10000, time.Minute
				}
				for i := 0; i < b.N; i++ {
					_, _ = ingest.ParseLimited(raw, lim)
				}
			})
		}
	}
}
