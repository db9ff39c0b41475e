// Package metrics holds the Prometheus series Andon exports. The HTTP layer
// observes requests into them; the workers and the email channel count jobs
// and mail; nothing here depends on HTTP handlers.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"andon/internal/domain"
	"andon/internal/store"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series Andon exports. They live in their own
// registry, passed explicitly, so tests can run many servers in one process.
type Metrics struct {
	Registry       *prometheus.Registry
	RequestSeconds *prometheus.HistogramVec
	TicketsCreated *prometheus.CounterVec
	Jobs           *prometheus.CounterVec
	Mail           *prometheus.CounterVec // email channel (internal/app/mail.go)
}

// Background job names, as they appear in andon_jobs_total{job=...}.
const (
	JobSessionCleanup         = "session_cleanup"
	JobCustomerSessionCleanup = "customer_session_cleanup"
	JobProblemVerification    = "problem_verification"
)

// Jobs lists every background job, so each series exists from start.
var jobs = []string{JobSessionCleanup, JobCustomerSessionCleanup, JobProblemVerification}

// mailSeries are the (direction, outcome) pairs the email channel counts.
var mailSeries = [][2]string{
	{"in", "received"}, {"in", "duplicate"}, {"in", "failed"},
	{"out", "sent"}, {"out", "retry"}, {"out", "failed"},
}

// New creates and registers every series. Counters that dashboards and
// alerts name are created at zero, so a fresh node shows them before the
// first event (a rate() over a missing series is empty, not zero).
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		RequestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "andon_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "code"}),
		TicketsCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "andon_tickets_created_total", Help: "Tickets created, by channel.",
		}, []string{"channel"}),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "andon_jobs_total", Help: "Background jobs run, by job and result.",
		}, []string{"job", "result"}),
		Mail: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "andon_mail_messages_total", Help: "Email handled, by direction (in, out) and outcome (received, duplicate, failed, sent, retry).",
		}, []string{"direction", "outcome"}),
	}
	for _, ch := range domain.Channels {
		m.TicketsCreated.WithLabelValues(string(ch))
	}
	for _, j := range jobs {
		m.Jobs.WithLabelValues(j, "ok")
		m.Jobs.WithLabelValues(j, "error")
	}
	for _, s := range mailSeries {
		m.Mail.WithLabelValues(s[0], s[1])
	}
	m.Registry.MustRegister(m.RequestSeconds, m.TicketsCreated, m.Jobs, m.Mail,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// ObserveRequest records one request under its route pattern (never the raw
// path, which would explode cardinality).
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.RequestSeconds.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

// CountCreated wraps the change publisher so every ticket.created committed on
// this node (API, web, email, chat, portal, phone) counts once, by channel.
// Only local commits reach the store's OnChange, so nodes do not double count.
func CountCreated(db *store.DB, m *Metrics, log *slog.Logger, next func(domain.Change)) func(domain.Change) {
	return func(c domain.Change) {
		if c.Kind == domain.ChangeTicketCreated {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			ch, err := db.TicketChannel(ctx, c.TicketID)
			cancel()
			if err != nil {
				log.Warn("metrics: ticket channel", "ticket", c.TicketID, "err", err)
				ch = "unknown"
			}
			m.TicketsCreated.WithLabelValues(string(ch)).Inc()
		}
		next(c)
	}
}
