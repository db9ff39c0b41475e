package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"andon/internal/metrics"
	"andon/internal/store"
)

// workers are the background jobs of one node.
type workers struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (w *workers) stop() {
	w.cancel()
	w.wg.Wait()
}

// every runs fn at each interval until ctx ends.
func (w *workers) every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	}()
}

func startWorkers(parent context.Context, db *store.DB, log *slog.Logger, m *metrics.Metrics) *workers {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	w := &workers{cancel: cancel}
	w.every(ctx, time.Hour, func(ctx context.Context) {
		n, err := db.DeleteExpiredSessions(ctx)
		result := "ok"
		if err != nil {
			result = "error"
			log.Warn("session cleanup", "err", err)
		}
		m.Jobs.WithLabelValues(metrics.JobSessionCleanup, result).Inc()
		if n > 0 {
			log.Debug("expired sessions removed", "count", n)
		}
	})
	// Customer portal sessions and sign-in links (issue 6).
	w.every(ctx, time.Hour, func(ctx context.Context) {
		result := "ok"
		if _, err := db.DeleteExpiredCustomerLogins(ctx); err != nil {
			result = "error"
			log.Warn("customer session cleanup", "err", err)
		}
		m.Jobs.WithLabelValues(metrics.JobCustomerSessionCleanup, result).Inc()
	})
	// Problems whose countermeasure window passed with no recurrence become
	// verified (issue 7). Reads never sweep: this worker is the only one.
	w.every(ctx, 10*time.Minute, func(ctx context.Context) {
		n, err := db.SweepProblems(ctx)
		result := "ok"
		if err != nil {
			result = "error"
			log.Warn("problem verification", "err", err)
		}
		m.Jobs.WithLabelValues(metrics.JobProblemVerification, result).Inc()
		if n > 0 {
			log.Info("problems verified", "count", n)
		}
	})
	return w
}
