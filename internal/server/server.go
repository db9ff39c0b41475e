// Package server is Andon's HTTP adapter: the REST API, the agent workspace
// and the public pages. routes.go lists the whole surface.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"andon/internal/config"
	"andon/internal/domain"
	"andon/internal/store"
)

// Deps are what the server needs, passed explicitly.
type Deps struct {
	Config  *config.Config
	DB      *store.DB
	Log     *slog.Logger
	Metrics *Metrics
	Version string
}

// Server handles HTTP requests.
type Server struct {
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	metrics *Metrics
	version string

	loginByAccount *limiter
	loginByAddr    *limiter

	handler  http.Handler
	draining atomic.Bool
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	s := &Server{
		cfg: d.Config, db: d.DB, log: d.Log, metrics: d.Metrics, version: d.Version,
		loginByAccount: newLimiter(10, 10),
		loginByAddr:    newLimiter(30, 30),
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.observe(s.recover(s.securityHeaders(mux)))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes /readyz fail so a load balancer stops sending new requests
// before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

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
