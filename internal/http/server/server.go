// Package server is Andon's HTTP adapter: the REST API, the agent workspace
// and the public pages. routes.go lists the whole surface.
package server

import (
	"andon/internal/http/httpx"
	"andon/internal/metrics"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/mail"
	"andon/internal/ratelimit"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/web"
)

// Deps are what the server needs, passed explicitly; internal/app builds
// them (and runs whatever has goroutines).
type Deps struct {
	Config  *config.Config
	DB      *store.DB
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Version string
	Events  *events.Bus      // live updates to the workspace
	Mail    *mail.Service    // the email channel (mailboxes, inbound by HTTP); nil disables it
	Chat    *chat.Service    // live chat, shared by the widget and the agents' console
	Surveys *reports.Surveys // signed survey links
	Reports *reports.Service // dashboard figures
	// Limits overrides the rate-limit classes' defaults (tests).
	Limits map[httpx.Rate]httpx.Limit
}

// Server handles HTTP requests.
type Server struct {
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
	version string
	events  *events.Bus
	mail    *mail.Service

	loginByAccount *ratelimit.Limiter
	loginByAddr    *ratelimit.Limiter
	portalState    *portalState     // customer portal (portal.go)
	surveys        *reports.Surveys // signed survey links (web_survey.go)
	reports        *reports.Service // dashboard figures, with per-day sums cached (web_reports.go)
	chat           *chat.Service    // live chat (chat_widget.go, chat_agent.go)
	policy         *httpx.Policy

	// Agent workspace: parsed templates, hashed static files, app icons.
	tmpl   *web.Templates
	assets *web.Assets
	icons  *web.Icons

	handler  http.Handler
	draining atomic.Bool
}

// New builds the server's handlers from d. It starts nothing.
func New(d Deps) (*Server, error) {
	s := &Server{
		cfg: d.Config, db: d.DB, log: d.Log, metrics: d.Metrics, version: d.Version, events: d.Events, mail: d.Mail,
		loginByAccount: ratelimit.New(ratelimit.Limit{PerMinute: 10, Burst: 10}),
		loginByAddr:    ratelimit.New(ratelimit.Limit{PerMinute: 30, Burst: 30}),
		portalState:    newPortalState(),
		chat:           d.Chat, surveys: d.Surveys, reports: d.Reports,
	}
	var err error
	if s.assets, err = web.LoadAssets(); err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	if s.tmpl, err = web.Load(s.assets); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	s.icons = web.NewIcons()
	s.policy = httpx.NewPolicy(d.DB, d.Log, d.Limits)
	s.policy.Gates[httpx.Page] = s.pageGate()
	s.policy.Gates[httpx.Portal] = s.portalGate()
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.Pattern(), s.policy.Apply(rt))
	}
	s.handler = s.observe(s.recover(s.securityHeaders(mux)))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz fail so a load balancer stops sending new requests
// before shutdown, and closes chat sockets (http.Server.Shutdown does not
// close hijacked connections); widgets reconnect to another node.
func (s *Server) Drain() {
	s.draining.Store(true)
	s.chat.Close(5 * time.Second)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness: database", "err", err)
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": string(s.db.Engine)})
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	s.metrics.Handler().ServeHTTP(w, r)
}
