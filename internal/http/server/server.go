// Package server composes Andon's HTTP surface: it mounts the route tables
// of every audience (api, workspace, portal, widget), serves the operations
// routes and wraps everything in the global middleware. routes.go lists
// the whole surface.
package server

import (
	"andon/internal/http/api"
	"andon/internal/http/httpx"
	"andon/internal/http/portal"
	"andon/internal/http/widget"
	"andon/internal/http/workspace"
	"andon/internal/metrics"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"andon/internal/auth"
	"andon/internal/chat"
	"andon/internal/config"
	"andon/internal/events"
	"andon/internal/mail"
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
	// Login limits password guessing; nil builds one from Config.Security
	// (tests pass one with their own clock).
	Login *auth.LoginLimiter
	// Codes limits second-factor code guessing; nil builds the default.
	Codes *auth.LoginLimiter
	// Secrets seals secrets at rest (TOTP secrets), under ANDON_SECRET_KEY.
	Secrets *mail.Box
	// PortalLoginMinDelay overrides how long a portal sign-in request takes
	// at least (tests; 0: the default).
	PortalLoginMinDelay time.Duration
}

// Server composes the audiences' route tables behind the global
// middleware, and serves the operations routes.
type Server struct {
	db      *store.DB
	log     *slog.Logger
	metrics *metrics.Metrics
	version string
	chat    *chat.Service

	api       *api.Handler
	workspace *workspace.Handler
	portal    *portal.Handler
	widget    *widget.Handler
	policy    *httpx.Policy

	hsts bool // the site is served over https: tell browsers to keep to it

	handler  http.Handler
	draining atomic.Bool
}

// New builds every audience's handlers from d and mounts their routes. It
// starts nothing.
func New(d Deps) (*Server, error) {
	assets, err := web.LoadAssets()
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	tmpl, err := web.Load(assets)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	pages := &httpx.Pages{DB: d.DB, Log: d.Log, Tmpl: tmpl}
	s := &Server{db: d.DB, log: d.Log, metrics: d.Metrics, version: d.Version, chat: d.Chat,
		api: api.New(api.Deps{DB: d.DB, Log: d.Log, Mail: d.Mail, Reports: d.Reports}),
		workspace: workspace.New(workspace.Deps{Config: d.Config, Pages: pages, Assets: assets, Icons: web.NewIcons(),
			Events: d.Events, Mail: d.Mail, Chat: d.Chat, Reports: d.Reports, Login: d.Login,
			Codes: d.Codes, Secrets: d.Secrets}),
		portal: portal.New(portal.Deps{Config: d.Config, Pages: pages, Surveys: d.Surveys, LoginMinDelay: d.PortalLoginMinDelay}),
		widget: widget.New(widget.Deps{Config: d.Config, Pages: pages, Chat: d.Chat, Surveys: d.Surveys}),
	}
	s.hsts = d.Config != nil && strings.HasPrefix(strings.ToLower(d.Config.BaseURL), "https://")
	s.policy = httpx.NewPolicy(d.DB, d.Log, d.Limits)
	s.policy.Gates[httpx.Page] = s.workspace.Gate()
	s.policy.Gates[httpx.Portal] = s.portal.Gate()
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern(), s.policy.Apply(rt))
	}
	s.handler = httpx.TrustProxies(d.Config.Security.TrustedProxies, s.observe(s.recover(s.securityHeaders(mux))))
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

// MetricsHandler serves the Prometheus series. It is never on the public
// listener: internal/app serves it on ANDON_METRICS_ADDR alone.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.Handler() }
