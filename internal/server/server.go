// Package server is Andon's HTTP adapter: the REST API, the agent workspace
// and the public pages. routes.go lists the whole surface.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/events"
	"andon/internal/mail"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/web"
)

// Deps are what the server needs, passed explicitly.
type Deps struct {
	Config  *config.Config
	DB      *store.DB
	Log     *slog.Logger
	Metrics *Metrics
	Version string
	// Events carries live updates to the workspace. When nil, New makes an
	// in-process bus and attaches it to DB (fine for a single node).
	Events *events.Bus
	// Mail is the email channel (mailboxes, inbound by HTTP); nil disables it.
	Mail *mail.Service
}

// Server handles HTTP requests.
type Server struct {
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	metrics *Metrics
	version string
	events  *events.Bus
	mail    *mail.Service

	loginByAccount *limiter
	loginByAddr    *limiter
	apiLimit       *limiter         // REST API requests per user
	portalState    *portalState     // customer portal (portal.go)
	surveys        *reports.Surveys // signed survey links (web_survey.go)
	reports        *reports.Service // dashboard figures, with per-day sums cached (web_reports.go)
	chat           *chatState       // live chat (chat_widget.go)

	// Agent workspace: parsed templates, hashed static files, app icons.
	tmpl   *web.Templates
	assets *web.Assets
	icons  *web.Icons

	handler  http.Handler
	draining atomic.Bool
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Events == nil {
		d.Events = events.New(d.Log)
	}
	if d.DB != nil {
		// Every ticket committed on this node passes here once, whatever the
		// channel, so the counter is kept in one place.
		d.DB.OnChange(countCreated(d.DB, d.Metrics, d.Log, d.Events.Publish))
	}
	s := &Server{
		cfg: d.Config, db: d.DB, log: d.Log, metrics: d.Metrics, version: d.Version, events: d.Events, mail: d.Mail,
		loginByAccount: newLimiter(10, 10),
		loginByAddr:    newLimiter(30, 30),
		apiLimit:       newLimiter(1200, 300),
		portalState:    newPortalState(),
	}
	s.chat = newChatState(s)
	var err error
	if s.assets, err = web.LoadAssets(); err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	if s.tmpl, err = web.Load(s.assets); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	s.icons = web.NewIcons()
	s.reports = reports.New(d.DB)
	if s.surveys, err = reports.NewSurveys(d.DB, d.Config.SecretKey, d.Config.DataDir, d.Config.BaseURL); err != nil {
		return nil, fmt.Errorf("survey links: %w", err)
	}
	mux := http.NewServeMux()
	s.routes(mux)
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
	s.chat.hub.Close(5 * time.Second)
}

// Metrics returns the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness: database", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "engine": string(s.db.Engine)})
}

// ctxKey keys request-scoped values.
type ctxKey int

const (
	ctxUser ctxKey = iota
	ctxSession
)

// userFrom returns the signed-in user of the request, or nil.
func userFrom(ctx context.Context) *domain.User {
	u, _ := ctx.Value(ctxUser).(*domain.User)
	return u
}

func sessionFrom(ctx context.Context) *domain.Session {
	s, _ := ctx.Value(ctxSession).(*domain.Session)
	return s
}

// actor is the domain actor for the signed-in user.
func actor(u *domain.User) domain.Actor {
	if u == nil {
		return domain.System
	}
	return domain.Actor{UserID: u.ID, Name: u.Name}
}
