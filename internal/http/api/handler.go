// Package api is the REST API v1 (/api/v1): its route table and handlers,
// and the OpenAPI document built for the same routes.
package api

import (
	"log/slog"

	"andon/internal/http/httpx"
	"andon/internal/mail"
	"andon/internal/ratelimit"
	"andon/internal/reports"
	"andon/internal/store"
)

// Deps are what the API needs.
type Deps struct {
	DB      *store.DB
	Log     *slog.Logger
	Mail    *mail.Service    // nil: the email channel is off
	Reports *reports.Service // report figures
}

// Handler serves the REST API.
type Handler struct {
	db      *store.DB
	log     *slog.Logger
	mail    *mail.Service
	reports *reports.Service
	suggest *ratelimit.Limiter // public article suggestions, per address
}

// New builds the API handlers.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, log: d.Log, mail: d.Mail, reports: d.Reports,
		suggest: ratelimit.New(ratelimit.Limit{PerMinute: 120, Burst: 60})}
}

// Routes is the API's route table.
func (s *Handler) Routes() []httpx.Route { return s.apiRoutes() }
