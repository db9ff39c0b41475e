package server

import (
	"net/http"
	"strconv"
	"time"

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
}

// NewMetrics creates and registers every series.
func NewMetrics() *Metrics {
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
	}
	m.Registry.MustRegister(m.RequestSeconds, m.TicketsCreated, m.Jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// observe records one request under its route pattern (never the raw path,
// which would explode cardinality).
func (m *Metrics) observe(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.RequestSeconds.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}
