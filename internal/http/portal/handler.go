// Package portal is the customer portal (/help: knowledge base, ticket
// form, passwordless sign-in, the customer's tickets) and the satisfaction
// survey pages (/survey).
package portal

import (
	"log/slog"
	"time"

	"andon/internal/config"
	"andon/internal/http/httpx"
	"andon/internal/reports"
	"andon/internal/store"
	"andon/internal/web"
)

// Deps are what the portal needs.
type Deps struct {
	Config  *config.Config
	Pages   *httpx.Pages
	Surveys *reports.Surveys
	// LoginMinDelay is how long a sign-in link request takes at least
	// (0: 400 ms), so timing does not tell known addresses from unknown.
	LoginMinDelay time.Duration
}

// Handler serves the portal.
type Handler struct {
	*httpx.Pages
	cfg         *config.Config
	db          *store.DB
	log         *slog.Logger
	tmpl        *web.Templates
	surveys     *reports.Surveys
	portalState *portalState
}

// New builds the portal handlers.
func New(d Deps) *Handler {
	h := &Handler{Pages: d.Pages, cfg: d.Config, db: d.Pages.DB, log: d.Pages.Log, tmpl: d.Pages.Tmpl,
		surveys: d.Surveys, portalState: newPortalState()}
	if d.LoginMinDelay > 0 {
		h.portalState.loginMinDelay = d.LoginMinDelay
	}
	return h
}

// Routes is the portal's route table.
func (s *Handler) Routes() []httpx.Route { return s.portalRoutes() }

// Gate authenticates portal routes (httpx.Portal).
func (s *Handler) Gate() httpx.Gate { return s.portalGate() }
